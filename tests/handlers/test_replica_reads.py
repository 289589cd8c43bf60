"""Reads on a streaming replica through a real Jupyter server (API.md, "Team deployment" → "Read
replica"): the GET routes read the replica, a user reads their own writes, a stopped replica
leaves reads to the primary, and status reports the replica's lag. The primary and its replica
are real servers the tests start (tests/replica_cluster.py); two users, as under JupyterHub."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from replica_cluster import replica_cluster, until  # noqa: F401 - the module's fixture
from test_recorded_by import TeamIdentityProvider

from jupyter_artifacts.db import routing
from jupyter_artifacts.handlers.base import routed

pytestmark = pytest.mark.slow


@pytest.fixture
def urls(replica_cluster):  # noqa: F811
    with replica_cluster.schema() as pair:
        yield pair


@pytest.fixture
def database_url(urls):
    return urls[0]


@pytest.fixture
def artifacts_config(urls):
    return {"read_database_url": urls[1], "read_your_writes_timeout": 0.5}


@pytest.fixture
def jp_server_config(jp_server_config):
    return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"],
                                              "identity_provider_class": TeamIdentityProvider}}


@pytest.fixture
def as_user(api):
    def user(name):
        async def call(method, path, body=None, **kw):
            return await api(method, path, body, headers={"X-Team-User": name}, **kw)
        return call
    return user


async def latest(call, artifact_id: str) -> int:
    reply = await call("GET", f"api/artifacts/{artifact_id}")
    assert reply.status == 200, reply
    return reply.json["version_number"]


async def served_by_replica(alice, bob, cluster, artifact_id: str) -> bool:
    """Proof that bob's reads go to the replica: with its replay paused, alice's new version
    is invisible to bob's list, versions and lineage, while alice herself reads it."""
    cluster.caught_up()
    before = await latest(bob, artifact_id)
    cluster.pause_replay()
    try:
        made = await alice("POST", f"api/artifacts/{artifact_id}/versions", {"title": f"after v{before}"})
        assert made.status == 201, made
        stale = await latest(bob, artifact_id) == before
        if stale:
            versions = await bob("GET", f"api/artifacts/{artifact_id}/versions")
            assert versions.json["total_versions"] == before
            listed = await bob("GET", "api/artifacts")
            assert [a["version_number"] for a in listed.json["items"] if a["artifact_id"] == artifact_id] == [before]
            assert await latest(alice, artifact_id) == before + 1  # her own write, from the primary
    finally:
        cluster.resume_replay()
    cluster.caught_up()
    assert await latest(bob, artifact_id) == before + 1
    return stale


async def test_users_read_the_replica_and_their_own_writes(as_user, replica_cluster):  # noqa: F811
    alice, bob = as_user("alice"), as_user("bob")
    made = await alice("POST", "api/artifacts", {"artifact_type": "paper", "title": "one"})
    assert made.status == 201, made
    artifact_id = made.json["artifact_id"]
    assert await latest(alice, artifact_id) == 1  # right after her write: hers, wherever served
    assert await served_by_replica(alice, bob, replica_cluster, artifact_id)
    status = await bob("GET", "api/jupyter_artifacts/status")
    assert status.json["replica"]["ok"] is True and status.json["replica"]["lag_seconds"] >= 0


async def test_a_first_read_migrates_the_primary_and_never_the_replica(as_user, urls, replica_cluster):  # noqa: F811
    """A new database's first request is a read: migrations run on the primary (a standby
    cannot run them); a read the replica cannot answer yet is answered by the primary."""
    listed = await as_user("bob")("GET", "api/artifacts")
    assert listed.status == 200 and listed.json["items"] == [], listed
    replica_cluster.caught_up()
    with psycopg.connect(urls[1]) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM jupyter_artifacts_schema_version").fetchone()[0] > 0


async def test_status_reports_the_lag_while_replay_is_paused(as_user, replica_cluster):  # noqa: F811
    alice = as_user("alice")
    made = await alice("POST", "api/artifacts", {"artifact_type": "paper", "title": "one"})
    replica_cluster.caught_up()
    assert (await alice("GET", "api/jupyter_artifacts/status")).json["replica"]["lag_seconds"] == 0
    replica_cluster.pause_replay()
    try:
        await alice("POST", f"api/artifacts/{made.json['artifact_id']}/versions", {"title": "two"})
        first = (await alice("GET", "api/jupyter_artifacts/status")).json["replica"]
        await asyncio.sleep(0.3)
        await alice("POST", f"api/artifacts/{made.json['artifact_id']}/versions", {"title": "three"})
        second = (await alice("GET", "api/jupyter_artifacts/status")).json
    finally:
        replica_cluster.resume_replay()
    assert first["ok"] and first["lag_seconds"] > 0
    assert second["replica"]["lag_seconds"] > first["lag_seconds"]
    assert second["database"]["ok"]


async def test_a_stopped_replica_leaves_reads_to_the_primary_and_is_used_again(as_user, replica_cluster):  # noqa: F811
    alice, bob = as_user("alice"), as_user("bob")
    made = await alice("POST", "api/artifacts", {"artifact_type": "paper", "title": "one"})
    artifact_id = made.json["artifact_id"]
    assert await served_by_replica(alice, bob, replica_cluster, artifact_id)
    replica_cluster.stop("replica")
    try:
        await alice("POST", f"api/artifacts/{artifact_id}/versions", {"title": "three"})
        for path, params in ((f"api/artifacts/{artifact_id}", None), (f"api/artifacts/{artifact_id}/versions", None),
                             (f"api/artifacts/{artifact_id}/lineage", None), ("api/artifacts", None),
                             ("api/artifacts", {"q": "one"}),
                             (f"api/artifacts/{artifact_id}/diff", {"from": "1", "to": "3"})):
            reply = await bob("GET", path, params=params)
            assert reply.status == 200, (path, reply)
        assert await latest(bob, artifact_id) == 3  # the primary's
        status = (await bob("GET", "api/jupyter_artifacts/status")).json
        assert status["database"]["ok"] and status["replica"]["ok"] is False
    finally:
        replica_cluster.start("replica")
    replica_cluster.wait_streaming()
    # Back: reads go to the replica again (once its watcher has seen it answer).
    assert await until(lambda: served_by_replica(alice, bob, replica_cluster, artifact_id), timeout=30)


async def test_a_rendered_notebook_reads_the_replica_and_caches_on_the_primary(as_user, urls, replica_cluster):  # noqa: F811
    alice, bob = as_user("alice"), as_user("bob")
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"id": "c0", "cell_type": "markdown", "source": "# On the replica", "metadata": {}}]}
    made = await alice("POST", "api/notebooks", {"notebook": notebook})
    assert made.status == 201, made
    replica_cluster.caught_up()
    for _ in range(2):  # rendered and cached, then served from the cache
        html = await bob("GET", f"api/notebooks/{made.json['notebook_id']}/versions/1", params={"format": "html"})
        assert html.status == 200 and "On the replica" in html.text, html
    with psycopg.connect(urls[0]) as conn:
        assert conn.execute("SELECT count(*) FROM notebook_renders").fetchone()[0] == 1


class TestMultiHostURL:
    """One database_url naming the standby and the primary: writes find the primary, reads the standby."""

    @pytest.fixture
    def database_url(self, urls, replica_cluster):  # noqa: F811
        params = conninfo_to_dict(urls[0])
        params.update(host="127.0.0.1,127.0.0.1",
                      port=f"{replica_cluster.replica_port},{replica_cluster.primary_port}")
        return make_conninfo(**params)

    @pytest.fixture
    def artifacts_config(self):
        return {}

    async def test_writes_and_reads(self, as_user, replica_cluster):  # noqa: F811
        alice, bob = as_user("alice"), as_user("bob")
        made = await alice("POST", "api/artifacts", {"artifact_type": "paper", "title": "one"})
        assert made.status == 201, made
        assert await served_by_replica(alice, bob, replica_cluster, made.json["artifact_id"])
        assert (await bob("GET", "api/jupyter_artifacts/status")).json["replica"]["ok"]


class _Request:
    """What `routed` reads of a tornado handler: its user, and whether its reply has begun."""

    current_user = None
    _headers_written = False
    _finished = False


async def test_a_read_the_replica_fails_halfway_runs_again_on_the_primary():
    seen: list[routing.Request] = []

    async def get(handler):
        seen.append(routing.CURRENT.get())
        if len(seen) == 1:
            raise routing.ReplicaLost("The read replica failed this read.")
        return "read"

    assert await routed(get, read_only=True)(_Request()) == "read"
    assert [(r.read_only, r.replica_ok) for r in seen] == [(True, True), (True, False)]
    started = _Request()
    started._headers_written = True  # part of the reply is out: no second run
    seen.clear()
    with pytest.raises(routing.ReplicaLost):
        await routed(get, read_only=True)(started)
    assert len(seen) == 1
