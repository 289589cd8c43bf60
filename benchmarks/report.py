"""Figures of a benchmark, for `make bench`'s one table (benchmarks/run_all.py).

A script calls `figure(...)` for each figure it measured against a goal of DESIGN.md; at exit
the figures are printed as one line `BENCH_FIGURES <json>`, which run_all.py collects."""

from __future__ import annotations

import atexit
import json

_FIGURES: list[dict] = []


def figure(name: str, value: float, goal: str, ok: bool, detail: str = "") -> None:
    """`goal` as text (e.g. "<= 0.25"); `ok` whether the value meets it."""
    _FIGURES.append({"name": name, "value": value, "goal": goal, "ok": bool(ok), "detail": detail})


@atexit.register
def _emit() -> None:
    if _FIGURES:
        print("BENCH_FIGURES " + json.dumps(_FIGURES), flush=True)
