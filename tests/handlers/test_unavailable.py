"""A database outage answers 503 and the server recovers by itself when it returns.

The outage is real: the server talks to PostgreSQL through a TCP relay that the test
cuts (closing every open connection) and restores."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo


class Relay:
    def __init__(self, target: dict):
        self.target = target
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.pipes: set[asyncio.StreamWriter] = set()

    async def _open_upstream(self):
        host, port = self.target.get("host") or "localhost", int(self.target.get("port") or 5432)
        if host.startswith("/"):
            return await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
        return await asyncio.open_connection(host, port)

    async def _handle(self, reader, writer):
        try:
            up_reader, up_writer = await self._open_upstream()
        except OSError:
            writer.close()
            return
        self.pipes |= {writer, up_writer}

        async def pump(src, dst):
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def up(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def down(self):
        self.server.close()
        for w in list(self.pipes):
            w.close()
        self.pipes.clear()
        await self.server.wait_closed()


@pytest.fixture
def relay(database_url, jp_asyncio_loop):
    params = conninfo_to_dict(database_url)
    r = Relay({"host": params.get("host"), "port": params.get("port")})
    jp_asyncio_loop.run_until_complete(r.up())
    r.url = make_conninfo(**{**params, "host": "127.0.0.1", "port": str(r.port)})
    yield r
    with contextlib.suppress(Exception):
        jp_asyncio_loop.run_until_complete(r.down())


@pytest.fixture
def artifacts_config(relay):
    return {"database_url": relay.url, "pool_timeout": 1.5, "pool_min_size": 2}


async def wait_for(api, path, status, seconds=45.0):
    deadline = time.monotonic() + seconds
    while True:
        r = await api("GET", path)
        if r.status == status or time.monotonic() > deadline:
            return r
        await asyncio.sleep(0.25)


async def test_outage_gives_503_then_recovers(api, relay, sql):
    assert (await api("POST", "api/artifacts", {"id": "U-1", "artifact_type": "paper", "title": "t"})).status == 201
    await relay.down()
    r = await api("GET", "api/artifacts/U-1")
    assert r.status == 503 and r.json["reason"] == "unavailable" and r.json["message"]
    r = await api("POST", "api/artifacts", {"id": "U-2", "artifact_type": "paper", "title": "t"})
    assert r.status == 503
    status = await api("GET", "api/jupyter_artifacts/status")
    assert status.status == 200 and status.json["database"]["ok"] is False
    await asyncio.sleep(3)  # long enough for the pool to notice and start reconnecting
    await relay.up()
    r = await wait_for(api, "api/artifacts/U-1", 200)
    assert r.status == 200, r
    assert (await api("POST", "api/artifacts", {"id": "U-2", "artifact_type": "paper", "title": "t"})).status == 201
    assert [row["id"] for row in sql("SELECT id FROM artifacts ORDER BY id")] == ["U-1", "U-2"]


async def test_server_started_while_database_is_down(api, relay, sql):
    await relay.down()
    r = await api("GET", "api/artifacts")
    assert r.status == 503 and r.json["reason"] == "unavailable"
    await relay.up()
    r = await wait_for(api, "api/artifacts", 200)
    assert r.status == 200 and r.json["items"] == []
    # The migrations ran once the database answered.
    assert sql("SELECT count(*) AS n FROM jupyter_artifacts_schema_version")[0]["n"] >= 1


class TestFastFailure:
    """With the database gone, a request answers 503 with Retry-After at once, not after the pool
    timeout (set here to a minute): each request below would time out on the client first."""

    @pytest.fixture
    def artifacts_config(self, relay):
        return {"database_url": relay.url, "pool_timeout": 60.0, "pool_min_size": 2}

    async def test_503_comes_before_the_pool_timeout(self, api, relay, sql):
        assert (await api("POST", "api/artifacts", {"id": "F-1", "artifact_type": "paper", "title": "t"})).status == 201
        await relay.down()
        for method, path, body in [("GET", "api/artifacts/F-1", None), ("GET", "api/artifacts", None),
                                   ("POST", "api/artifacts", {"id": "F-2", "artifact_type": "paper", "title": "t"}),
                                   ("GET", "api/artifacts/F-1", None)]:
            r = await api(method, path, body, timeout=10)
            assert r.status == 503 and r.json["reason"] == "unavailable", (path, r)
            assert r.headers["Retry-After"] == "1"
        status = await api("GET", "api/jupyter_artifacts/status", timeout=10)
        assert status.status == 200 and status.json["database"]["ok"] is False
        await relay.up()
        # Back by itself: the watcher notices the database and the pool's dead connections go.
        r = await wait_for(api, "api/artifacts/F-1", 200)
        assert r.status == 200, r
        assert (await api("POST", "api/artifacts", {"id": "F-2", "artifact_type": "paper", "title": "t"},
                          timeout=10)).status == 201
