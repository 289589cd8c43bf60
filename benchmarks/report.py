"""Figures of a benchmark, for `make bench`'s one table (benchmarks/run_all.py).

A script calls `figure(...)` for each figure it measured against a goal of DESIGN.md; at exit
the figures are printed as one line `BENCH_FIGURES <json>`, which run_all.py collects."""

from __future__ import annotations

import atexit
import json
import statistics
import time

_FIGURES: list[dict] = []


def figure(name: str, value: float, goal: str, ok: bool, detail: str = "") -> None:
    """`goal` as text (e.g. "<= 0.25"); `ok` whether the value meets it."""
    _FIGURES.append({"name": name, "value": value, "goal": goal, "ok": bool(ok), "detail": detail})


def reference(url: str | None = None) -> str:
    """The same fixed work timed on every run (medians of 5), printed beside its figures: a
    machine's speed differs from another's, and from itself hours later (the same 10 M-version
    search schema was generated in 1,416 s, 2,482 s and 1,443 s on three 2-core machines),
    so figures of different runs compare only through this. `url`: also one statement on that
    PostgreSQL (hashing 500,000 numbers), which runs on its cores."""
    def median_ms(work) -> float:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            work()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    text = f"reference work: Python {median_ms(lambda: sum(i * i for i in range(1_000_000))):.1f} ms"
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            sql = "SELECT sum(hashtext(i::text)) FROM generate_series(1, 500000) AS i"
            text += f", PostgreSQL {median_ms(lambda: conn.execute(sql).fetchone()):.1f} ms"
    return text + " (the same work on every run: compare runs by it)"


@atexit.register
def _emit() -> None:
    if _FIGURES:
        print("BENCH_FIGURES " + json.dumps(_FIGURES), flush=True)
