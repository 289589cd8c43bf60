"""The JupyterHub recipe (examples/jupyterhub_config.py) under a real JupyterHub: two users,
each with a single-user server started through the hub's API, each server on the one shared
database as a login role of its own, granted by `jupyter artifacts grant`. Everything goes
through the hub's proxy, as a browser's or an agent's requests do."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import psycopg
import pytest
from hub_process import Hub, proxy_binary, request, venv_binary
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from tests_helpers import run_cli
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_artifacts.pytest_plugin import fresh_schema
from jupyter_artifacts.services.live import SCHEMA_ID

pytestmark = pytest.mark.slow


def has_grant_command() -> bool:
    from jupyter_artifacts.cli import ArtifactsCommand

    return "grant" in ArtifactsCommand.subcommands


@pytest.fixture
def binaries():
    if venv_binary("jupyterhub") is None or venv_binary("jupyterhub-singleuser") is None:
        pytest.skip("jupyterhub is not installed (pip install -e '.[test]')")
    proxy = proxy_binary()
    if proxy is None:
        pytest.skip("configurable-http-proxy is not installed (make hub-proxy)")
    if not has_grant_command():
        pytest.skip("`jupyter artifacts grant` is not there yet: per-user database roles cannot be granted")
    return proxy


@pytest.fixture
def owner_url(artifacts_server_url, tmp_path):
    """The shared database (a schema of this test's own), migrated once by its owner."""
    with fresh_schema(artifacts_server_url, prefix="ja_hub") as url:
        done = run_cli(tmp_path / "owner", "migrate", url=url)
        assert done.returncode == 0, done.stderr
        yield url


@pytest.fixture
def users(owner_url, tmp_path):
    """Two hub usernames, each also a login role granted the member privileges. Role names are
    cluster-wide: unique per run, and lower-case so the hub keeps them as they are."""
    names = [f"{who}-{uuid.uuid4().hex[:8]}" for who in ("alice", "bob")]
    try:
        for name in names:
            with psycopg.connect(owner_url, autocommit=True) as conn:
                conn.execute(f'CREATE ROLE "{name}" LOGIN')
            done = run_cli(tmp_path / "owner", "grant", name, url=owner_url)
            assert done.returncode == 0, done.stderr
        yield names
    finally:
        # As an administrator retires a user: revoke, then drop the role (DROP OWNED takes any
        # privilege still left, so that the role can go even when revoke failed).
        with psycopg.connect(owner_url, autocommit=True) as conn:
            for name in names:
                if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                    run_cli(tmp_path / "owner", "revoke", name, url=owner_url)
                    conn.execute(f'DROP OWNED BY "{name}"')
                    conn.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def hub(binaries, owner_url, users, tmp_path):
    # The admin's base URL: the shared database without a user (the recipe adds each user's role).
    params = {k: v for k, v in conninfo_to_dict(owner_url).items() if k not in ("user", "password")}
    with Hub(tmp_path, make_conninfo(**params), binaries) as hub:
        yield hub


class Server:
    """One user's single-user server, reached through the hub's proxy with a token."""

    def __init__(self, hub: Hub, name: str, token: str):
        self.hub, self.name, self.token = hub, name, token
        self.base = f"{hub.url}/user/{name}"

    def call(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, object]:
        return request(method, f"{self.base}{path}", token or self.token, body)

    def ok(self, method: str, path: str, body=None, status: int = 201):
        got, reply = self.call(method, path, body)
        assert got == status, (method, path, got, reply)
        return reply

    async def subscribe(self, token: str | None = None):
        return await websocket_connect(HTTPRequest(
            f"ws://127.0.0.1:{self.hub.port}/user/{self.name}/api/events/subscribe",
            headers={"Authorization": f"token {token or self.token}"}))

    def wait_listening(self) -> None:
        """The server's change listener has connected: events from now on reach subscribers."""
        self.hub.wait_until(lambda: ((self.call("GET", "/api/jupyter_artifacts/status")[1] or {})
                                     .get("live") or {}).get("listening"), 60, f"{self.name}'s listener")


async def next_event(ws, predicate, timeout: float = 30.0) -> dict:
    """The first of this extension's events on `ws` that `predicate` accepts."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "the event never arrived"
        msg = await asyncio.wait_for(ws.read_message(), left)
        assert msg is not None, "the event socket closed"
        event = json.loads(msg)
        if event.get("schema_id") == SCHEMA_ID and predicate(event):
            return event


NOTEBOOK = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
SECRETS_SEEN = ("import os\n"
                "print(sorted(k for k in os.environ if 'DATABASE' in k or k.startswith(('JUPYTERHUB', 'PG'))))")


async def test_two_hub_users_on_one_database(hub, users, owner_url):
    alice_name, bob_name = users
    alice = Server(hub, alice_name, hub.add_user(alice_name))
    bob = Server(hub, bob_name, hub.add_user(bob_name))
    for server in (alice, bob):
        server.wait_listening()

    # Each server is connected to the database as its own user's role (the recipe's URL).
    with psycopg.connect(owner_url) as conn:
        connected = {r[0] for r in conn.execute(
            "SELECT usename FROM pg_stat_activity WHERE datname = current_database() AND usename = ANY(%s)",
            (users,))}
    assert connected == set(users)

    # Each user's writes: an artifact, a notebook and an appended cell, a chamber closed on a result.
    for server, tag in ((alice, "A"), (bob, "B")):
        server.ok("POST", "/api/artifacts", {"id": f"H-{tag}", "artifact_type": "hypothesis", "title": tag})
        server.ok("POST", "/api/notebooks", {"id": f"NB-{tag}", "notebook": NOTEBOOK})
        # The appended cell runs in the server's execution kernel, which never sees the role's URL.
        cell = server.ok("POST", f"/api/notebooks/NB-{tag}/cells", {"source": SECRETS_SEEN, "execute": True})
        assert cell["execution"]["status"] == "ok", cell
        assert [o.get("text") for o in cell["outputs"]] == ["[]\n"], cell["outputs"]
        chamber = server.ok("POST", "/api/chambers", {"name": tag, "purpose": "experiment_design"})
        server.ok("POST", f"/api/chambers/{chamber['id']}/pull", [{"artifact_id": f"H-{tag}"}], status=200)
        server.ok("POST", f"/api/chambers/{chamber['id']}/close",
                  {"result": {"artifact_type": "hypothesis", "title": f"{tag} result", "content": {}}}, status=200)

    # Alice appends a cell; Bob's open event stream gets the new version.
    ws = await bob.subscribe()
    try:
        def append():
            reply = alice.call("POST", "/api/notebooks/NB-A/cells", {"source": "x = 1"})
            return reply, time.monotonic() - started

        started = time.monotonic()
        appending = asyncio.ensure_future(asyncio.to_thread(append))
        event = await next_event(ws, lambda e: e.get("ref") == "NB-A@v3")
        latency = time.monotonic() - started
        (status, version), replied = await appending
        assert status == 201, version
    finally:
        ws.close()
    assert event["kind"] == "version"
    print(f"\nhub: {alice_name}'s append reached {bob_name}'s event stream {latency:.3f} s after it was sent "
          f"(its own reply: {replied:.3f} s)")

    # Neither can use the other's server: the hub tells a server that another user's token does
    # not give access to it, so the server sees no user at all (401), as for no token.
    for method, path, body in (("GET", "/api/artifacts", None),
                               ("POST", "/api/artifacts", {"id": "FORGED", "artifact_type": "hypothesis",
                                                           "title": "forged"})):
        for server, intruder in ((bob, alice), (alice, bob)):
            status, reply = server.call(method, path, body, token=intruder.token)
            assert (status, reply["reason"]) == (401, "unauthorized"), (method, status, reply)
    with pytest.raises(HTTPClientError) as refused:
        await bob.subscribe(token=alice.token)
    assert refused.value.code == 403, refused.value
    print(f"hub: {alice_name}'s token on {bob_name}'s event stream: {refused.value.code}")

    # On the database: every row carries the username of the hub user who wrote it.
    with psycopg.connect(owner_url) as conn:
        rows = conn.execute("SELECT artifact_id, recorded_by FROM artifacts ORDER BY artifact_id").fetchall()
        steps = conn.execute(
            "SELECT target_artifact_id, recorded_by FROM processing_steps WHERE step_type = 'cell_append'").fetchall()
        chambers = conn.execute("SELECT name, owner_actor_id FROM chambers ORDER BY name").fetchall()
        pins = conn.execute("SELECT DISTINCT c.name, p.recorded_by FROM chamber_artifacts p "
                            "JOIN chambers c ON c.id = p.chamber_id ORDER BY c.name").fetchall()
    by_artifact = {}
    for artifact_id, recorded_by in rows:
        by_artifact.setdefault(artifact_id, set()).add(recorded_by)
    assert "FORGED" not in by_artifact
    assert by_artifact["H-A"] == by_artifact["NB-A"] == {alice_name}
    assert by_artifact["H-B"] == by_artifact["NB-B"] == {bob_name}
    results = {recorded_by.pop() for artifact_id, recorded_by in by_artifact.items()
               if artifact_id not in ("H-A", "H-B", "NB-A", "NB-B")}
    assert results == {alice_name, bob_name}  # the chambers' result artifacts
    assert sorted(steps) == [("NB-A", alice_name), ("NB-A", alice_name), ("NB-B", bob_name)]
    assert chambers == pins == [("A", alice_name), ("B", bob_name)]
