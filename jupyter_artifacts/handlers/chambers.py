"""Routes of the chambers area (API.md, "Chambers")."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models import chambers as m
from .base import ArtifactsHandler, Route, api_doc

AUTH_RESOURCE = "jupyter_artifacts:chambers"
WRITE_ERRORS = (400, 403, 404, 409, 413)


class Base(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def chambers(self):
        return self.services.chambers


class ChamberCollection(Base):
    @api_doc("Open a chamber", body=m.CreateChamber, reply=m.Chamber, status=201, errors=WRITE_ERRORS,
             operation_id="createChamber", tags=("chambers",),
             description=(
                 "Opens a chamber: a named set of exact versions pinned for one piece of work (`purpose`: `debate`, "
                 "`experiment_design`, `persona_workspace`, `showcase_review`). Pin versions with POST "
                 "/api/chambers/{cid}/pull; closing takes a provenance hash over the pins. Retry-safe with an "
                 "`Idempotency-Key` header: a repeat with the same key and body returns the first reply "
                 "(`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self):
        body = self.parse_body(m.CreateChamber)
        self.reply(await self.chambers.create(body, self.actor(body)), 201)

    @api_doc("List chambers, newest first", query=m.ListChambers, reply=m.ChamberPage,
             operation_id="listChambers", tags=("chambers",),
             description=(
                 "Chambers, newest first, with how many versions each pins; filter by `purpose` and `status`. "
                 "Paginated. Reads only."))
    @web.authenticated
    @authorized
    async def get(self):
        self.reply(await self.chambers.list(self.parse_query(m.ListChambers)))


class ChamberItem(Base):
    @api_doc("Get a chamber with its pinned versions", reply=m.Chamber,
             operation_id="getChamber", tags=("chambers",),
             description=(
                 "A chamber with every pinned version (`ref`, `content_hash`, role, who pinned it and when). Reads "
                 "only."))
    @web.authenticated
    @authorized
    async def get(self, cid: str):
        self.reply(await self.chambers.get(cid))


class Pull(Base):
    @api_doc("Pin exact versions in a chamber", body=m.PullRequest,
             reply=m.Chamber, errors=WRITE_ERRORS,
             operation_id="pullIntoChamber", tags=("chambers",),
             description=(
                 "Pins exact versions in an open chamber, all or nothing: the body is a list of `{artifact_id, "
                 "version_number?, role?}` (`artifact_id` may be `X@vN`; default the latest; role default "
                 "`reference`). An unknown artifact → 404 and nothing is pinned; a closed chamber → 409 `closed`. A "
                 "version is pinned once per chamber: pulling it again changes nothing (its first role stays). Replies "
                 "with the chamber. Retry-safe with an `Idempotency-Key` header: a repeat with the same key and body "
                 "returns the first reply (`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self, cid: str):
        entries = self.parse_list_body(m.PullRequest).root
        self.reply(await self.chambers.pull(cid, entries, self.actor(None)))


class Close(Base):
    @api_doc("Close a chamber and take its provenance hash",
             body=m.CloseChamber, reply=m.Chamber, errors=WRITE_ERRORS, body_optional=True,
             operation_id="closeChamber", tags=("chambers",),
             description=(
                 "Closes the chamber, optionally creating a `result` artifact first (pinned as `workbench`), and sets "
                 "`provenance_hash`: sha256 of the canonical list of its pins. A closed chamber never changes; closing "
                 "it again → 409 `closed`. Retry-safe with an `Idempotency-Key` header: a repeat with the same key and "
                 "body returns the first reply (`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self, cid: str):
        body = self.parse_body(m.CloseChamber) if self.request.body.strip() else m.CloseChamber()
        self.reply(await self.chambers.close(cid, body, self.actor(body)))


class Workspace(Base):
    @api_doc("Open a persona's workspace (or return the open one)", body=m.OpenWorkspace, reply=m.Chamber,
             status=201, errors=WRITE_ERRORS, also={200: m.Chamber}, body_optional=True,
             operation_id="openPersonaWorkspace", tags=("chambers",),
             description=(
                 "Opens the persona's `persona_workspace` chamber (201), or returns the one already open (200), with "
                 "the persona itself, the papers cited in its debates (up to 20) and its earlier debates' targets "
                 "pinned as `reference`. The body is optional. Retry-safe with an `Idempotency-Key` header: a repeat "
                 "with the same key and body returns the first reply (`Idempotent-Replayed: true`) and writes "
                 "nothing."))
    @web.authenticated
    @authorized
    async def post(self, persona_id: str):
        body = self.parse_body(m.OpenWorkspace) if self.request.body.strip() else m.OpenWorkspace()
        chamber, created = await self.chambers.workspace(persona_id, self.actor(body), create=True)
        self.reply(chamber, 201 if created else 200)

    @api_doc("Get a persona's open workspace", reply=m.Chamber,
             operation_id="getPersonaWorkspace", tags=("chambers",),
             description=(
                 "The persona's open workspace chamber; 404 if none is open. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, persona_id: str):
        chamber, _ = await self.chambers.workspace(persona_id, self.actor(None), create=False)
        self.reply(chamber)


routes = [
    Route("/api/chambers", ChamberCollection),
    Route("/api/chambers/{cid}", ChamberItem),
    Route("/api/chambers/{cid}/pull", Pull),
    Route("/api/chambers/{cid}/close", Close),
    Route("/api/personas/{persona_id}/workspace", Workspace),
]
