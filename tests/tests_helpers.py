"""Helpers shared by test modules (not fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psycopg


def run_cli(tmp_path, *args, url=None, extra_env=None) -> subprocess.CompletedProcess:
    """Run `jupyter artifacts ARGS` in a clean Jupyter environment under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_PLATFORM_DIRS="1")
    if url:
        env["JUPYTER_ARTIFACTS_DATABASE_URL"] = url
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "jupyter_artifacts.cli", *args], env=env,
                          capture_output=True, text=True, timeout=180)


class JupyterServer:
    """A real Jupyter server subprocess with the extension, on `database_url` (a second
    server beside pytest-jupyter's, as under JupyterHub). `database_url=None`: the embedded
    default. `app="lab"` runs `jupyter lab`. `spawn()` then `wait()` start several at once."""

    def __init__(self, tmp_path, database_url: str | None, *extra_args: str, name: str = "second",
                 app: str = "server"):
        import secrets
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.tmp = tmp_path
        self.url = database_url
        self.proc = None
        self.extra_args = list(extra_args)
        self.name = name
        self.app = app

    def spawn(self) -> JupyterServer:
        root = self.tmp / f"{self.name}-root"
        root.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
        if self.url is not None:
            env["JUPYTER_ARTIFACTS_DATABASE_URL"] = self.url
        env.update(JUPYTER_CONFIG_DIR=str(self.tmp / f"{self.name}-config"),
                   JUPYTER_DATA_DIR=str(self.tmp / f"{self.name}-data"),
                   JUPYTER_RUNTIME_DIR=str(self.tmp / f"{self.name}-rt"))
        self.log = open(self.tmp / f"{self.name}-server.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", self.app, "--no-browser", "--allow-root", f"--port={self.port}",
             "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={self.token}",
             f"--ServerApp.root_dir={root}", "--ServerApp.jpserver_extensions={'jupyter_artifacts': True}",
             *self.extra_args],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def wait(self, seconds: float = 90) -> JupyterServer:
        """Until the extension's status route answers (it does even while the database is down)."""
        import time

        deadline = time.time() + seconds
        while self.call("GET", "/api/jupyter_artifacts/status", quiet=True)[0] != 200:
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError((self.tmp / f"{self.name}-server.log").read_text()[-3000:])
            time.sleep(0.3)
        return self

    def __enter__(self):
        return self.spawn().wait()

    def get_text(self, path: str) -> tuple[int, str]:
        import urllib.error
        import urllib.request

        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def call(self, method: str, path: str, body=None, quiet: bool = False) -> tuple[int, object]:
        import http.client
        import json

        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
            reply = conn.getresponse()
            data = reply.read()
            conn.close()
            return reply.status, json.loads(data) if data else None
        except OSError:
            if quiet:
                return 0, None
            raise

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()


class ThreadedRelay:
    """A TCP relay to PostgreSQL on a thread of its own (so a test blocked in a synchronous
    call does not stall it): `down()` closes it and every connection through it, as an
    outage does; `up()` listens again on the same port."""

    def __init__(self, database_url: str):
        import asyncio
        import socket
        import threading

        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(database_url)
        self.target = (params.get("host") or "localhost", int(params.get("port") or 5432))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = make_conninfo(**{**params, "host": "127.0.0.1", "port": str(self.port)})
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.pipes: set = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _do(self, coro):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    async def _handle(self, reader, writer):
        import asyncio
        import contextlib

        host, port = self.target
        try:
            if host.startswith("/"):
                up_r, up_w = await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
            else:
                up_r, up_w = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        self.pipes |= {writer, up_w}

        async def pump(src, dst):
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_w), pump(up_r, writer))

    def up(self) -> None:
        import asyncio

        async def start():
            self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

        self._do(start())

    def down(self) -> None:
        async def stop():
            if self.server is not None:
                self.server.close()
                for w in list(self.pipes):
                    w.close()
                self.pipes.clear()
                await self.server.wait_closed()
                self.server = None

        self._do(stop())

    def close(self) -> None:
        self.down()
        self.loop.call_soon_threadsafe(self.loop.stop)


def expected_hash(v: dict) -> str:
    """API.md's content_hash of a version object (with content), recomputed as any client would."""
    import hashlib
    import json

    payload = {k: v[k] for k in ("artifact_type", "title", "metadata", "content")}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def notebook(*sources: str, minor: int = 4) -> dict:
    """An nbformat 4 notebook of code cells (4.4 by default: no cell ids)."""
    return {"nbformat": 4, "nbformat_minor": minor,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{"cell_type": "code", "source": s.splitlines(keepends=True), "metadata": {},
                       "outputs": [], "execution_count": None} for s in sources]}


async def register(api, nb_id="NB-1", nb=None, **extra) -> dict:
    r = await api("POST", "api/notebooks", {"id": nb_id, "notebook": nb or notebook("x = 1", "y = x + 1"), **extra})
    assert r.status == 201, r
    return r.json


def url_as(url: str, role: str) -> str:
    """`url` (same server, database and search_path) logged in as `role` (trust authentication)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params.pop("password", None)
    params["user"] = role
    return make_conninfo(**params)


class MemberRole:
    """A new login role with a unique name (roles are cluster-wide, schemas per test), dropped
    with everything granted to it on `drop()`. `url`: the schema's URL logged in as it."""

    def __init__(self, owner_url: str, prefix: str = "ja_member"):
        import uuid

        from psycopg import sql

        self.owner_url = owner_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.url = url_as(owner_url, self.name)
        with psycopg.connect(owner_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        from psycopg import sql

        with psycopg.connect(self.owner_url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (self.name,))
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(self.name)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(self.name)))


async def migrate_and_grant(owner_url: str, *roles: str) -> None:
    """As the owner: bring the schema up to date, then `grant` each role (as the CLI does)."""
    from jupyter_artifacts.db import roles as store
    from jupyter_artifacts.db.migrate import apply_migrations
    from jupyter_artifacts.db.pool import Database

    db = Database(owner_url, auto_migrate=False)
    try:
        async with db.connection() as conn:
            await apply_migrations(conn)
            for role in roles:
                await store.grant(conn, role)
    finally:
        await db.close()


def granted_member(owner_url: str, loop):
    """A context: a new member role, granted on the schema of `owner_url` after the owner
    migrated it (as `jupyter artifacts migrate` then `grant` do); dropped at exit."""
    import contextlib

    @contextlib.contextmanager
    def context():
        role = MemberRole(owner_url)
        try:
            loop.run_until_complete(migrate_and_grant(owner_url, role.name))
            yield role
        finally:
            role.drop()

    return context()


def gone(pid: int) -> bool:
    """No process `pid`, or only its zombie (whoever reaps it has not yet)."""
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class Listener:
    """A real LISTEN connection on the schema's channel; `heard()` returns what arrived since."""

    def __init__(self, url: str):
        self.conn = psycopg.connect(url, autocommit=True)
        channel = self.conn.execute("SELECT jupyter_artifacts_channel()").fetchone()[0]
        self.conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))

    def heard(self, wait: float = 0.3) -> list[dict]:
        return [json.loads(n.payload) for n in self.conn.notifies(timeout=wait)]


def capture_search_statements(monkeypatch) -> list[str]:
    """The statements db/search.py's search_tiers() sends from now on (parameters bound), for a
    test to EXPLAIN the one it planned."""
    from jupyter_artifacts.db import search as search_store

    statements: list[str] = []
    real = search_store.search_tiers

    async def spy(conn, tiers, **kw):
        execute = conn.execute

        async def capture(query, params=None, *a, **k):
            statements.append(psycopg.ClientCursor(conn).mogrify(query, params))
            return await execute(query, params, *a, **k)
        conn.execute = capture
        try:
            return await real(conn, tiers, **kw)
        finally:
            conn.execute = execute
    monkeypatch.setattr(search_store, "search_tiers", spy)
    return statements
