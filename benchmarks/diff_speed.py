"""Benchmark: nbdime.diff_notebooks vs jupyter_artifacts.notebooks.diff.diff_notebooks.

Adjacent versions of a 1,000-cell notebook (realistic code cells with outputs): the next version
appends one cell.  Prints the median time of each over several repetitions, the ratio (goal >= 10)
and whether the results are JSON-equal.

    .venv/bin/python benchmarks/diff_speed.py [--cells 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time

import nbdime
import nbformat

from jupyter_artifacts.notebooks.diff import diff_notebooks


def build_notebook(n_cells: int) -> dict:
    cells = []
    for i in range(n_cells):
        if i % 6 == 0:
            cells.append({"cell_type": "markdown", "id": f"md-{i:05d}", "metadata": {},
                          "source": f"## Step {i}\n\nLoad the data, clean it and plot the result of step {i}."})
            continue
        outputs = [{"output_type": "stream", "name": "stdout",
                    "text": "".join(f"epoch {k}: loss={1 / (k + i + 1):.5f}\n" for k in range(5))}]
        if i % 3 == 0:
            outputs.append({"output_type": "execute_result", "execution_count": i, "metadata": {},
                            "data": {"text/plain": f"<Figure size 640x480 with 1 Axes> #{i}",
                                     "text/html": f"<table><tr><td>{i}</td><td>{i * i}</td></tr></table>"}})
        if i % 50 == 7:
            outputs.append({"output_type": "error", "ename": "ValueError", "evalue": f"bad value {i}",
                            "traceback": ["Traceback (most recent call last)", f"  line {i}", "ValueError"]})
        cells.append({
            "cell_type": "code", "id": f"code-{i:05d}", "metadata": {"tags": ["analysis"]} if i % 4 == 0 else {},
            "execution_count": i,
            "source": (f"import pandas as pd\nimport numpy as np\n\ndf_{i} = pd.read_csv('data_{i % 17}.csv')\n"
                       f"df_{i} = df_{i}.dropna()\nfor k in range(5):\n    print(f'epoch {{k}}: loss={{loss(k):.5f}}')\n"
                       f"df_{i}.describe()"),
            "outputs": outputs,
        })
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python", "version": "3.11"}}}


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    base = build_notebook(args.cells)
    remote = copy.deepcopy(base)
    remote["cells"].append({"cell_type": "code", "id": "appended-cell", "metadata": {}, "execution_count": None,
                            "source": "summary = df_1.merge(df_2)\nsummary.head()", "outputs": []})

    # nbdime needs NotebookNodes (it reads outputs by attribute); conversion is part of its cost.
    t_nbdime, ref = median_time(
        lambda: nbdime.diff_notebooks(nbformat.from_dict(base), nbformat.from_dict(remote)), args.repeat)
    t_ours, (ours, summary) = median_time(lambda: diff_notebooks(base, remote), args.repeat)

    equal = json.dumps(ours, sort_keys=True) == json.dumps(ref, sort_keys=True)
    size = len(json.dumps(base))
    print(f"notebook: {args.cells} cells ({size / 1e6:.2f} MB JSON), next version appends one cell; "
          f"median of {args.repeat} runs")
    print(f"nbdime.diff_notebooks : {t_nbdime * 1000:9.1f} ms")
    print(f"ours (diff_notebooks) : {t_ours * 1000:9.1f} ms")
    print(f"speed-up              : {t_nbdime / t_ours:9.1f} x   (goal >= 10)")
    print(f"results JSON-equal    : {equal}")
    print(f"summary               : added={summary['added']} removed={summary['removed']} "
          f"modified={summary['modified']} unchanged_count={summary['unchanged_count']}")
    if not equal:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
