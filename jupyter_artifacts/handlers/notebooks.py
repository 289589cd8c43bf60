"""Routes of the notebooks area (API.md, "Notebooks" and "Cell append")."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import json_limits
from ..models import notebooks as m
from ..models.jobs import JobAccepted
from ..refs import parse_version_number
from .base import ArtifactsHandler, Route, api_doc
from .keyed import prefers_async

AUTH_RESOURCE = "jupyter_artifacts:notebooks"
WRITE_ERRORS = (400, 403, 404, 409, 413)


class Base(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def notebooks(self):
        return self.services.notebooks


class NotebookCollection(Base):
    @api_doc("Register a notebook (its version 1)",
             body=m.RegisterNotebook, reply=m.Registered, status=201, errors=WRITE_ERRORS,
             operation_id="registerNotebook", tags=("notebooks",),
             description=(
                 "Registers version 1 of a notebook from nbformat JSON (`notebook`) or from a path in the Jupyter "
                 "server's contents (`path`), exactly one of them. The notebook is upgraded to nbformat 4.5 (cell ids "
                 "added) and validated (invalid → 400 naming the problem); every cell is stored as sent. The reply "
                 "names the new notebook and its hash; the version is `<notebook_id>@v1`. Retry-safe with an "
                 "`Idempotency-Key` header: a repeat with the same key and body returns the first reply "
                 "(`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self):
        body = self.parse_body(m.RegisterNotebook)
        cm = self.settings.get("contents_manager")
        self.reply(await self.notebooks.register(body, self.actor(body), cm), 201)


class NotebookItem(Base):
    @api_doc("Get a notebook's latest version number and counts", reply=m.NotebookInfo,
             operation_id="getNotebook", tags=("notebooks",),
             description=(
                 "A notebook's latest version number, version count, cell count and hash. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.notebooks.info(ref))


class NotebookVersion(Base):
    @api_doc("Export version N of a notebook (JSON, .ipynb or HTML)",
             query=m.VersionFormat, reply=dict, errors=(400, 404, 409),
             media={"application/x-ipynb+json": {"type": "object"}, "text/html": {"type": "string"}},
             operation_id="exportNotebook", tags=("notebooks",),
             description=(
                 "The notebook of version N: `format=json` (default) as JSON, `ipynb` as a download, `html` as "
                 "nbconvert's rendering (served with `Content-Security-Policy: sandbox allow-scripts`). `json` and "
                 "`ipynb` carry `metadata.jupyter_artifacts = {artifact_id, version_number, content_hash}`. Reads "
                 "only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str, n: str):
        number = parse_version_number(n)
        fmt = self.parse_query(m.VersionFormat).format
        kind, value = await self.notebooks.version(ref, number, fmt)
        if kind == "html":
            # Rendered outputs may hold scripts: an opaque origin keeps them off the Jupyter API.
            self.set_header("Content-Security-Policy", "sandbox allow-scripts")
            self.set_header("X-Content-Type-Options", "nosniff")
            self.finish(value, set_content_type="text/html; charset=UTF-8")
            return
        if fmt == "ipynb":
            name = f"{value['metadata']['jupyter_artifacts']['artifact_id']}-v{number}.ipynb"
            self.set_header("Content-Disposition", f'attachment; filename="{name}"')
            self.finish(json_limits.dumps(value, indent=1, ensure_ascii=False),
                        set_content_type="application/x-ipynb+json")
            return
        self.reply(value)


class Cells(Base):
    @api_doc("Append a cell as the notebook's next version",
             body=m.AppendCell, reply=m.Appended, status=201, errors=(*WRITE_ERRORS, 422),
             operation_id="appendCell", tags=("notebooks",), accepted=JobAccepted,
             description=(
                 "Appends one cell to the notebook as its next version, in one all-or-nothing call: the new version "
                 "(`version_number` = parent + 1) holds the parent's cells unchanged plus the new one at `cell_index`; "
                 "an `extends` link and a `cell_append` processing step (actor, method, parameters with `rationale`) "
                 "are written; with `chamber_id` the version is pinned there as `workbench`. With `execute: true` "
                 "(code cells; needs `execute` permission) the cell runs in a fresh kernel after the earlier code "
                 "cells are replayed, and its outputs are stored; an error or timeout is recorded in `execution` and "
                 "the version is still created. `parent_version` makes the append conditional (409 `stale_parent`). "
                 "An executed append can take seconds: with `execute: true`, send `Prefer: respond-async` to get 202 "
                 "and a job to poll (GET /api/jupyter_artifacts/jobs/{job_id}, operation getJob). The path takes a "
                 "bare notebook id. Retry-safe with an `Idempotency-Key` header: a repeat with the same "
                 "key and body returns the first reply (`Idempotent-Replayed: true`) and writes nothing. The body's "
                 "`idempotency_key` works the same way."))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.AppendCell)
        if body.execute and not self.authorizer.is_authorized(self, self.current_user, "execute",
                                                              AUTH_RESOURCE):
            raise web.HTTPError(403, f"User {self.username} is not authorized to execute cells "
                                     f"(execute on {AUTH_RESOURCE}).")
        actor = self.actor(body)
        if body.execute and prefers_async(self):
            # Replaying every earlier cell can outlast a client's timeout: 202 and a job to poll.
            self.reply(await self.start_job("append_cell", lambda: self.notebooks.append(ref, body, actor), 201), 202)
            return
        self.reply(await self.notebooks.append(ref, body, actor), 201)


class Diff(Base):
    @api_doc("Diff two versions of a notebook with nbdime",
             query=m.DiffQuery, reply=m.NotebookDiff,
             operation_id="diffNotebook", tags=("notebooks",),
             description=(
                 "nbdime's diff between two versions of a notebook (default: the latest against its parent): `base` is "
                 "version `from`'s notebook and `diff` is `nbdime.diff_notebooks(base, to)` as JSON, with a summary of "
                 "added, removed and modified cells; `ignore_outputs` compares sources only. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.notebooks.diff(ref, self.parse_query(m.DiffQuery)))

    @api_doc("Diff an edited copy against a version, storing nothing", body=m.DiffCopy,
             reply=m.NotebookDiff, errors=(400, 404, 409, 413),
             operation_id="diffNotebookCopy", tags=("notebooks",),
             description=(
                 "nbdime's diff of a version (default: the latest) against an edited copy of the notebook sent in the "
                 "body, exactly as a commit of that copy would record it. Nothing is stored (`to` is null). Reads "
                 "only."))
    @web.authenticated
    @authorized("read")  # a computation on the body: nothing is written
    async def post(self, ref: str):
        self.reply(await self.notebooks.diff_copy(ref, self.parse_body(m.DiffCopy)))


routes = [
    Route("/api/notebooks", NotebookCollection),
    Route("/api/notebooks/{ref}", NotebookItem),
    Route("/api/notebooks/{ref}/versions/{n}", NotebookVersion),
    Route("/api/notebooks/{ref}/cells", Cells),
    Route("/api/notebooks/{ref}/diff", Diff),
]
