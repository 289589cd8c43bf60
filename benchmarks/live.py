"""Benchmark: live updates from a commit on server A to a browser socket on server B.

Two Jupyter servers with the extension on one database; a client subscribed to B's
/api/events/subscribe socket (as a browser is). Prints, in one run (DESIGN.md's target):
  1. latency of 500 changes (new versions written through A's REST API, and artifact rows
     another service inserts with plain SQL), p50 and p95        (goal: p95 <= 1 s, none lost)
     REST changes are timed from the request leaving the client (an upper bound on the
     commit) and from the reply arriving (a lower bound); SQL ones from their COMMIT.
  2. a burst of 1,000 cell appends (8 concurrent clients, 10 notebooks): how many socket
     messages it became, whether every notebook's last version was announced, and how long
     after the last reply the last announcement arrived.
A `resync` would count as delivery only after the listener reconnected; none is expected.

    python benchmarks/live.py [--changes 500] [--burst 1000]

Uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (a fresh schema in it) when set, else an
embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import psycopg
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database, jupyter_server  # noqa: E402
from report import figure  # noqa: E402

SCHEMA_ID = "https://events.jupyter.org/jupyter_artifacts/change/v1"
ARTIFACTS = 10


class Socket:
    """B's event socket: every version event's arrival time, by (artifact, version)."""

    def __init__(self, port: int, token: str):
        self.url = f"ws://127.0.0.1:{port}/api/events/subscribe"
        self.token = token
        self.seen: dict[str, tuple[int, float]] = {}  # artifact -> (highest version, first time seen)
        self.arrivals: dict[tuple[str, int], float] = {}
        self.messages = 0
        self.resyncs = 0

    async def run(self) -> None:
        ws = await websocket_connect(HTTPRequest(self.url, headers={"Authorization": f"token {self.token}"}))
        self.ready.set()
        while True:
            msg = await ws.read_message()
            if msg is None:
                return
            now = time.perf_counter()
            event = json.loads(msg)
            if event.get("schema_id") != SCHEMA_ID:
                continue
            self.messages += 1
            if event["kind"] == "resync":
                self.resyncs += 1
            elif event["kind"] == "version":
                self.arrivals.setdefault((event["artifact_id"], event["version_number"]), now)

    def delivered(self, artifact: str, version: int) -> float | None:
        """When a version event covering artifact@v>=version first arrived (coalesced events
        name the highest version of their window)."""
        times = [t for (a, v), t in self.arrivals.items() if a == artifact and v >= version]
        return min(times) if times else None


async def call(http, port, token, method, path, body=None):
    reply = await http.fetch(f"http://127.0.0.1:{port}{path}", method=method, raise_error=False,
                             headers={"Authorization": f"token {token}"},
                             body=None if body is None else json.dumps(body), request_timeout=120)
    return reply.code, json.loads(reply.body or b"null")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def wait_listening(http, port, token) -> None:
    deadline = time.monotonic() + 60
    while True:
        _, status = await call(http, port, token, "GET", "/api/jupyter_artifacts/status")
        if (status.get("live") or {}).get("listening"):
            return
        if time.monotonic() > deadline:
            raise SystemExit("server B's live-update listener never connected")
        await asyncio.sleep(0.2)


async def run(url: str, a, b, changes: int, burst: int) -> None:
    http = AsyncHTTPClient(max_clients=16)
    await wait_listening(http, b.port, b.token)
    sock = Socket(b.port, b.token)
    sock.ready = asyncio.Event()
    reader = asyncio.ensure_future(sock.run())
    await sock.ready.wait()

    # 1. Latency: one change every 20 ms, 90 % through A's REST API, 10 % as plain SQL.
    for i in range(ARTIFACTS):
        await call(http, a.port, a.token, "POST", "/api/artifacts",
                   {"id": f"bench-{i}", "artifact_type": "hypothesis", "title": f"h{i}"})
    versions = {f"bench-{i}": 1 for i in range(ARTIFACTS)}
    sent: list[tuple[str, int, float, float]] = []  # artifact, version, t_send, t_reply_or_commit
    sql_rows: list[int] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(changes):
            if i % 10 == 9:
                rid = f"sql-{i}"
                t0 = time.perf_counter()
                conn.execute("INSERT INTO artifacts (id, artifact_type, title) VALUES (%s, 'paper', 'sql')", (rid,))
                t1 = time.perf_counter()  # after COMMIT (autocommit)
                sent.append((rid, 1, t1, t1))
                sql_rows.append(len(sent) - 1)
            else:
                art = f"bench-{i % ARTIFACTS}"
                t0 = time.perf_counter()
                code, reply = await call(http, a.port, a.token, "POST", f"/api/artifacts/{art}/versions",
                                         {"title": f"change {i}"})
                t1 = time.perf_counter()
                assert code == 201, reply
                versions[art] = reply["version_number"]
                sent.append((art, reply["version_number"], t0, t1))
            await asyncio.sleep(0.02)
        await asyncio.sleep(2.0)  # the last announcements
    upper, lower, lost = [], [], 0
    for artifact, version, t_send, t_done in sent:
        t = sock.delivered(artifact, version)
        if t is None:
            lost += 1
            continue
        upper.append(t - t_send)
        lower.append(max(0.0, t - t_done))
    print(f"1. {changes} changes ({changes - len(sql_rows)} via A's REST API, {len(sql_rows)} plain SQL inserts), "
          f"delivered on B's socket: {changes - lost}, lost: {lost}, resyncs: {sock.resyncs}")
    print(f"   latency from request sent / SQL commit:  p50 {percentile(upper, .5) * 1000:7.1f} ms   "
          f"p95 {percentile(upper, .95) * 1000:7.1f} ms   max {max(upper) * 1000:7.1f} ms   (goal: p95 <= 1000 ms)")
    print(f"   latency from reply received (commit):   p50 {percentile(lower, .5) * 1000:7.1f} ms   "
          f"p95 {percentile(lower, .95) * 1000:7.1f} ms")

    # 2. A burst of appends from 8 clients at once.
    notebooks = [f"bench-nb-{i}" for i in range(10)]
    empty = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    for nb in notebooks:
        code, reply = await call(http, a.port, a.token, "POST", "/api/notebooks", {"id": nb, "notebook": empty})
        assert code == 201, reply
    await asyncio.sleep(1.0)
    before = sock.messages
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(burst):
        queue.put_nowait(notebooks[i % len(notebooks)])
    last: dict[str, int] = {}
    t_start = time.perf_counter()

    async def worker():
        while not queue.empty():
            nb = queue.get_nowait()
            code, reply = await call(http, a.port, a.token, "POST", f"/api/notebooks/{nb}/cells", {"source": "x = 1"})
            assert code == 201, reply
            last[nb] = max(last.get(nb, 0), reply["version_number"])

    await asyncio.gather(*(worker() for _ in range(8)))
    t_end = time.perf_counter()
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and any(sock.delivered(nb, v) is None for nb, v in last.items()):
        await asyncio.sleep(0.05)
    finals = [sock.delivered(nb, v) for nb, v in last.items()]
    missing = sum(1 for t in finals if t is None)
    lag = max((t for t in finals if t is not None), default=t_end) - t_end
    messages = sock.messages - before
    print(f"2. burst: {burst} appends in {t_end - t_start:.1f} s ({burst / (t_end - t_start):.0f}/s, 8 clients, "
          f"{len(notebooks)} notebooks) became {messages} socket messages "
          f"({messages / burst:.2f} per append; each append is a version and a step)")
    print(f"   every notebook's last version announced: {missing == 0} ({len(notebooks) - missing}/{len(notebooks)}); "
          f"last announcement {lag * 1000:.0f} ms after the last reply; resyncs: {sock.resyncs}")
    reader.cancel()
    p95 = percentile(upper, .95)
    figure("live update, commit on A to socket on B, p95", p95 * 1000, "<= 1000 ms, none lost",
           p95 <= 1.0 and not lost, f"p50 {percentile(upper, .5) * 1000:.0f} ms, {changes - lost}/{changes} delivered")
    figure("burst of 1,000 appends: last announcement after last reply", lag * 1000, "all delivered",
           missing == 0, f"{messages} socket messages")
    if lost or missing or sock.resyncs or percentile(upper, .95) > 1.0:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--burst", type=int, default=1000)
    args = parser.parse_args()
    with database() as url, jupyter_server(url) as a, jupyter_server(url) as b:
        asyncio.run(run(url, a, b, args.changes, args.burst))


if __name__ == "__main__":
    main()
