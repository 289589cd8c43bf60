"""`make bench`: every benchmark, one after another, then one table of every figure against
its goal (DESIGN.md's performance targets), with the machine it ran on.

Each benchmark prints its own detail as it goes and ends with a `BENCH_FIGURES` line (see
report.py). Figures are ratios or latencies measured side by side within one run, so a busy
machine shifts both sides alike. Exit status 1 when a figure misses its goal or a benchmark
fails.

    python benchmarks/run_all.py [--only lineage,search]   (names: the scripts, without .py)
    python benchmarks/run_all.py --scale 10                 (`make bench-scale`: the benchmarks
                                                             in SCALED at 10x the seed's size)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil
from report import reference  # (benchmarks/ is the script's own directory)

HERE = Path(__file__).resolve().parent
ORDER = ["citations", "append", "branches", "merge_base", "concurrency", "lineage", "search", "live", "outage", "diff_view", "dag_view", "memory", "team",
         "migrations", "replay"]
# The benchmarks that take `--scale N` (DESIGN.md: at 10x the seed, 13.5 M steps and 10 M
# versions, their ratios still hold); `--scale` runs only these.
SCALED = ["lineage", "search", "append"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    db = os.environ.get("JUPYTER_ARTIFACTS_TEST_DATABASE_URL")
    where = "PostgreSQL at $JUPYTER_ARTIFACTS_TEST_DATABASE_URL" if db else "the embedded PostgreSQL"
    return (f"{cpu}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, {where}")


def run(name: str, extra: list[str]) -> tuple[list[dict], int, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE / f"{name}.py"), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    figures: list[dict] = []
    for line in proc.stdout:
        if line.startswith("BENCH_FIGURES "):
            figures += json.loads(line[len("BENCH_FIGURES "):])
        else:
            print(f"  {line}", end="", flush=True)
    return figures, proc.wait(), time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--scale", type=int, default=1, help="run the scalable benchmarks at N times the seed")
    args = parser.parse_args()
    names = [n for n in (SCALED if args.scale != 1 else ORDER) if not args.only or n in args.only.split(",")]
    extra = ["--scale", str(args.scale)] if args.scale != 1 else []
    rows, failed = [], []
    t0 = time.perf_counter()
    for name in names:
        print(f"== {name}", flush=True)
        figures, code, seconds = run(name, extra)
        print(f"   ({seconds:.0f} s)", flush=True)
        if code != 0 and not figures:
            failed.append(name)
        rows += [(name, f) for f in figures]
    print()
    scale = f", at {args.scale}x the seed" if args.scale != 1 else ""
    print(f"jupyter_artifacts benchmarks{scale}, {time.strftime('%Y-%m-%d')}, {(time.perf_counter() - t0) / 60:.0f} min")
    print(f"machine: {machine()}")
    print(reference(os.environ.get("JUPYTER_ARTIFACTS_TEST_DATABASE_URL")))
    print()
    print(f"| {'benchmark':<12} | {'figure':<60} | {'measured':>10} | {'goal':<22} | ok  | detail")
    print(f"|{'-' * 14}|{'-' * 62}|{'-' * 12}|{'-' * 24}|-----|-------")
    for name, f in rows:
        value = f["value"]
        shown = f"{value:.3f}" if isinstance(value, float) and abs(value) < 10 else f"{value:,.1f}" \
            if isinstance(value, float) else f"{value}"
        print(f"| {name:<12} | {f['name']:<60} | {shown:>10} | {f['goal']:<22} | {'yes' if f['ok'] else 'NO':<3} "
              f"| {f['detail']}")
    misses = [f for _, f in rows if not f["ok"]]
    if failed:
        print(f"\nbenchmarks that failed without a figure: {', '.join(failed)}")
    sys.exit(1 if misses or failed else 0)


if __name__ == "__main__":
    main()
