"""Routes of commit, fork, merge and split (API.md, "Commit, fork, merge, split"), and the merge
preview the JupyterLab plugin builds on (what a merge would give, stored nowhere)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models import branches as m
from ..models.common import Version
from ..services.commits import Commit
from .base import ArtifactsHandler, Route, api_doc

NOTEBOOKS = "jupyter_artifacts:notebooks"
ARTIFACTS = "jupyter_artifacts:artifacts"
WRITE_ERRORS = (400, 403, 404, 409, 413)
COMMIT_ERRORS = (*WRITE_ERRORS, 422)  # an idempotency key reused for another request


class CommitVersion(ArtifactsHandler):
    auth_resource = NOTEBOOKS

    @api_doc("Commit an edited notebook as its next version",
             body=m.CommitNotebook, reply=m.Committed, status=201, errors=COMMIT_ERRORS, also={200: m.Committed},
             operation_id="commitNotebook", tags=("notebooks",),
             description=(
                 "Commits an edited notebook (nbformat JSON, or a path in the server's contents) as the notebook's "
                 "next version. Cell ids the notebook carries are kept, so an edited cell stays the same cell; outputs "
                 "are stored as sent. Writes a `derives_from` link and a `derive` step (method `manual-edit` unless "
                 "given, parameters with `rationale`). `parent_version` is checked first: a stale one → 409 "
                 "`stale_parent` with `current_version` and `current_ref`. A notebook equal to the head's content → "
                 "200 with the head, nothing created. The reply adds `summary`: which cells changed. Retry-safe with "
                 "an `Idempotency-Key` header: a repeat with the same key and body returns the first reply "
                 "(`Idempotent-Replayed: true`) and writes nothing. The body's `idempotency_key` works the same way."))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.CommitNotebook)
        data = body.notebook
        if body.path is not None:
            data = await self.services.notebooks.read_contents(self.settings.get("contents_manager"), body.path)
        commit = Commit(data=data, parent_version=body.parent_version, method=body.method,
                        parameters=body.parameters, rationale=body.rationale, chamber_id=body.chamber_id,
                        idempotency_key=body.idempotency_key)
        # The body an idempotency key stands for (only dumped when there is a key).
        request = body.model_dump(mode="json", by_alias=True) if body.idempotency_key else {}
        reply, status, replayed = await self.services.commits.commit(ref, commit, self.actor(body), request)
        if replayed:
            self.set_header("Idempotent-Replayed", "true")
        self.reply(reply, status)


class Fork(ArtifactsHandler):
    auth_resource = ARTIFACTS

    @api_doc("Fork a version into a new artifact", body=m.ForkRequest, reply=Version, status=201, errors=WRITE_ERRORS,
             body_optional=True,
             operation_id="forkArtifact", tags=("artifacts",),
             description=(
                 "Forks a version (`from`, default the latest) into version 1 of a new artifact of the same type, with "
                 "the same content and metadata, linked by a `fork` processing step (source → new v1). A notebook fork "
                 "is a notebook whose cells belong to the new version. Retry-safe with an `Idempotency-Key` header: a "
                 "repeat with the same key and body returns the first reply (`Idempotent-Replayed: true`) and writes "
                 "nothing."))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.ForkRequest) if (self.request.body or b"").strip() else m.ForkRequest()
        self.reply(await self.services.forks.fork(ref, body, self.actor(body)), 201)


class Merge(ArtifactsHandler):
    auth_resource = NOTEBOOKS

    @api_doc("Merge another version into the notebook's head",
             body=m.MergeRequest, reply=m.Committed, status=201, errors=WRITE_ERRORS, also={200: m.Committed},
             error_replies={409: m.MergeConflictReply},
             operation_id="mergeNotebook", tags=("notebooks",),
             description=(
                 "Three-way merges another version (`other`: of this notebook or of another one, e.g. a fork) into the "
                 "head with nbdime, over their nearest common ancestor along processing steps (or `base`; none → 409 "
                 "`no_common_ancestor`). Without conflicts → 201 with the merged version. With conflicts and no "
                 "`resolved` → 409 `merge_conflict` with `base`, `local`, `remote` and nbdime's `merge_decisions`, "
                 "nothing stored: resolve, then send the merged notebook as `resolved` (with `parent_version`) → 201. "
                 "Either way two `merge` steps (head → new, other → new, method `nbdime-merge`). 200 with the head "
                 "when it already holds the other version. Retry-safe with an `Idempotency-Key` header: a repeat with "
                 "the same key and body returns the first reply (`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.MergeRequest)
        reply, status = await self.services.merges.merge(ref, body, self.actor(body))
        self.reply(reply, status)


class MergePreview(ArtifactsHandler):
    auth_resource = NOTEBOOKS

    @api_doc("Preview a merge, storing nothing",
             body=m.MergePreviewRequest, reply=m.MergeOutcome, errors=(400, 404, 409, 413),
             operation_id="previewMerge", tags=("notebooks",),
             description=(
                 "What merging `other`, or an edited copy (`notebook`, made from `base`), into the head would give: "
                 "the three notebooks, nbdime's decisions and, without conflicts, the merged notebook. Nothing is "
                 "stored. Reads only."))
    @web.authenticated
    @authorized("read")  # a computation on the body: nothing is written
    async def post(self, ref: str):
        self.reply(await self.services.merges.preview(ref, self.parse_body(m.MergePreviewRequest)))


class Split(ArtifactsHandler):
    auth_resource = NOTEBOOKS

    @api_doc("Split chosen cells into a new notebook", body=m.SplitRequest, reply=Version, status=201,
             errors=WRITE_ERRORS,
             operation_id="splitNotebook", tags=("notebooks",),
             description=(
                 "Takes chosen cells (`cells`, indices in the order wanted) of a notebook version (`from`, default the "
                 "latest) into version 1 of a new notebook, with their ids and outputs and the source's notebook "
                 "metadata, linked by a `split` processing step. Empty, duplicate or out-of-range indices → 400. "
                 "Retry-safe with an `Idempotency-Key` header: a repeat with the same key and body returns the first "
                 "reply (`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.SplitRequest)
        self.reply(await self.services.forks.split(ref, body, self.actor(body)), 201)


routes = [
    Route("/api/notebooks/{ref}/versions", CommitVersion),
    Route("/api/notebooks/{ref}/merge", Merge),
    Route("/api/notebooks/{ref}/merge-preview", MergePreview),
    Route("/api/notebooks/{ref}/split", Split),
    Route("/api/artifacts/{ref}/fork", Fork),
]
