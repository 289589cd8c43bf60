"""Benchmark: commit and merge of 1,000-cell notebooks, against what they stand in for.

One Jupyter server with the extension, one run, side by side (DESIGN.md's targets):
  1. commit: the same 1,000-cell notebook edited in a few cells (each run another edit, on the
     previous one) through `POST /api/notebooks/{id}/versions`, against `PUT /api/contents/{path}`
     of the same edited notebook, the two alternating request by request;
     median commit / median save                                                  (goal <= 1.0)
  2. merge: base, local (edits in some cells) and remote (edits in other cells, and cells
     appended), a clean merge, through `POST /api/notebooks/{id}/merge` (local the head, remote
     a fork's head), against nbdime's `merge_notebooks(base, local, remote)` called here, in
     this process, on the same three (each run other edits);
     median merge request / median nbdime merge                                   (goal <= 1.2)

The notebook is what a researcher's analysis looks like when JupyterLab saves it (nbformat 4.5,
uuid cell ids, ipykernel's metadata): markdown (prose, lists, some LaTeX) and code cells, about
70 % of them with outputs: stdout logs, pandas-style DataFrame tables (text/html with
text/plain), reprs, a few matplotlib-like PNG plots, an error now and then.

    python benchmarks/branches.py [--cells 1000] [--repeat 9]

Uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (a fresh schema in it) when set, else an
embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import math
import random
import struct
import sys
import time
import uuid
import zlib
from pathlib import Path

import nbformat
from nbdime.merging.notebooks import merge_notebooks

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database, jupyter_server, median_ms  # noqa: E402
from report import figure  # noqa: E402

# -- a realistic notebook ------------------------------------------------------------------------

WORDS = ("the data sample cohort model fit residual baseline effect treatment control gene expression "
         "cluster signal noise estimate variance mean median outlier filter threshold batch normalise "
         "we then compare each group across time points and check whether the difference holds after "
         "correcting for multiple testing this step removes low quality cells keeps the rest").split()
COLUMNS = ["sample_id", "condition", "replicate", "counts", "log2fc", "p_value", "q_value", "mean_expr",
           "dropout", "batch", "cluster", "score"]
METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                      "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                      "pygments_lexer": "ipython3", "version": "3.11.9"},
}


def png_plot(rng: random.Random, width: int = 432, height: int = 288) -> str:
    """A line plot as matplotlib's inline backend would show it (axes, grid, two anti-aliased
    series), PNG, base64 as in a notebook output."""
    px = bytearray(b"\xff" * (width * height * 3))

    def blend(x: int, y: int, rgb: tuple[int, int, int], a: float) -> None:
        if 0 <= x < width and 0 <= y < height:
            i = (y * width + x) * 3
            for k in range(3):
                px[i + k] = int(px[i + k] * (1 - a) + rgb[k] * a)

    left, right, top, bottom = 54, width - 12, 12, height - 36
    for gx in range(left, right, 40):  # grid
        for y in range(top, bottom):
            blend(gx, y, (176, 176, 176), 0.35)
    for gy in range(top, bottom, 30):
        for x in range(left, right):
            blend(x, gy, (176, 176, 176), 0.35)
    for x in range(left, right + 1):  # axes and ticks
        blend(x, bottom, (0, 0, 0), 1.0)
        blend(x, top, (0, 0, 0), 1.0)
    for y in range(top, bottom + 1):
        blend(left, y, (0, 0, 0), 1.0)
        blend(right, y, (0, 0, 0), 1.0)
    for gx in range(left, right, 40):
        for d in range(4):
            blend(gx, bottom + d, (0, 0, 0), 1.0)
    for colour in ((31, 119, 180), (255, 127, 14)):
        n, value, points = 120, rng.uniform(-1, 1), []
        for k in range(n):
            value += rng.gauss(0, 0.15)
            points.append((left + (right - left) * k / (n - 1), value))
        lo, hi = min(v for _, v in points), max(v for _, v in points)
        points = [(x, bottom - 8 - (bottom - top - 16) * (v - lo) / ((hi - lo) or 1)) for x, v in points]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):  # Wu's anti-aliased line, 1.5 px wide
            steps = int(max(abs(x1 - x0), abs(y1 - y0))) * 2 + 1
            for s in range(steps + 1):
                x, y = x0 + (x1 - x0) * s / steps, y0 + (y1 - y0) * s / steps
                fx, fy = math.floor(x), math.floor(y)
                for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                    w = (1 - abs(x - fx - dx)) * (1 - abs(y - fy - dy))
                    blend(fx + dx, fy + dy, colour, min(1.0, w * 1.5))
    raw = b"".join(b"\x00" + bytes(px[r * width * 3:(r + 1) * width * 3]) for r in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


def dataframe(rng: random.Random, rows: int, cols: list[str]) -> dict:
    """text/html and text/plain of a pandas DataFrame's repr (pandas' own markup)."""
    values = [[_value(rng, c, r) for c in cols] for r in range(rows)]
    head = "".join(f"      <th>{c}</th>\n" for c in cols)
    body = "".join("    <tr>\n      <th>" + str(r) + "</th>\n" + "".join(f"      <td>{v}</td>\n" for v in row)
                   + "    </tr>\n" for r, row in enumerate(values))
    html = ('<div>\n<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n'
            '    }\n\n    .dataframe tbody tr th {\n        vertical-align: top;\n    }\n\n    .dataframe thead th {\n'
            '        text-align: right;\n    }\n</style>\n<table border="1" class="dataframe">\n  <thead>\n'
            '    <tr style="text-align: right;">\n      <th></th>\n' + head + '    </tr>\n  </thead>\n  <tbody>\n'
            + body + '  </tbody>\n</table>\n</div>')
    width = max(len(c) for c in cols) + 2
    plain = " " * 4 + "".join(c.rjust(width) for c in cols) + "\n" + "\n".join(
        str(r).ljust(4) + "".join(str(v).rjust(width) for v in row) for r, row in enumerate(values))
    return {"text/html": html, "text/plain": plain}


def _value(rng: random.Random, col: str, r: int):
    if col in ("sample_id",):
        return f"S{rng.randrange(10000):04d}"
    if col in ("condition",):
        return rng.choice(["control", "treated", "knockout"])
    if col in ("replicate", "counts", "batch", "cluster"):
        return rng.randrange(1, 5000 if col == "counts" else 9)
    if col in ("p_value", "q_value"):
        return f"{rng.random() ** 3:.3e}"
    if col == "dropout":
        return f"{rng.random() * 0.6:.6f}"
    return f"{rng.gauss(0, 2):.6f}"


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def markdown_cell(rng: random.Random, i: int) -> str:
    kind = rng.random()
    if kind < 0.25:
        return f"## {i // 10 + 1}.{i % 10} {sentence(rng, 4)[:-1].title()}"
    if kind < 0.4:
        return "\n".join(f"- {sentence(rng, rng.randrange(5, 12))}" for _ in range(rng.randrange(2, 6)))
    if kind < 0.5:
        return (f"{sentence(rng, 12)} The estimate is\n\n$$\\hat\\beta_{{{i}}} = (X^T X)^{{-1}} X^T y, "
                f"\\quad \\sigma^2 = \\frac{{1}}{{n-p}} \\sum_i r_i^2$$\n\n{sentence(rng, 9)}")
    return "\n\n".join(" ".join(sentence(rng, rng.randrange(8, 20)) for _ in range(rng.randrange(2, 5)))
                       for _ in range(rng.randrange(1, 3)))


def code_cell(rng: random.Random, i: int, count: int) -> tuple[str, list]:
    """(source, outputs) of an analysis step."""
    name = f"df_{i}"
    kind = rng.random()
    if kind < 0.22:  # a table
        cols = rng.sample(COLUMNS, rng.randrange(4, 9))
        src = (f"{name} = (counts.loc[counts['batch'] == {i % 7}]\n"
               f"        .groupby(['sample_id', 'condition'])\n        .agg({{'counts': 'sum', 'score': 'mean'}})\n"
               f"        .reset_index())\n{name}.head({rng.randrange(5, 11)})")
        return src, [{"output_type": "execute_result", "execution_count": count, "metadata": {},
                      "data": dataframe(rng, rng.randrange(5, 11), cols)}]
    if kind < 0.24:  # a plot
        src = (f"fig, ax = plt.subplots(figsize=(6, 4))\nax.plot(t, {name}['score'], label='score')\n"
               f"ax.plot(t, {name}['baseline'], label='baseline')\nax.set_xlabel('time (h)')\nax.legend()\nplt.show()")
        return src, [{"output_type": "display_data", "metadata": {},
                      "data": {"image/png": png_plot(rng), "text/plain": "<Figure size 600x400 with 1 Axes>"}}]
    if kind < 0.50:  # a log
        lines = "".join(f"epoch {k:3d}  loss={rng.random():.5f}  val_loss={rng.random():.5f}  "
                        f"lr={1e-3 * 0.9 ** k:.2e}\n" for k in range(rng.randrange(3, 25)))
        src = (f"for epoch in range(n_epochs):\n    loss, val_loss = train_one_epoch(model_{i}, loader, opt)\n"
               f"    print(f'epoch {{epoch:3d}}  loss={{loss:.5f}}  val_loss={{val_loss:.5f}}  lr={{sched.lr:.2e}}')")
        return src, [{"output_type": "stream", "name": "stdout", "text": lines}]
    if kind < 0.62:  # a repr
        src = f"{name}.shape, {name}['q_value'].lt(0.05).mean()"
        return src, [{"output_type": "execute_result", "execution_count": count, "metadata": {},
                      "data": {"text/plain": f"(({rng.randrange(100, 90000)}, {rng.randrange(3, 40)}), "
                                             f"{rng.random():.16f})"}}]
    if kind < 0.63:  # an error
        src = f"{name}.loc['S{i:04d}', 'counts']"
        return src, [{"output_type": "error", "ename": "KeyError", "evalue": f"'S{i:04d}'", "traceback": [
            "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
            "\x1b[0;31mKeyError\x1b[0m                                  Traceback (most recent call last)",
            f"Cell \x1b[0;32mIn[{count}], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m "
            f"{name}\x1b[38;5;241m.\x1b[39mloc[...]",
            f"\x1b[0;31mKeyError\x1b[0m: 'S{i:04d}'"]}]
    src = (f"{name} = normalise(raw_{i % 50}, method='{rng.choice(['cpm', 'tpm', 'quantile'])}', "
           f"min_counts={rng.randrange(1, 20)})\n{name} = {name}[{name}['dropout'] < {rng.random():.2f}]")
    return src, []


def cell_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_notebook(n_cells: int, seed: int = 16) -> dict:
    rng = random.Random(seed)
    cells, count = [], 0
    for i in range(n_cells):
        if i % 10 == 0 or rng.random() < 0.22:
            cells.append({"cell_type": "markdown", "id": cell_id(rng), "metadata": {},
                          "source": markdown_cell(rng, i)})
            continue
        count += 1
        source, outputs = code_cell(rng, i, count)
        metadata = {"tags": ["parameters"]} if i == 1 else ({"scrolled": True} if rng.random() < 0.03 else {})
        cells.append({"cell_type": "code", "execution_count": count, "id": cell_id(rng), "metadata": metadata,
                      "outputs": outputs, "source": source})
    return {"cells": cells, "metadata": copy.deepcopy(METADATA), "nbformat": 4, "nbformat_minor": 5}


def edit(nb: dict, rng: random.Random, where: range, n: int) -> dict:
    """A researcher's edit: n cells in `where` changed (code re-run with new outputs, prose reworded)."""
    nb = copy.deepcopy(nb)
    count = max((c.get("execution_count") or 0) for c in nb["cells"])
    for index in rng.sample(list(where), n):
        cell = nb["cells"][index]
        if cell["cell_type"] == "markdown":
            cell["source"] += f"\n\n{sentence(rng, 14)}"
        else:
            count += 1
            source, outputs = code_cell(rng, index, count)
            cell.update(source=cell["source"].replace("\n", f"  # revised {count}\n", 1) if rng.random() < 0.5
                        else source, outputs=outputs, execution_count=count)
    return nb


def appended(nb: dict, rng: random.Random, n: int) -> dict:
    nb = copy.deepcopy(nb)
    count = max((c.get("execution_count") or 0) for c in nb["cells"])
    for k in range(n):
        count += 1
        source, outputs = code_cell(rng, len(nb["cells"]), count)
        nb["cells"].append({"cell_type": "code", "execution_count": count, "id": cell_id(rng), "metadata": {},
                            "outputs": outputs, "source": source})
    return nb


# -- the measurements ----------------------------------------------------------------------------


def call(client, method: str, path: str, body=None, expect=(200, 201)) -> tuple[dict, float]:
    status, payload, took = client.call(method, path, body)
    assert status in expect, (method, path, status, payload[:500])
    return json.loads(payload), took


def nbdime_merge(base: dict, local: dict, remote: dict) -> tuple[dict, list, float]:
    t0 = time.perf_counter()  # nbdime needs NotebookNodes: the conversion is part of its cost
    merged, decisions = merge_notebooks(*(nbformat.from_dict(x) for x in (base, local, remote)))
    took = time.perf_counter() - t0
    return json.loads(json.dumps(merged)), decisions, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    n = args.cells
    nb = build_notebook(n)
    size = len(json.dumps(nb))
    kinds = {k: sum(1 for c in nb["cells"] if c["cell_type"] == k) for k in ("code", "markdown")}
    mimes = [m for c in nb["cells"] for o in c.get("outputs", []) for m in o.get("data", {})]
    print(f"notebook: {n} cells ({kinds['code']} code, {kinds['markdown']} markdown), {size / 1e6:.2f} MB JSON; "
          f"{sum(1 for c in nb['cells'] if c.get('outputs'))} cells with outputs, "
          f"{mimes.count('text/html')} HTML tables, {mimes.count('image/png')} PNG plots")
    rng = random.Random(1600)
    with database() as url, jupyter_server(url) as client:
        # 1. commit vs contents save of the same edited notebook.
        call(client, "POST", "/api/notebooks", {"id": "bench-commit", "notebook": nb})
        call(client, "PUT", "/api/contents/bench.ipynb", {"type": "notebook", "format": "json", "content": nb})
        commits, saves, current = [], [], nb
        for k in range(args.repeat + 1):  # the first pair warms both paths up, and is not counted
            current = edit(current, rng, range(n), 3)
            order = ("commit", "save") if k % 2 == 0 else ("save", "commit")
            for what in order:
                if what == "commit":
                    reply, took = call(client, "POST", "/api/notebooks/bench-commit/versions",
                                       {"notebook": current, "parent_version": k + 1}, expect=(201,))
                    assert reply["summary"]["modified"] and not reply["summary"]["added"], reply["summary"]
                    if k:
                        commits.append(took)
                else:
                    _, took = call(client, "PUT", "/api/contents/bench.ipynb",
                                   {"type": "notebook", "format": "json", "content": current}, expect=(200,))
                    if k:
                        saves.append(took)

        # 2. merge through the server vs nbdime's merge_notebooks here, on the same three.
        rest, ours_equal, in_process = [], True, []
        for k in range(args.repeat + 1):
            nb_id, fork_id = f"bench-merge-{k}", f"bench-merge-{k}-fork"
            call(client, "POST", "/api/notebooks", {"id": nb_id, "notebook": nb})
            call(client, "POST", f"/api/artifacts/{nb_id}/fork", {"new_id": fork_id})
            local = edit(nb, rng, range(0, n // 2), 5)
            remote = appended(edit(nb, rng, range(n // 2, n), 5), rng, 5)
            call(client, "POST", f"/api/notebooks/{nb_id}/versions", {"notebook": local, "parent_version": 1})
            call(client, "POST", f"/api/notebooks/{fork_id}/versions", {"notebook": remote, "parent_version": 1})
            if k % 2:  # the two sides alternate which goes first
                merged, decisions, nbdime_took = nbdime_merge(nb, local, remote)
            reply, took = call(client, "POST", f"/api/notebooks/{nb_id}/merge", {"other": fork_id, "parent_version": 2},
                               expect=(201,))
            if not k % 2:
                merged, decisions, nbdime_took = nbdime_merge(nb, local, remote)
            stored, _ = call(client, "GET", f"/api/artifacts/{nb_id}@v3")
            assert not any(d.conflict for d in decisions)
            ours_equal &= stored["content"] == merged
            if k:
                rest.append(took)
                in_process.append(nbdime_took)

    c, s = median_ms(commits), median_ms(saves)
    m, d = median_ms(rest), median_ms(in_process)
    print(f"commit of the notebook edited in 3 cells, {args.repeat} runs (each a new edit), alternating with saves:")
    print(f"POST /api/notebooks/{{id}}/versions median   {c:8.1f} ms   (min {min(commits) * 1000:.1f}, "
          f"max {max(commits) * 1000:.1f})")
    print(f"PUT /api/contents median                   {s:8.1f} ms   (min {min(saves) * 1000:.1f}, "
          f"max {max(saves) * 1000:.1f})")
    print(f"  ratio commit / contents save             {c / s:8.3f}   (goal <= 1.0)")
    print(f"clean merge, local edits 5 cells of the first half, remote 5 of the second half and appends 5, "
          f"{args.repeat} runs:")
    print(f"POST /api/notebooks/{{id}}/merge median      {m:8.1f} ms   (min {min(rest) * 1000:.1f}, "
          f"max {max(rest) * 1000:.1f})")
    print(f"nbdime merge_notebooks in process median   {d:8.1f} ms   (min {min(in_process) * 1000:.1f}, "
          f"max {max(in_process) * 1000:.1f})")
    print(f"  ratio merge request / nbdime             {m / d:8.3f}   (goal <= 1.2)")
    print(f"stored merges JSON-equal to nbdime's       {ours_equal}")
    figure("commit of an edited 1,000-cell notebook / contents save", c / s, "<= 1.0", c / s <= 1.0,
           f"{c:.1f} ms vs {s:.1f} ms")
    figure("merge request / nbdime merge_notebooks (1,000 cells)", m / d, "<= 1.2", m / d <= 1.2 and ours_equal,
           f"{m:.1f} ms vs {d:.1f} ms, JSON-equal {ours_equal}")


if __name__ == "__main__":
    main()
