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

    @api_doc("Commit an edited notebook as its next version (201; 200 with the head when nothing changed). "
             "Writes a derives_from link and its `derive` step (method `manual-edit` unless given)",
             body=m.CommitNotebook, reply=m.Committed, status=201, errors=COMMIT_ERRORS, also={200: m.Committed},
             operation_id="commitNotebook", tags=("notebooks",))
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

    @api_doc("Fork a version (default: the latest) into version 1 of a new artifact of the same type, "
             "linked by a `fork` step", body=m.ForkRequest, reply=Version, status=201, errors=WRITE_ERRORS,
             body_optional=True,
             operation_id="forkArtifact", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.ForkRequest) if (self.request.body or b"").strip() else m.ForkRequest()
        self.reply(await self.services.forks.fork(ref, body, self.actor(body)), 201)


class Merge(ArtifactsHandler):
    auth_resource = NOTEBOOKS

    @api_doc("Three-way merge of another version into the head with nbdime (201; 200 with the head when it "
             "already holds the other version); conflicts: 409 `merge_conflict` with what resolving needs",
             body=m.MergeRequest, reply=m.Committed, status=201, errors=WRITE_ERRORS, also={200: m.Committed},
             error_replies={409: m.MergeConflictReply},
             operation_id="mergeNotebook", tags=("notebooks",))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.MergeRequest)
        reply, status = await self.services.merges.merge(ref, body, self.actor(body))
        self.reply(reply, status)


class MergePreview(ArtifactsHandler):
    auth_resource = NOTEBOOKS

    @api_doc("What merging another version, or an edited copy made from `base`, into the head gives: nbdime's "
             "decisions and, without conflicts, the merged notebook; nothing is stored",
             body=m.MergePreviewRequest, reply=m.MergeOutcome, errors=(400, 404, 409, 413),
             operation_id="previewMerge", tags=("notebooks",))
    @web.authenticated
    @authorized("read")  # a computation on the body: nothing is written
    async def post(self, ref: str):
        self.reply(await self.services.merges.preview(ref, self.parse_body(m.MergePreviewRequest)))


class Split(ArtifactsHandler):
    auth_resource = NOTEBOOKS

    @api_doc("Chosen cells of a notebook version (default: the latest), in the order given, become version 1 "
             "of a new notebook, linked by a `split` step", body=m.SplitRequest, reply=Version, status=201,
             errors=WRITE_ERRORS,
             operation_id="splitNotebook", tags=("notebooks",))
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
