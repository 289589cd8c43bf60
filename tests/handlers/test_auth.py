"""Every route needs an authenticated user; writes need `write` permission."""

from __future__ import annotations

import re

import pytest
from jupyter_server.auth.authorizer import Authorizer

from jupyter_artifacts.app import JupyterArtifactsApp
from jupyter_artifacts.handlers.openapi import METHODS

SAMPLE = {"ref": "H-1", "n": "1", "cid": "00000000-0000-4000-8000-000000000000", "persona_id": "H-1",
          "session_id": "deb-1", "job_id": "00000000-0000-4000-8000-000000000001",
          "replay_id": "00000000-0000-4000-8000-000000000002"}


def operations():
    for route in JupyterArtifactsApp().routes():
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], route.template)
        for method in METHODS:
            if getattr(getattr(route.handler, method, None), "__api_doc__", None):
                yield method.upper(), path.lstrip("/")


class ReadOnlyAuthorizer(Authorizer):
    def is_authorized(self, handler, user, action, resource):
        return action == "read"


async def test_every_route_refuses_unauthenticated_requests(api):
    ops = list(operations())
    assert len(ops) >= 12
    for method, path in ops:
        body = {} if method in ("POST", "PATCH") else None
        r = await api(method, path, body, headers={"Authorization": ""})
        assert r.status == 401, (method, path, r)
        assert r.json["reason"] == "unauthorized" and r.json["message"]
        assert r.headers["WWW-Authenticate"].startswith("token")
    # A wrong token is no credential either; an unknown route under the prefixes is refused the same.
    for path in ("api/artifacts", "api/artifacts/H-1/no-such-route"):
        r = await api("GET", path, headers={"Authorization": "token not-the-token"})
        assert r.status == 401 and r.json["reason"] == "unauthorized", path


async def test_unknown_routes_under_the_prefixes_are_json_404s(api):
    for method, path in [("GET", "api/artifacts/H-1/nope"), ("POST", "api/notebooks/x/y/z"),
                         ("GET", "api/jupyter_artifacts/nope"), ("DELETE", "api/chambers"),
                         ("GET", "api/personas"), ("PUT", "api/debates/d/rounds/1"),
                         ("GET", "api/replays"), ("GET", "api/replays/x/outputs")]:
        r = await api(method, path, {} if method in ("POST", "PUT") else None)
        if (method, path) == ("DELETE", "api/chambers"):
            assert r.status == 405, r  # a real route, another method
            continue
        assert r.status == 404 and r.json["reason"] == "not_found", (method, path, r)
        assert "openapi.json" in r.json["message"]


@pytest.fixture
def jp_server_config(jp_server_config):
    return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"],
                                              "authorizer_class": ReadOnlyAuthorizer}}


async def test_read_only_user_cannot_write_and_nothing_changes(api, sql):
    sql("SELECT 1")
    # The schema is created by the first request (migrations run lazily).
    assert (await api("GET", "api/artifacts")).status == 200
    sql("INSERT INTO artifacts (id, artifact_type, title, version_number) VALUES ('H-1', 'hypothesis', 't', 1)")
    before = sql("SELECT * FROM artifacts")
    # Computations on a body that store nothing are reads.
    reads = {("POST", "api/notebooks/H-1/diff"): {"notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                                "cells": []}},
             ("POST", "api/notebooks/H-1/merge-preview"): {"other": "H-1"}}
    writes = [(m, p) for m, p in operations() if m != "GET" and (m, p) not in reads]
    assert {m for m, _ in writes} == {"POST", "PATCH"}
    bodies = {"api/artifacts": {"artifact_type": "paper", "title": "x"},
              "api/artifacts/H-1/versions": {"title": "x"},
              "api/artifacts/H-1/versions/1/tags": {"tag": "t"},
              "api/artifacts/H-1/versions/1": {"lifecycle_state": "retracted"},
              "api/artifact-links": {"source": "H-1", "target": "H-1", "link_type": "cites"},
              "api/notebooks": {"notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}},
              "api/notebooks/H-1/cells": {"source": "1"},
              "api/chambers": {"name": "c", "purpose": "debate"},
              "api/chambers/00000000-0000-4000-8000-000000000000/pull": [{"artifact_id": "H-1"}],
              "api/chambers/00000000-0000-4000-8000-000000000000/close": {},
              "api/personas/H-1/workspace": {},
              "api/debates": {"target_artifact_id": "H-1", "topic": "t"},
              "api/debates/deb-1/rounds": {"actor_id": "p", "content": "c"},
              "api/debates/deb-1/close": {},
              "api/notebooks/H-1/versions": {"notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                          "cells": []}},
              "api/notebooks/H-1/merge": {"other": "H-1"},
              "api/notebooks/H-1/split": {"cells": [0]},
              "api/artifacts/H-1/fork": {},
              "api/notebooks/H-1/versions/1/replay": {}}
    for method, path in writes:
        r = await api(method, path, bodies[path])
        assert r.status == 403, (method, path, r)
        assert "not authorized" in r.json["message"]
    for method, path in operations():
        if method == "GET":
            r = await api(method, path)
            assert r.status in (200, 400, 404), (path, r)
    for (method, path), body in reads.items():
        r = await api(method, path, body)
        assert r.status in (200, 400, 404), (path, r)
    assert sql("SELECT * FROM artifacts") == before
    assert sql("SELECT count(*) AS n FROM artifact_tags")[0]["n"] == 0
    assert sql("SELECT count(*) AS n FROM processing_steps")[0]["n"] == 0
    assert sql("SELECT count(*) AS n FROM chambers")[0]["n"] == 0
    assert sql("SELECT count(*) AS n FROM debate_sessions")[0]["n"] == 0
