"""A database outage as an agent meets it: how long a request waits for its 503.

A real `jupyter server` talks to PostgreSQL through a TCP relay; the relay is cut (every open
connection closed, new ones refused), requests are timed, then the relay comes back and the
time until the first 200 is taken. Side by side in the same run, at the store: a request's
wait for its 503 with the probe (as now) and without it (as before: the whole pool timeout,
10 s), each on a warm pool whose database is then cut. Goals (API.md: "503 within about a
second"): the first request after the cut and the status route answer within 1 s; later
requests within 0.1 s.

    python benchmarks/outage.py [--requests 20]

Uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (a fresh schema in it) when set, else an
embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "handlers"))
from append import database, jupyter_server
from report import figure
from test_unavailable import Relay

POOL_TIMEOUT_S = 10.0


async def store_wait(relay: RelayThread, probe_after_s: float) -> float:
    """Seconds `Database.connection()` takes to fail once the database is cut, on a pool that
    worked a moment before; `probe_after_s` past the pool timeout is the code before the probe."""
    from jupyter_artifacts.db import pool as store
    from jupyter_artifacts.errors import Unavailable

    saved, store.PROBE_AFTER_S = store.PROBE_AFTER_S, probe_after_s
    db = store.Database(relay.url, pool_timeout_s=POOL_TIMEOUT_S, auto_migrate=False)
    try:
        async with db.connection() as conn:
            await conn.execute("SELECT 1")
        relay.do(relay.relay.down())
        t0 = time.perf_counter()
        try:
            async with db.connection() as conn:
                await conn.execute("SELECT 1")
        except Unavailable:
            return time.perf_counter() - t0
        raise SystemExit("the cut database answered")
    finally:
        store.PROBE_AFTER_S = saved
        relay.do(relay.relay.up())
        await db.close()


class RelayThread:
    """The relay on its own event loop, driven from this (synchronous) script."""

    def __init__(self, url: str):
        params = conninfo_to_dict(url)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.relay = Relay({"host": params.get("host"), "port": params.get("port")})
        self.do(self.relay.up())
        self.url = make_conninfo(**{**params, "host": "127.0.0.1", "port": str(self.relay.port)})

    def do(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)


def timed(client, method: str, path: str, body=None) -> tuple[int, float]:
    status, _, took = client.call(method, path, body)
    return status, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with database() as url:
        relay = RelayThread(url)
        extra = (f"--JupyterArtifactsApp.pool_timeout={POOL_TIMEOUT_S}",)
        with jupyter_server(relay.url, extra=extra) as client:
            status, _, _ = client.call("POST", "/api/artifacts", {"id": "O-1", "artifact_type": "paper", "title": "t"})
            assert status == 201, status
            up = [timed(client, "GET", "/api/artifacts/O-1")[1] for _ in range(5)]
            relay.do(relay.relay.down())
            status, first = timed(client, "GET", "/api/artifacts/O-1")
            assert status == 503, status
            later = []
            for i in range(args.requests):
                method, path, body = (("POST", "/api/artifacts", {"artifact_type": "paper", "title": f"t{i}"})
                                      if i % 2 else ("GET", "/api/artifacts", None))
                status, took = timed(client, method, path, body)
                assert status == 503, status
                later.append(took)
            status, status_took = timed(client, "GET", "/api/jupyter_artifacts/status")
            assert status == 200
            time.sleep(2)
            relay.do(relay.relay.up())
            t0 = time.perf_counter()
            while client.call("GET", "/api/artifacts/O-1")[0] != 200:
                time.sleep(0.05)
            back = time.perf_counter() - t0
        before = asyncio.run(store_wait(relay, POOL_TIMEOUT_S * 2))
        now = asyncio.run(store_wait(relay, 0.4))
    later_ms = statistics.median(later) * 1000
    print(f"database up: GET median {statistics.median(up) * 1000:.1f} ms")
    print(f"cut: first request 503 after {first:.3f} s; "
          f"then median {later_ms:.1f} ms, worst {max(later) * 1000:.1f} ms over {len(later)} reads and writes; "
          f"status {status_took:.3f} s; pool timeout {POOL_TIMEOUT_S:.0f} s")
    print(f"restored: first 200 after {back:.2f} s")
    print(f"store, side by side: a request's wait for its 503 without the probe {before:.2f} s, with it {now:.3f} s")
    figure("first request after the cut: seconds to its 503", first, "<= 1.0", first <= 1.0,
           f"the pool timeout is {POOL_TIMEOUT_S:.0f} s")
    figure("later requests during the outage: median ms to 503", later_ms, "<= 100", later_ms <= 100,
           f"worst {max(later) * 1000:.0f} ms")
    figure("status during the outage: seconds", status_took, "<= 1.0", status_took <= 1.0)
    figure("recovery: seconds from restore to the first 200", back, "<= 5.0", back <= 5.0)
    figure("store: wait for the 503 with the probe / without it", now / before, "<= 0.1", now / before <= 0.1,
           f"{now:.3f} s against {before:.2f} s")


if __name__ == "__main__":
    main()
