"""PgBouncer in session mode in front of the database (docs/team.md, "PgBouncer"): two real Jupyter
servers connect through it, write, read and relay live updates, and the extension's session
settings (timeouts, UTC, the marker that keeps the triggers off its own writes) still hold.

PgBouncer refuses a startup packet with options it does not know, so the extension makes its
session settings with SQL on each new connection (db/pool.py `session_settings`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time

import psycopg
import pytest
from live_subscriber import Subscriber, has
from replica_cluster import replica_cluster  # noqa: F401 - a throwaway PostgreSQL on TCP for PgBouncer
from tests_helpers import JupyterServer

from jupyter_artifacts.db.pool import Database

PGBOUNCER = shutil.which("pgbouncer") or next(
    (p for p in ("/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer") if os.access(p, os.X_OK)), None)


async def test_pooled_connections_carry_the_session_settings(database_url):
    db = Database(database_url, statement_timeout_ms=1234, lock_timeout_ms=567, idle_in_transaction_timeout_ms=8900)
    try:
        async with db.connection() as conn:
            cur = await conn.execute(
                "SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt, "
                "current_setting('idle_in_transaction_session_timeout') AS it, current_setting('TimeZone') AS tz, "
                "current_setting('jupyter_artifacts.writer', true) AS writer")
            assert await cur.fetchone() == {"st": "1234ms", "lt": "567ms", "it": "8900ms", "tz": "UTC",
                                            "writer": "extension"}
    finally:
        await db.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def bouncer_url(replica_cluster):  # noqa: F811
    """A PgBouncer in session mode before the cluster's primary, as docs/team.md configures it."""
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    root = replica_cluster.root / "pgbouncer"
    root.mkdir()
    port = _free_port()
    (root / "users.txt").write_text('"postgres" ""\n')
    (root / "pgbouncer.ini").write_text(f"""[databases]
postgres = host=127.0.0.1 port={replica_cluster.primary_port} dbname=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root / 'users.txt'}
pool_mode = session
max_client_conn = 200
default_pool_size = 40
logfile = {root / 'pgbouncer.log'}
""")
    user = replica_cluster.user  # PgBouncer, like PostgreSQL, refuses to run as root
    if user is not None:
        for path in (root, *root.iterdir()):
            os.chown(path, user.pw_uid, user.pw_gid)
    kwargs = {"user": user.pw_uid, "group": user.pw_gid} if user else {}
    proc = subprocess.Popen([PGBOUNCER, str(root / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, **kwargs)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(psycopg.OperationalError):
                psycopg.connect(url, connect_timeout=2).close()
                break
            assert proc.poll() is None, f"pgbouncer exited: {(root / 'pgbouncer.log').read_text()[-2000:]}"
            assert time.monotonic() < deadline, "pgbouncer did not accept connections"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
async def test_two_servers_work_through_pgbouncer_in_session_mode(bouncer_url, replica_cluster, tmp_path):  # noqa: F811
    with JupyterServer(tmp_path, bouncer_url, name="a") as a, JupyterServer(tmp_path, bouncer_url, name="b") as b:
        status, body = a.call("GET", "/api/jupyter_artifacts/status")
        assert status == 200 and body["database"]["ok"], body
        async with Subscriber(b) as sub:
            assert a.call("POST", "/api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})[0] == 201
            assert a.call("POST", "/api/artifacts", {"id": "P-1", "artifact_type": "paper", "title": "p"})[0] == 201
            assert a.call("POST", "/api/artifact-links", {"source": "H-1", "target": "P-1", "link_type": "cites"})[0] \
                == 201
            nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
            assert a.call("POST", "/api/notebooks", {"id": "NB-1", "notebook": nb})[0] == 201
            assert a.call("POST", "/api/notebooks/NB-1/cells", {"source": "x = 1"})[0] == 201
            # The LISTEN connection of B holds its PgBouncer session: A's append reaches it.
            await sub.until(has(kind="version", ref="NB-1@v2"))
        status, lineage = b.call("GET", "/api/artifacts/H-1/lineage?direction=descendants")
        assert status == 200, lineage
        assert b.call("GET", "/api/notebooks/NB-1")[1]["latest_version"] == 2
    # The marker reached the database: the extension's link has its own step only, none from
    # the trigger that acts for other writers (which would have added a second).
    steps = replica_cluster.sql("primary", "SELECT l.id, count(s.id) FROM artifact_links l "
                                           "LEFT JOIN processing_steps s ON s.link_id = l.id GROUP BY l.id")
    assert steps and all(n == 1 for _, n in steps), steps
