"""Routes of replays (API.md, "Replay"): re-execute a notebook version and judge its outputs."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from ..models import replays as m
from ..refs import parse_version_number
from .base import ArtifactsHandler, Route, api_doc

# Replays are a notebook matter: the notebooks' resource, so `execute` there covers both.
AUTH_RESOURCE = "jupyter_artifacts:notebooks"
REPLAYS_PATH = "api/replays"


class Base(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def replays(self):
        return self.services.replays


class StartReplay(Base):
    @api_doc("Replay a notebook version: re-execute its code cells and compare the outputs",
             body=m.StartReplay, reply=m.ReplayAccepted, status=202, errors=(400, 403, 404, 409, 413, 422),
             body_optional=True, operation_id="replayVersion", tags=("notebooks",),
             examples={"defaults": {"summary": "The notebook's own kernel, the server's default timeout",
                                    "value": {}},
                       "bounded": {"summary": "At most 5 minutes, in the python3 kernel, on an agent's behalf",
                                   "value": {"timeout_s": 300, "kernel_name": "python3", "agent_id": "ed-lein"}}},
             description=(
                 "Starts a replay of exactly version N: every code cell, in order, in a fresh contained kernel (the "
                 "server's execution limits and environment allow-list, as for executed appends); an error in a "
                 "cell does not stop it. Answers 202 at once with the replay's id and `href`; poll GET "
                 "/api/replays/{replay_id} (operation getReplay) until `status` is no longer `running`, or wait "
                 "for the `replay` live event (action `finished`). The verdict: `reproduced` when every code cell's "
                 "outputs equal the stored ones after the documented normalisers, `differs`, `failed` (a cell "
                 "raised where the stored outputs hold no such error) or `timeout`. A replay never creates a "
                 "version. Needs `execute` permission. An unknown kernel → 400 naming the installed ones; "
                 "`timeout_s` outside 1..the server's `replay_max_timeout_s` → 400. The path takes a bare "
                 "notebook id. Retry-safe with an `Idempotency-Key` header: a repeat with the same key and body "
                 "returns the first reply (`Idempotent-Replayed: true`) and starts nothing."))
    @web.authenticated
    @authorized("execute")
    async def post(self, ref: str, n: str):
        number = parse_version_number(n)
        body = self.parse_body(m.StartReplay) if (self.request.body or b"").strip() else m.StartReplay()
        accepted = await self.replays.start(ref, number, body, self.actor(body),
                                            lambda replay_id: url_path_join(self.base_url, REPLAYS_PATH, replay_id))
        self.set_header("Location", accepted.href)
        self.reply(accepted, 202)


class ReplayItem(Base):
    @api_doc("Get a replay: its status and each cell's verdict", reply=m.Replay, errors=(400, 404),
             operation_id="getReplay", tags=("notebooks",),
             description=(
                 "One replay: `running` (with `progress`) until it ends, then its verdict, each cell's verdict "
                 "(`same`, `differs`, `error`, `skipped`, with a short `detail`), the kernel and the environment it "
                 "ran in (Python version, the installed packages and their hash), and how long it took. A running "
                 "replay whose server stopped reads as `failed`. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, replay_id: str):
        self.reply(await self.replays.get(replay_id))


class VersionReplays(Base):
    @api_doc("List a version's replays, newest first", query=m.ReplaysQuery, reply=m.ReplayPage,
             operation_id="listReplays", tags=("notebooks",),
             description=("Every replay of version N of a notebook, newest first, a page at a time (`limit`, "
                          "`cursor`). Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str, n: str):
        number = parse_version_number(n)
        self.reply(await self.replays.of_version(ref, number, self.parse_query(m.ReplaysQuery)))


class NotebookReplays(Base):
    @api_doc("The latest replay of each version of a notebook", reply=m.LatestReplays,
             operation_id="latestReplays", tags=("notebooks",),
             description=("For each version of the notebook that was replayed, its newest replay (a History view's "
                          "verdict badges in one call). Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.replays.latest(ref))


class ReplayDiff(Base):
    @api_doc("nbdime's diff of a version's stored outputs against a replay's", reply=m.ReplayDiff,
             errors=(400, 404, 409), operation_id="diffReplay", tags=("notebooks",),
             description=(
                 "`base` is the version's stored notebook and `diff` is `nbdime.diff_notebooks(base, replayed)`, "
                 "`replayed` being `base` with the replayed outputs and execution counts in the code cells that ran. "
                 "409 while the replay runs, or for one that ran no cell (the server stopped, the kernel could not "
                 "start). Reads only."))
    @web.authenticated
    @authorized
    async def get(self, replay_id: str):
        self.reply(await self.replays.diff(replay_id))


routes = [
    Route("/api/notebooks/{ref}/versions/{n}/replay", StartReplay),
    Route("/api/notebooks/{ref}/versions/{n}/replays", VersionReplays),
    Route("/api/notebooks/{ref}/replays", NotebookReplays),
    Route("/api/replays/{replay_id}", ReplayItem),
    Route("/api/replays/{replay_id}/diff", ReplayDiff),
]
