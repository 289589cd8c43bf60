"""Benchmark: 16 concurrent appenders over two Jupyter servers on one database.

Each appender sends cell appends (no execution) as fast as it can, half of them through
server A and half through server B: first all 16 on one notebook (every append contends for
the same head), then each on a notebook of its own. Prints the throughput of each, and the
anomalies found afterwards in the database (goal: 0): a gap or a duplicate in the version
numbers, more or fewer than one latest version, a version without its cell, link and step, a
failed request.

    python benchmarks/concurrency.py [--appenders 16] [--appends 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from tornado.httpclient import AsyncHTTPClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database, jupyter_server  # noqa: E402
from report import figure  # noqa: E402

EMPTY = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}


async def call(http, server, method, path, body=None):
    reply = await http.fetch(f"http://127.0.0.1:{server.port}{path}", method=method, raise_error=False,
                             headers={"Authorization": f"token {server.token}"},
                             body=None if body is None else json.dumps(body), request_timeout=300)
    return reply.code, json.loads(reply.body or b"null")


def anomalies(url: str, notebooks: list[str]) -> list[str]:
    found = []
    with psycopg.connect(url, row_factory=dict_row) as conn:
        for nb in notebooks:
            rows = conn.execute("SELECT version_number, is_latest, id FROM artifacts WHERE artifact_id = %s "
                                "ORDER BY version_number", (nb,)).fetchall()
            numbers = [r["version_number"] for r in rows]
            if numbers != list(range(1, len(numbers) + 1)):
                found.append(f"{nb}: versions {numbers[:5]}… are not 1..{len(numbers)}")
            if sum(r["is_latest"] for r in rows) != 1 or not rows[-1]["is_latest"]:
                found.append(f"{nb}: not exactly one latest version, the highest")
            cells = conn.execute("SELECT count(*) AS n FROM notebook_cells c JOIN artifacts a "
                                 "ON a.id = c.notebook_artifact_id WHERE a.artifact_id = %s", (nb,)).fetchone()["n"]
            if cells != len(rows) - 1:
                found.append(f"{nb}: {cells} cells for {len(rows) - 1} appends")
        steps = conn.execute("SELECT count(*) AS n FROM artifact_links l WHERE (SELECT count(*) FROM "
                             "processing_steps s WHERE s.link_id = l.id) <> 1").fetchone()["n"]
        if steps:
            found.append(f"{steps} links without exactly one step")
    return found


async def run(url: str, servers, appenders: int, appends: int) -> None:
    http = AsyncHTTPClient(max_clients=appenders * 2)
    results = {}
    for label, shared in (("one notebook", True), (f"{appenders} notebooks", False)):
        names = ["shared"] if shared else [f"own-{i}" for i in range(appenders)]
        names = [f"{n}-{int(time.time() * 1000)}" for n in names]
        for n in names:
            code, body = await call(http, servers[0], "POST", "/api/notebooks", {"id": n, "notebook": EMPTY})
            assert code == 201, body
        failures: list = []
        versions: list[int] = []

        async def appender(i: int):
            server = servers[i % 2]
            nb = names[0] if shared else names[i]
            for k in range(appends):
                code, body = await call(http, server, "POST", f"/api/notebooks/{nb}/cells", {"source": f"x = {i}, {k}"})
                if code != 201:
                    failures.append((code, body))
                elif shared:
                    versions.append(body["version_number"])

        t0 = time.perf_counter()
        await asyncio.gather(*(appender(i) for i in range(appenders)))
        seconds = time.perf_counter() - t0
        found = anomalies(url, names)
        if failures:
            found.append(f"{len(failures)} failed requests, e.g. {failures[0]}")
        if shared and sorted(versions) != list(range(2, appenders * appends + 2)):
            found.append("the replies' version numbers are not 2..N+1, each once")
        results[label] = (appenders * appends / seconds, found)
        print(f"{label:>14}: {appenders * appends} appends by {appenders} appenders over 2 servers in {seconds:.1f} s "
              f"= {appenders * appends / seconds:6.1f} appends/s; anomalies: {len(found)}")
        for line in found[:5]:
            print(f"    {line}")
    for label, (rate, found) in results.items():
        figure(f"16 appenders, 2 servers, {label}: anomalies", len(found), "0", not found, f"{rate:.0f} appends/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appenders", type=int, default=16)
    parser.add_argument("--appends", type=int, default=20)
    args = parser.parse_args()
    with database() as url, jupyter_server(url) as a, jupyter_server(url) as b:
        asyncio.run(run(url, [a, b], args.appenders, args.appends))


if __name__ == "__main__":
    main()
