"""Routes of the debates area (API.md, "Debates")."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models import debates as m
from ..services.actors import Actor
from .base import ArtifactsHandler, Route, api_doc

AUTH_RESOURCE = "jupyter_artifacts:debates"
WRITE_ERRORS = (400, 403, 404, 409, 413)


class Base(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def debates(self):
        return self.services.debates


class DebateCollection(Base):
    @api_doc("List debates, newest first", query=m.ListDebates,
             reply=m.SessionPage,
             operation_id="listDebates", tags=("debates",),
             description=(
                 "Debate sessions, newest first, without their rounds; filter by `status` or by `target` artifact. "
                 "Paginated. Reads only."))
    @web.authenticated
    @authorized
    async def get(self):
        self.reply(await self.debates.list(self.parse_query(m.ListDebates)))

    @api_doc("Open a debate about an exact version", body=m.CreateDebate,
             reply=m.Session, status=201, errors=WRITE_ERRORS,
             operation_id="openDebate", tags=("debates",),
             description=(
                 "Opens a debate about an exact version of an artifact: `target_artifact_id` (its latest version, or "
                 "the `@vN` given) is pinned by version number and content hash, and a `debate` chamber is opened with "
                 "the target as `input` and the `pull` entries added. Post rounds next, then close it. Retry-safe with "
                 "an `Idempotency-Key` header: a repeat with the same key and body returns the first reply "
                 "(`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self):
        body = self.parse_body(m.CreateDebate)
        self.reply(await self.debates.create(body, self.actor(body)), 201)


class DebateItem(Base):
    @api_doc("Get a debate with its rounds", reply=m.Session,
             operation_id="getDebate", tags=("debates",),
             description=(
                 "A debate session with every round and the exact versions each round cites. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, session_id: str):
        self.reply(await self.debates.get(session_id))


class Rounds(Base):
    @api_doc("Post a round to a debate",
             body=m.CreateRound, reply=m.Round, status=201, errors=WRITE_ERRORS,
             operation_id="postRound", tags=("debates",),
             description=(
                 "Adds a round to an open debate: who speaks (`actor_type`, `actor_id`), the `prompt` and what was "
                 "said (`content`). Citations are resolved to exact versions: a token followed by `@v<N>` naming an "
                 "existing version (e.g. `NB-12@v3`), or the id of an artifact pinned in the debate's chamber; "
                 "`evidence` entries are cited explicitly (unknown → 404). Every cited version is pulled into the "
                 "debate's chamber as `reference`. A closed debate → 409 `closed`. Retry-safe with an "
                 "`Idempotency-Key` header: a repeat with the same key and body returns the first reply "
                 "(`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self, session_id: str):
        body = self.parse_body(m.CreateRound)
        # The round's speaker pulls what it cites; the authenticated user records it.
        actor = Actor(body.actor_type, body.actor_id, self.username)
        self.reply(await self.debates.add_round(session_id, body, actor), 201)


class CloseDebate(Base):
    @api_doc("Close a debate and its chamber", body=m.CloseDebate, reply=m.Session, errors=WRITE_ERRORS,
             body_optional=True,
             operation_id="closeDebate", tags=("debates",),
             description=(
                 "Closes the debate with an optional `verdict`, and closes its chamber: the session gets "
                 "`chamber_provenance_hash`. Rounds or closing after close → 409 `closed`. Retry-safe with an "
                 "`Idempotency-Key` header: a repeat with the same key and body returns the first reply "
                 "(`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self, session_id: str):
        body = self.parse_body(m.CloseDebate) if self.request.body.strip() else m.CloseDebate()
        self.reply(await self.debates.close(session_id, body, self.actor(body)))


class DebateArtifacts(Base):
    @api_doc("List every version a debate pinned, pulled or cited",
             reply=m.DebateArtifacts,
             operation_id="getDebateArtifacts", tags=("debates",),
             description=(
                 "Every version the debate pinned, pulled or cited (its target, its chamber's pins, every round's "
                 "references), one entry per version, with where the debate names it (`sources`). Reads only."))
    @web.authenticated
    @authorized
    async def get(self, session_id: str):
        self.reply(await self.debates.artifacts(session_id))


class DebateArtifactsAlias(DebateArtifacts):
    """The spec's name for the same route (`/api/debate/...`)."""


routes = [
    Route("/api/debates", DebateCollection),
    Route("/api/debates/{session_id}", DebateItem),
    Route("/api/debates/{session_id}/rounds", Rounds),
    Route("/api/debates/{session_id}/close", CloseDebate),
    Route("/api/debates/{session_id}/artifacts", DebateArtifacts),
    Route("/api/debate/{session_id}/artifacts", DebateArtifactsAlias),
]
