"""Benchmark: scanning debate rounds for citations stays linear in the text.

For 1 MB of prose and for the regex's worst cases (huge runs, runs that cannot start a
token, trailing trims, a million version digits, the densest text), prints the time for
n and for 10·n characters side by side and their ratio: linear scanning gives about 10,
a backtracking regex would give 100 or more. Goals: 1 MB of prose within 1 s; ratio
≤ 20 for every case. (tests/test_citations.py checks the answers; speed lives here.)

    .venv/bin/python benchmarks/citations.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from jupyter_artifacts.citations import cite, scan

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import figure  # noqa: E402

PROSE = "In **NB-12@v3**, see (H-7) and a@b.com -- état 🔗 NB-1@v1. "
CASES = {
    "prose": lambda n: PROSE * (n // len(PROSE) + 1),
    "one long run + @v1": lambda n: "a" * n + "@v1",
    "dashes then an id": lambda n: "-" * n + "NB-12",
    "a. runs + @v1": lambda n: "a." * (n // 2) + "@v1",
    "@v + n digits": lambda n: "NB-12@v" + "1" * n,
    "run @v1 run": lambda n: "a" * n + "@v1" + "b" * n,
    "densest (a@)": lambda n: "a@" * (n // 2),
}


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    small, big = 100_000, 1_000_000
    print(f"{'case':22} {'100 kB':>9} {'1 MB':>9} {'ratio':>7}   goal: ratio <= 20 (linear ~ 10)")
    worst = 0.0
    for name, make in CASES.items():
        t_small = timed(lambda: scan(make(small)), args.repeat)
        t_big = timed(lambda: scan(make(big)), args.repeat)
        ratio = t_big / max(t_small, 1e-9)
        worst = max(worst, ratio)
        print(f"{name:22} {t_small * 1000:7.1f}ms {t_big * 1000:7.1f}ms {ratio:7.1f}")
    text = CASES["prose"](big)
    t_cite = timed(lambda: cite(text, "output", version_exists=lambda a, n: True,
                                pinned_version=lambda a: 1), args.repeat)
    print(f"cite() over 1 MB of prose: {t_cite * 1000:.1f} ms (goal <= 1000 ms)")
    print(f"worst ratio: {worst:.1f} (goal <= 20)")
    figure("citation scan, 1 MB / 100 kB (worst case)", worst, "<= 20 (linear ~10)", worst <= 20,
           f"cite() on 1 MB of prose: {t_cite * 1000:.0f} ms")


if __name__ == "__main__":
    main()
