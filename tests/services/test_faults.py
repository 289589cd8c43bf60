"""Faults a shared research database meets in production (issue 12), each against real
services: a backend killed in the middle of an append, the pool running dry, the database
absent when the server starts, two servers migrating an empty database at once, and the
embedded PostgreSQL killed under a running server. The invariants hold after each."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_artifacts.db.migrate import available
from tests_helpers import JupyterServer, ThreadedRelay

pytestmark = pytest.mark.slow

NOTEBOOK = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"id": "c0", "cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [], "execution_count": None}]}


def invariants(sql) -> None:
    """DESIGN.md's invariants on every artifact: versions 1..N, one latest (the highest), a
    linear chain; every link has exactly one step; every cell belongs to an existing version."""
    for row in sql("SELECT artifact_id, array_agg(version_number ORDER BY version_number) AS ns, "
                   "count(*) FILTER (WHERE is_latest) AS latest, max(version_number) AS top "
                   "FROM artifacts GROUP BY artifact_id"):
        assert row["ns"] == list(range(1, len(row["ns"]) + 1)), row
        assert row["latest"] == 1, row
    assert sql("SELECT count(*) AS n FROM artifacts a JOIN artifacts p ON p.id = a.parent_version_id "
               "WHERE p.version_number <> a.version_number - 1")[0]["n"] == 0
    assert sql("SELECT count(*) AS n FROM artifact_links l "
               "WHERE (SELECT count(*) FROM processing_steps s WHERE s.link_id = l.id) <> 1")[0]["n"] == 0
    assert sql("SELECT count(*) AS n FROM notebook_cells c LEFT JOIN artifacts a ON a.id = c.notebook_artifact_id "
               "WHERE a.id IS NULL")[0]["n"] == 0


# -- a backend killed mid-append --------------------------------------------------------------

KILL_AT = {
    "version": "artifacts",             # right after the new version row
    "cell": "notebook_cells",           # after the cell
    "link": "artifact_links",           # after the extends link
    "step": "processing_steps",         # after the step
    "pin": "chamber_artifacts",         # after the chamber pin, the last write
}


@pytest.mark.parametrize("point", list(KILL_AT))
async def test_a_backend_killed_mid_append_is_all_or_nothing(api, sql, point):
    assert (await api("POST", "api/notebooks", {"id": "NB-1", "notebook": NOTEBOOK})).status == 201
    chamber = (await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"})).json
    # The append's own backend terminates itself at this point of its transaction, once
    # (a sequence is not transactional: the kill cannot undo its own count).
    sql("CREATE SEQUENCE kill_once")
    sql("""CREATE FUNCTION kill_me() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF current_setting('jupyter_artifacts.writer', true) = 'extension' AND nextval('kill_once') = 1 THEN
               PERFORM pg_terminate_backend(pg_backend_pid());
             END IF;
             RETURN NULL;
           END $$""")
    sql(f"CREATE TRIGGER kill_me AFTER INSERT ON {KILL_AT[point]} FOR EACH ROW EXECUTE FUNCTION kill_me()")
    before = {t: sql(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in set(KILL_AT.values())}
    body = {"source": "y = 2", "idempotency_key": "k-1", "chamber_id": chamber["id"], "parent_version": 1}
    r = await api("POST", "api/notebooks/NB-1/cells", body)
    assert r.status == 503 and r.json["reason"] == "unavailable", r
    assert {t: sql(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in before} == before  # nothing of it
    # The client retries with the same key: exactly one version, with all its effects.
    r = await api("POST", "api/notebooks/NB-1/cells", body)
    assert r.status == 201 and r.json["version_number"] == 2, r
    again = await api("POST", "api/notebooks/NB-1/cells", body)
    assert again.status in (200, 201) and again.json == r.json
    assert sql("SELECT count(*) AS n FROM artifacts WHERE artifact_id = 'NB-1'")[0]["n"] == 2
    assert sql("SELECT count(*) AS n FROM notebook_cells")[0]["n"] == 2
    assert sql("SELECT count(*) AS n FROM chamber_artifacts")[0]["n"] == 1
    invariants(sql)
    # And the pool carries on with healthy connections.
    assert (await api("POST", "api/notebooks/NB-1/cells", {"source": "z = 3"})).json["version_number"] == 3


# -- the pool running dry -----------------------------------------------------------------------

class TestPoolExhausted:
    @pytest.fixture
    def artifacts_config(self):
        return {"pool_min_size": 1, "pool_max_size": 2, "pool_timeout": 1.0, "lock_timeout_ms": 4000,
                "statement_timeout_ms": 30000}

    async def test_other_requests_get_a_fast_503_and_the_loop_stays_responsive(self, api, sql, database_url,
                                                                               jp_fetch):
        assert (await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "paper", "title": "t"})).status == 201
        # Another session holds the artifact's write lock: two writes wait on it, each holding
        # one of the pool's two connections.
        holder = psycopg.connect(database_url, autocommit=True)
        holder.execute("SELECT pg_advisory_lock(hashtextextended('jupyter_artifacts:' || 'H-1', 0))")
        try:
            writes = [asyncio.ensure_future(api("POST", "api/artifacts/H-1/versions", {"title": f"w{i}"}))
                      for i in range(2)]
            await asyncio.sleep(1.0)
            r = await api("GET", "api/artifacts/H-1")
            assert r.status == 503 and r.json["reason"] == "unavailable", r
            # The event loop still serves everything that needs no database connection.
            status = await jp_fetch("api", "status")
            assert status.code == 200
            assert not any(w.done() for w in writes)
            # The lock timeout frees both waiting writes: a 503 each, and nothing written.
            done = await asyncio.gather(*writes)
            assert [d.status for d in done] == [503, 503], done
            assert "did not answer in time" in done[0].json["message"]
        finally:
            holder.close()
        # The connections came back clean: reads and writes work.
        assert (await api("GET", "api/artifacts/H-1")).json["version_number"] == 1
        assert (await api("POST", "api/artifacts/H-1/versions", {"title": "after"})).status == 201
        invariants(sql)


class TestStatementTimeout:
    @pytest.fixture
    def artifacts_config(self):
        return {"statement_timeout_ms": 800, "lock_timeout_ms": 30000}

    async def test_a_statement_over_its_time_is_cancelled_and_the_connection_reused(self, api, sql, database_url):
        assert (await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "paper", "title": "t"})).status == 201
        holder = psycopg.connect(database_url, autocommit=True)
        holder.execute("SELECT pg_advisory_lock(hashtextextended('jupyter_artifacts:' || 'H-1', 0))")
        try:
            r = await api("POST", "api/artifacts/H-1/versions", {"title": "blocked"})
            assert r.status == 503 and "57014" in r.json["message"], r  # query_canceled
        finally:
            holder.close()
        for _ in range(3):  # the cancelled statement left no transaction open behind it
            assert (await api("GET", "api/artifacts/H-1")).status == 200
        assert (await api("POST", "api/artifacts/H-1/versions", {"title": "free"})).json["version_number"] == 2


# -- the database absent when the server starts --------------------------------------------------

def test_jupyterlab_and_the_api_load_while_the_database_is_down(tmp_path, database_url):
    relay = ThreadedRelay(database_url)  # not listening yet: the database is "down"
    try:
        with JupyterServer(tmp_path, relay.url, name="lab", app="lab") as lab:
            status, page = lab.get_text("/lab")
            assert status == 200 and "jupyter-config-data" in page
            status, body = lab.call("GET", "/api/jupyter_artifacts/status")
            assert status == 200 and body["database"]["ok"] is False
            status, body = lab.call("GET", "/api/artifacts")
            assert status == 503 and body["reason"] == "unavailable" and "unreachable" in body["message"]
            relay.up()
            deadline = time.monotonic() + 60
            while lab.call("GET", "/api/artifacts")[0] != 200:
                assert time.monotonic() < deadline, "the server never used the database once it came up"
                time.sleep(0.5)
            assert lab.call("POST", "/api/artifacts", {"artifact_type": "paper", "title": "t"})[0] == 201
            deadline = time.monotonic() + 30
            while not lab.call("GET", "/api/jupyter_artifacts/status")[1]["live"]["listening"]:
                assert time.monotonic() < deadline, "the live-update listener never connected"
                time.sleep(0.5)
    finally:
        relay.close()


# -- two servers starting together on an empty database -----------------------------------------

def test_two_servers_starting_together_migrate_once(tmp_path, database_url, sql):
    a = JupyterServer(tmp_path, database_url, name="a").spawn()
    b = JupyterServer(tmp_path, database_url, name="b").spawn()
    try:
        a.wait(), b.wait()
        # Both hit the empty database at once (the first request migrates).
        results = [s.call("GET", "/api/jupyter_artifacts/status")[1] for s in (a, b)]
        assert all(r["database"]["ok"] for r in results), results
        assert a.call("POST", "/api/artifacts", {"id": "A-1", "artifact_type": "paper", "title": "a"})[0] == 201
        assert b.call("POST", "/api/artifacts/A-1/versions", {"title": "b"})[0] == 201
        rows = sql("SELECT version, count(*) AS n FROM jupyter_artifacts_schema_version GROUP BY version ORDER BY 1")
        assert [r["version"] for r in rows] == [m.version for m in available()]
        assert all(r["n"] == 1 for r in rows)
        invariants(sql)
    finally:
        a.stop(), b.stop()


# -- the embedded PostgreSQL killed under a running server ----------------------------------------

def test_the_embedded_server_killed_under_a_running_server(tmp_path, embedded_pgdata):
    pgdata = embedded_pgdata
    server = JupyterServer(tmp_path, None, f"--JupyterArtifactsApp.embedded_data_dir={pgdata}", name="emb")
    with server:
        assert server.call("POST", "/api/artifacts", {"id": "E-1", "artifact_type": "paper", "title": "kept"})[0] == 201

        async def killed_and_back() -> list[dict]:
            ws = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{server.port}/api/events/subscribe",
                                                     headers={"Authorization": f"token {server.token}"}))
            postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
            os.kill(postmaster, signal.SIGKILL)
            events, deadline = [], time.monotonic() + 90
            while not any(e.get("kind") == "resync" for e in events):
                assert time.monotonic() < deadline, f"no resync; events: {events}"
                server.call("GET", "/api/artifacts/E-1")  # requests notice, and start it again
                try:
                    msg = await asyncio.wait_for(ws.read_message(), 1.0)
                    events.append(json.loads(msg))
                except asyncio.TimeoutError:
                    pass
            ws.close()
            return events

        asyncio.run(killed_and_back())
        deadline = time.monotonic() + 60
        while (reply := server.call("GET", "/api/artifacts/E-1"))[0] != 200:
            assert time.monotonic() < deadline, f"the server never came back: {reply}"
            time.sleep(0.5)
        assert reply[1]["title"] == "kept"  # committed data survived the crash
        assert server.call("POST", "/api/artifacts/E-1/versions", {"title": "after the crash"})[0] == 201
    # A server restarted on the same data directory finds everything.
    with JupyterServer(tmp_path, None, f"--JupyterArtifactsApp.embedded_data_dir={pgdata}", name="emb2") as again:
        status, body = again.call("GET", "/api/artifacts/E-1")
        assert status == 200 and body["version_number"] == 2 and body["title"] == "after the crash"
    assert Path(pgdata / "PG_VERSION").exists()
