"""Benchmark: the server's memory stays flat over a long run (DESIGN.md: at most 10 % growth).

One Jupyter server with the extension; its resident set size (RSS) is sampled every 0.2 s
while it serves, one phase after another: 10,000 cell appends, 1,000 notebook diffs, 1,000
lineage queries, 1,000 HTML renders of distinct versions (the render cache evicts as it goes;
renders run in a worker process, whose RSS is printed too).
Prints, per phase and overall, the RSS at the start (after a warm-up), its peak and at the end,
and the growth from start to end.

    python benchmarks/memory.py [--appends 10000] [--each 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from pathlib import Path

import psutil
from tornado.httpclient import AsyncHTTPClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database, jupyter_server  # noqa: E402
from report import figure  # noqa: E402

MB = 1024 * 1024


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.samples: list[int] = []
        self.running = True

    def rss(self) -> int:
        return self.process.memory_info().rss

    def run(self) -> None:
        while self.running:
            self.samples.append(self.rss())
            time.sleep(0.2)


def notebook(cells: int) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "code", "source": f"x{i} = {i}\nprint(x{i})", "metadata": {},
                       "outputs": [{"output_type": "stream", "name": "stdout", "text": f"{i}\n"}],
                       "execution_count": i} for i in range(cells)]}


async def run(server, appends: int, each: int) -> None:
    http = AsyncHTTPClient(max_clients=8)

    async def call(method, path, body=None):
        reply = await http.fetch(f"http://127.0.0.1:{server.port}{path}", method=method, raise_error=False,
                                 headers={"Authorization": f"token {server.token}"},
                                 body=None if body is None else json.dumps(body), request_timeout=300)
        assert reply.code in (200, 201), (path, reply.code, reply.body[:300])
        return reply

    async def many(n: int, request, workers: int = 4):
        queue = iter(range(n))

        async def worker():
            for i in queue:
                await request(i)
        await asyncio.gather(*(worker() for _ in range(workers)))

    await call("POST", "/api/notebooks", {"id": "mem-nb", "notebook": notebook(100)})
    await call("POST", "/api/notebooks", {"id": "mem-small", "notebook": notebook(50)})
    for i in range(100):  # warm-up: every code path once, caches filled
        await call("POST", "/api/notebooks/mem-small/cells", {"source": f"w = {i}"})
    await call("GET", "/api/notebooks/mem-small/diff")
    await call("GET", "/api/artifacts/mem-small@v3/lineage")
    await call("GET", "/api/notebooks/mem-small/versions/2?format=html")
    sampler = Sampler(server.pid)
    start = sampler.rss()
    sampler.start()
    phases = []

    async def phase(name, n, request, workers=4):
        first = len(sampler.samples)
        rss0 = sampler.rss()
        t0 = time.perf_counter()
        await many(n, request, workers)
        seconds = time.perf_counter() - t0
        window = sampler.samples[first:] or [sampler.rss()]
        phases.append((name, n, seconds, rss0, max(window), sampler.rss()))
        print(f"{name:<34} {n:>6} in {seconds:6.1f} s   RSS start {rss0 / MB:7.1f} MB  peak {max(window) / MB:7.1f} MB"
              f"  end {sampler.rss() / MB:7.1f} MB", flush=True)

    await phase("cell appends", appends, lambda i: call("POST", "/api/notebooks/mem-nb/cells", {"source": f"y = {i}"}))
    top = 100 + 1  # versions of mem-small
    await phase("notebook diffs (adjacent versions)", each,
                lambda i: call("GET", f"/api/notebooks/mem-small/diff?from={1 + i % (top - 1)}&to={2 + i % (top - 1)}"))
    await phase("lineage queries", each,
                lambda i: call("GET", f"/api/artifacts/mem-nb@v{random.randint(1, appends)}/lineage?max_depth=5"))
    for i in range(each):
        await call("POST", "/api/notebooks", {"id": f"mem-r{i}", "notebook": notebook(3)})
    await phase("HTML renders of distinct versions", each,
                lambda i: call("GET", f"/api/notebooks/mem-r{i}/versions/1?format=html"), workers=2)
    sampler.running = False
    end = sampler.rss()
    peak = max(sampler.samples + [end])
    growth = (end - start) / start
    print(f"{'overall':<34}        RSS start {start / MB:7.1f} MB  peak {peak / MB:7.1f} MB  end {end / MB:7.1f} MB"
          f"  growth {growth * 100:+.1f} % (goal <= +10 %)")
    workers = [c for c in psutil.Process(server.pid).children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]
    if workers:  # HTML renders run in a worker process that is replaced every 100 renders
        print(f"{'renderer worker process':<34}        RSS now {sum(w.memory_info().rss for w in workers) / MB:7.1f} MB"
              f" ({len(workers)} process, replaced every 100 renders)")
    figure("server RSS growth over the long run", growth * 100, "<= 10 %", growth <= 0.10,
           f"{start / MB:.0f} MB start, {peak / MB:.0f} MB peak, {end / MB:.0f} MB end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=10_000)
    parser.add_argument("--each", type=int, default=1_000)
    args = parser.parse_args()
    with database() as url, jupyter_server(url) as server:
        asyncio.run(run(server, args.appends, args.each))


if __name__ == "__main__":
    main()
