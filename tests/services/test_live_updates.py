"""Live updates across servers (API.md, "Live updates"): two real Jupyter servers on one
database; a client subscribed to server B's event socket sees what is written through
server A, and rows another service inserts with plain SQL."""

from __future__ import annotations

import asyncio
import time

import pytest
from live_subscriber import Subscriber, has
from tests_helpers import JupyterServer

pytestmark = pytest.mark.slow


@pytest.fixture
def servers(tmp_path, database_url):
    with JupyterServer(tmp_path, database_url, name="a") as a, JupyterServer(tmp_path, database_url, name="b") as b:
        yield a, b


async def test_every_kind_written_through_one_server_arrives_at_the_other(servers, sql):
    a, b = servers
    async with Subscriber(b) as sub:
        ok = lambda r, status=201: r[0] == status or pytest.fail(f"{r}")
        ok(a.call("POST", "/api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"}))
        await sub.until(has(kind="version", action="created", artifact_id="H-1", version_number=1, ref="H-1@v1"))
        ok(a.call("POST", "/api/artifacts/H-1/versions", {"title": "h, revised", "agent_id": "ed-lein"}))
        await sub.until(has(kind="version", ref="H-1@v2"))
        await sub.until(has(kind="step", action="derive", artifact_id="H-1", version_number=2))
        ok(a.call("POST", "/api/artifacts/H-1/versions/1/tags", {"tag": "baseline"}))
        await sub.until(has(kind="tag", action="set", artifact_id="H-1", version_number=1, tag="baseline"))
        ok(a.call("POST", "/api/artifacts/H-1/versions/2/tags", {"tag": "baseline", "move": True}), 200)
        await sub.until(has(kind="tag", action="moved", version_number=2, tag="baseline"))
        ok(a.call("PATCH", "/api/artifacts/H-1/versions/1", {"lifecycle_state": "deprecated"}), 200)
        await sub.until(has(kind="lifecycle", action="deprecated", artifact_id="H-1", version_number=1))
        ok(a.call("POST", "/api/artifacts", {"id": "P-1", "artifact_type": "paper", "title": "p"}))
        ok(a.call("POST", "/api/artifact-links", {"source": "H-1", "target": "P-1", "link_type": "cites"}))
        await sub.until(has(kind="step", action="cite", artifact_id="H-1", version_number=2))
        # Both ends of the step: a view of P-1's descendants learns of it too.
        await sub.until(has(kind="step", action="cite", artifact_id="P-1", version_number=1))

        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
        ok(a.call("POST", "/api/notebooks", {"id": "NB-1", "notebook": nb}))
        ok(a.call("POST", "/api/notebooks/NB-1/cells", {"source": "x = 1"}))
        await sub.until(has(kind="version", ref="NB-1@v2"))
        await sub.until(has(kind="step", action="cell_append", ref="NB-1@v2"))

        status, chamber = a.call("POST", "/api/chambers", {"name": "c", "purpose": "experiment_design"})
        assert status == 201
        await sub.until(has(kind="chamber", action="opened", chamber_id=chamber["id"]))
        ok(a.call("POST", f"/api/chambers/{chamber['id']}/pull", [{"artifact_id": "H-1@v1"}]), 200)
        await sub.until(has(kind="chamber", action="pulled", chamber_id=chamber["id"]))
        ok(a.call("POST", f"/api/chambers/{chamber['id']}/close", {}), 200)
        await sub.until(has(kind="chamber", action="closed", chamber_id=chamber["id"]))

        status, debate = a.call("POST", "/api/debates", {"target_artifact_id": "H-1", "topic": "t"})
        assert status == 201
        await sub.until(has(kind="debate", action="opened", session_id=debate["id"], artifact_id="H-1"))
        ok(a.call("POST", f"/api/debates/{debate['id']}/rounds", {"actor_id": "p", "content": "see H-1@v1"}))
        await sub.until(has(kind="debate", action="round", session_id=debate["id"]))
        ok(a.call("POST", f"/api/debates/{debate['id']}/close", {}), 200)
        await sub.until(has(kind="debate", action="closed", session_id=debate["id"]))
        await sub.until(has(kind="chamber", action="closed", chamber_id=debate["chamber_id"]))

        # Ids only: no titles, no content, no secrets.
        for event in sub.events:
            assert set(event) <= {"schema_id", "kind", "action", "artifact_id", "version_number", "ref",
                                  "chamber_id", "session_id", "tag"}, event


async def test_rows_other_services_insert_are_announced_exactly_once(servers, sql):
    a, b = servers
    async with Subscriber(b) as sub:
        assert a.call("POST", "/api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})[0] == 201
        await sub.until(has(ref="H-1@v1"))
        sql("INSERT INTO artifacts (id, artifact_type, title, version_number, parent_version_id) "
            "VALUES ('H-1-v2', 'hypothesis', 'written elsewhere', 2, 'H-1')")
        await sub.until(has(kind="version", action="created", artifact_id="H-1", version_number=2))
        sql("INSERT INTO artifacts (id, artifact_type, title) VALUES ('legacy-9', 'paper', 'plain insert')")
        await sub.until(has(kind="version", artifact_id="legacy-9", version_number=1))
        sql("UPDATE artifacts SET version_tag = 'v-final' WHERE id = 'legacy-9'")
        await sub.until(has(kind="tag", artifact_id="legacy-9", tag="v-final"))
        sql("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) "
            "VALUES ('legacy-9', 'H-1-v2', 'cites')")
        await sub.until(has(kind="step", action="cite", artifact_id="legacy-9"))
        await sub.until(has(kind="step", action="cite", ref="H-1@v2"))
        await sub.quiet(1.0)
        assert sum(1 for e in sub.events if e.get("artifact_id") == "legacy-9" and e["kind"] == "version") == 1, sub.events
        assert sum(1 for e in sub.events if e.get("ref") == "H-1@v2" and e["kind"] == "version") == 1
        assert has(kind="step", action="fork", ref="H-1@v2")(sub.events)  # its legacy_parent step
        assert not any(e["kind"] == "resync" for e in sub.events)


async def test_a_database_restart_yields_resync_then_events_flow_again(tmp_path, embedded_pgdata):
    """PostgreSQL stops and starts again under a running server: its subscribers are told to
    re-fetch (`resync`), and changes are announced again with no server restart."""
    from jupyter_artifacts.db import embedded

    pgdata = embedded_pgdata
    pg, url = embedded.start(pgdata)
    try:
        with JupyterServer(tmp_path, url, name="b") as b:
            async with Subscriber(b) as sub:
                assert b.call("POST", "/api/artifacts", {"id": "H-1", "artifact_type": "paper", "title": "t"})[0] == 201
                await sub.until(has(ref="H-1@v1"))
                embedded.stop(pg)
                await asyncio.sleep(1.0)
                pg, _ = embedded.start(pgdata)
                await sub.until(has(kind="resync", action="reconnected"), timeout=30)
                deadline = time.monotonic() + 30
                while b.call("POST", "/api/artifacts", {"id": "H-2", "artifact_type": "paper", "title": "t"})[0] != 201:
                    assert time.monotonic() < deadline, "the server never wrote again"
                    await asyncio.sleep(0.5)
                await sub.until(has(kind="version", ref="H-2@v1"))
                assert b.call("GET", "/api/jupyter_artifacts/status")[1]["live"]["listening"] is True
    finally:
        embedded.stop(pg)
