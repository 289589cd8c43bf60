"""jupyter_artifacts.notebooks.diff: identical to nbdime, fast for adjacent versions, no leaked state."""

from __future__ import annotations

import copy
import json
import threading

import nbdime
import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbdime.diffing import notebooks as nbd

from jupyter_artifacts.notebooks import diff as nbdiff
from jupyter_artifacts.notebooks.diff import diff_notebooks


def dumps(x) -> str:
    return json.dumps(x, sort_keys=True)


def nbdime_reference(base: dict, remote: dict, ignore_outputs: bool = False) -> list:
    """nbdime on the whole notebooks, outputs ignored the way `nbdiff -O` does it."""
    if ignore_outputs:
        nbd.set_notebook_diff_targets(outputs=False)
    try:
        return nbdime.diff_notebooks(nbformat.from_dict(base), nbformat.from_dict(remote))
    finally:
        nbd.reset_notebook_differ()


def expected_summary(base: dict, remote: dict, d: list) -> dict:
    """Independent reading of the diff: apply it to index lists instead of cells."""
    cells = next((e["diff"] for e in d if e["key"] == "cells"), [])
    base_idx = list(range(len(base["cells"])))
    # map base index -> remote index for surviving cells, collect added remote indices
    removed, patched = set(), set()
    inserted_before: dict[int, int] = {}
    for e in cells:
        if e["op"] == "removerange":
            removed.update(range(e["key"], e["key"] + e["length"]))
        elif e["op"] == "addrange":
            inserted_before[e["key"]] = inserted_before.get(e["key"], 0) + len(e["valuelist"])
        elif e["op"] == "patch":
            patched.add(e["key"])
        else:
            raise AssertionError(e)
    added, modified, j = [], [], 0
    for i in base_idx + [len(base_idx)]:
        for _ in range(inserted_before.get(i, 0)):
            added.append(j)
            j += 1
        if i < len(base_idx) and i not in removed:
            if i in patched:
                modified.append(j)
            j += 1
    assert j == len(remote["cells"])
    return {"added": added, "removed": sorted(removed), "modified": modified,
            "unchanged_count": len(base_idx) - len(removed) - len(patched)}


def check(base: dict, remote: dict) -> None:
    base_before, remote_before = dumps(base), dumps(remote)
    for ignore in (False, True):
        ours, summary = diff_notebooks(base, remote, ignore_outputs=ignore)
        ref = nbdime_reference(base, remote, ignore)
        assert dumps(ours) == dumps(ref), f"ignore_outputs={ignore}"
        assert summary == expected_summary(base, remote, ref)
    assert nbdiff._overrides() == {}, "nbdime left configured differently"
    assert (dumps(base), dumps(remote)) == (base_before, remote_before), "inputs were modified"


# ---------------------------------------------------------------------------------------------
# random notebooks and edits

SOURCES = ["", "x = 1", "x = 2", "x = 1\n", "print(x)", "import os\nimport sys",
           "import os\nimport sys\nimport re", "def f():\n    return 1", "# Title", "# Title\n\ntext",
           "a\nb\nc", "a\nb\nd"]
TEXTS = ["", "1", "2", "hello\n", "hello world\n", "line1\nline2\n", "line1\nline3\n",
         "<object at 0x7f00aa11bb22>", "<object at 0x7f00cc33dd44>"]


@st.composite
def outputs(draw):
    kind = draw(st.sampled_from(["stream", "execute_result", "error"]))
    if kind == "stream":
        return {"output_type": "stream", "name": draw(st.sampled_from(["stdout", "stderr"])),
                "text": draw(st.sampled_from(TEXTS))}
    if kind == "execute_result":
        data = {"text/plain": draw(st.sampled_from(TEXTS))}
        if draw(st.booleans()):
            data["text/html"] = "<b>" + draw(st.sampled_from(TEXTS)) + "</b>"
        return {"output_type": "execute_result", "data": data,
                "metadata": draw(st.sampled_from([{}, {"isolated": True}])),
                "execution_count": draw(st.sampled_from([None, 1, 2]))}
    return {"output_type": "error", "ename": draw(st.sampled_from(["ValueError", "KeyError"])),
            "evalue": draw(st.sampled_from(["bad", "worse"])),
            "traceback": draw(st.lists(st.sampled_from(["tb1", "tb2", "tb3"]), max_size=3))}


class Ids:
    def __init__(self):
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"c{self.n:04d}"


@st.composite
def cells(draw, ids: Ids):
    kind = draw(st.sampled_from(["code", "code", "markdown", "raw"]))
    cell = {"cell_type": kind, "id": ids(), "metadata": draw(st.sampled_from([{}, {"tags": ["a"]}])),
            "source": draw(st.sampled_from(SOURCES))}
    if kind == "code":
        cell["execution_count"] = draw(st.sampled_from([None, 1, 2, 3]))
        cell["outputs"] = draw(st.lists(outputs(), max_size=3))
    return cell


NB_METADATA = [{}, {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
               {"language_info": {"name": "python"}}, {"title": "t"}]


@st.composite
def notebook_pairs(draw):
    ids = Ids()
    base = {"nbformat": 4, "nbformat_minor": 5, "metadata": draw(st.sampled_from(NB_METADATA)),
            "cells": draw(st.lists(cells(ids), max_size=12))}
    remote = copy.deepcopy(base)
    cs = remote["cells"]
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["append", "insert", "delete", "source", "outputs", "reorder",
                                   "duplicate", "metadata", "cell_metadata", "exec_count"]))
        pick = (lambda: draw(st.integers(0, len(cs) - 1))) if cs else None
        if op == "append":
            cs.append(draw(cells(ids)))
        elif op == "insert":
            cs.insert(draw(st.integers(0, len(cs))), draw(cells(ids)))
        elif op == "delete" and cs:
            del cs[pick()]
        elif op == "source" and cs:
            cs[pick()]["source"] = draw(st.sampled_from(SOURCES))
        elif op == "outputs" and cs:
            c = cs[pick()]
            if c["cell_type"] == "code":
                c["outputs"] = draw(st.lists(outputs(), max_size=3))
        elif op == "reorder" and len(cs) > 1:
            i, j = pick(), pick()
            cs.insert(j, cs.pop(i))
        elif op == "duplicate" and cs:
            i = pick()
            dup = copy.deepcopy(cs[i])
            if draw(st.integers(0, 9)):  # usually a fresh id, sometimes (invalid) the same one
                dup["id"] = ids()
            cs.insert(draw(st.integers(0, len(cs))), dup)
        elif op == "metadata":
            remote["metadata"] = draw(st.sampled_from(NB_METADATA))
        elif op == "cell_metadata" and cs:
            cs[pick()]["metadata"] = draw(st.sampled_from([{}, {"tags": ["a"]}, {"tags": ["b"]}]))
        elif op == "exec_count" and cs:
            c = cs[pick()]
            if c["cell_type"] == "code":
                c["execution_count"] = draw(st.sampled_from([None, 1, 2, 3]))
    if draw(st.booleans()):
        base, remote = remote, base
    return base, remote


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebook_pairs())
def test_matches_nbdime_on_random_edits(pair):
    base, remote = pair
    check(base, remote)


# ---------------------------------------------------------------------------------------------
# deterministic cases


def big_notebook(n: int = 1000) -> dict:
    cells = []
    for i in range(n):
        if i % 5 == 0:
            cells.append({"cell_type": "markdown", "id": f"md-{i}", "metadata": {},
                          "source": f"## Section {i}\n\nSome explanation of step {i}."})
        else:
            cells.append({
                "cell_type": "code", "id": f"code-{i}", "metadata": {}, "execution_count": i,
                "source": f"import numpy as np\nx{i} = np.arange({i})\nprint(x{i}.sum())\nx{i}[:3]",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": f"{i * (i - 1) // 2}\n"},
                    {"output_type": "execute_result", "execution_count": i, "metadata": {},
                     "data": {"text/plain": f"array([0, 1, 2])  # {i}"}},
                ],
            })
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}


def appended(nb: dict) -> dict:
    remote = copy.deepcopy(nb)
    remote["cells"].append({"cell_type": "code", "id": "new-cell", "metadata": {}, "execution_count": None,
                            "source": "x = 42\nx", "outputs": []})
    return remote


def test_big_adjacent_versions_equal_nbdime_and_take_fast_path():
    base = big_notebook()
    remote = appended(base)
    assert nbdiff._fast_diff(base, remote, False) is not None  # no fallback for this shape
    ours, summary = diff_notebooks(base, remote)
    assert dumps(ours) == dumps(nbdime_reference(base, remote))
    assert summary == {"added": [1000], "removed": [], "modified": [], "unchanged_count": 1000}


def test_big_notebook_middle_edits_ignore_outputs_and_metadata():
    base = big_notebook(300)
    remote = copy.deepcopy(base)
    remote["cells"][10]["source"] += "\nprint('changed')"
    remote["cells"][11]["outputs"][0]["text"] = "other\n"
    del remote["cells"][150]
    remote["cells"].insert(200, {"cell_type": "markdown", "id": "ins", "metadata": {}, "source": "new"})
    remote["metadata"]["title"] = "v2"
    check(base, remote)
    _, summary = diff_notebooks(base, remote, ignore_outputs=True)
    assert 11 not in summary["modified"] and 10 in summary["modified"]


def test_identical_notebooks_give_empty_diff():
    nb = big_notebook(50)
    for ignore in (False, True):
        d, summary = diff_notebooks(nb, copy.deepcopy(nb), ignore_outputs=ignore)
        assert d == []
        assert summary == {"added": [], "removed": [], "modified": [], "unchanged_count": 50}


def test_summary_fields():
    base = big_notebook(6)  # md-0, code-1..4, md-5
    remote = copy.deepcopy(base)
    del remote["cells"][2]                                   # removed: base 2
    remote["cells"][2]["source"] = "changed"                 # code-3 -> remote 2 modified
    remote["cells"].insert(0, {"cell_type": "raw", "id": "r", "metadata": {}, "source": "raw"})
    d, summary = diff_notebooks(base, remote)
    assert dumps(d) == dumps(nbdime_reference(base, remote))
    assert summary == {"added": [0], "removed": [2], "modified": [3], "unchanged_count": 4}


def test_no_leaked_state_after_ignore_outputs():
    base = big_notebook(20)
    remote = copy.deepcopy(base)
    remote["cells"][3]["outputs"][0]["text"] = "different\n"
    d_ignored, s_ignored = diff_notebooks(base, remote, ignore_outputs=True)
    assert d_ignored == [] and s_ignored["modified"] == []
    d, s = diff_notebooks(base, remote)
    assert s["modified"] == [3]
    assert "outputs" in dumps(d)
    # nbdime itself is back to its defaults too
    assert nbdiff._overrides() == {}
    assert dumps(nbdime.diff_notebooks(nbformat.from_dict(base), nbformat.from_dict(remote))) == dumps(d)


def test_previous_nbdime_configuration_is_restored():
    base = big_notebook(10)
    remote = copy.deepcopy(base)
    remote["metadata"]["x"] = 1
    remote["cells"][1]["outputs"] = []
    nbd.set_notebook_diff_targets(metadata=False)  # someone else configured nbdime
    try:
        before = nbdiff._overrides()
        assert before
        d, _ = diff_notebooks(base, remote)  # ours is nbdime's default diff regardless
        assert "metadata" in dumps(d)
        diff_notebooks(base, remote, ignore_outputs=True)
        assert nbdiff._overrides() == before
    finally:
        nbd.reset_notebook_differ()


def test_thread_safety():
    base = big_notebook(40)
    remote = copy.deepcopy(base)
    remote["cells"][6]["outputs"][0]["text"] = "changed\n"
    remote["cells"].append({"cell_type": "markdown", "id": "end", "metadata": {}, "source": "end"})
    want = {ig: dumps(nbdime_reference(base, remote, ig)) for ig in (False, True)}
    errors: list = []

    def worker(ignore: bool):
        try:
            for _ in range(20):
                d, _ = diff_notebooks(base, remote, ignore_outputs=ignore)
                if dumps(d) != want[ignore]:
                    errors.append(ignore)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i % 2 == 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert nbdiff._overrides() == {}


@pytest.mark.parametrize("mutate", ["duplicate_id", "missing_id", "nan", "no_cells"])
def test_fallback_cases_still_match_nbdime(mutate):
    base = big_notebook(8)
    remote = appended(base)
    if mutate == "duplicate_id":
        remote["cells"].insert(3, copy.deepcopy(remote["cells"][2]))
    elif mutate == "missing_id":
        del base["cells"][4]["id"]
    elif mutate == "nan":
        nan = float("nan")
        base["cells"][1]["metadata"]["v"] = nan
        remote["cells"][1]["metadata"]["v"] = nan  # same object: Python == says equal, nbdime differs
    elif mutate == "no_cells":
        del remote["cells"]
    assert nbdiff._fast_diff(base, remote, False) is None
    ours, _ = diff_notebooks(base, remote)
    ref = nbdime.diff_notebooks(nbformat.from_dict(base), nbformat.from_dict(remote))
    assert dumps(ours) == dumps(ref)


def test_repeated_identical_cells_next_to_the_edit():
    # Same content, distinct ids: alignment must follow nbdime (ids first), not a content guess.
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "source": "x = 1", "outputs": []}
    base = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [dict(cell, id=f"i{k}") for k in range(5)]}
    for remote_ids in (["i0", "i1", "i3", "i4"], ["i0", "n", "i1", "i2", "i3", "i4"], ["i4", "i0", "i1", "i2", "i3"],
                       ["a", "b", "c", "d", "e"], ["i1", "i0"]):
        remote = dict(base, cells=[dict(cell, id=i) for i in remote_ids])
        check(base, remote)
        check(remote, base)


def test_adjacent_versions_cost_does_not_grow_with_the_notebook(monkeypatch):
    """Counted, not timed: for adjacent versions nbdime aligns only the changed tail and never
    diffs an unchanged cell, so the work does not grow with the notebook (speed:
    benchmarks/diff_speed.py)."""
    aligned, per_cell, whole = [], [], []
    real_at_path, real_whole = nbdiff.nbd.diff_item_at_path, nbdiff.nbdime.diff_notebooks

    def at_path(a, b, path):
        (aligned if path == "/cells" else per_cell).append((len(a), len(b)) if path == "/cells" else path)
        return real_at_path(a, b, path)

    def whole_notebooks(a, b, *args, **kwargs):
        whole.append(len(a.get("cells", [])) + len(b.get("cells", [])))
        return real_whole(a, b, *args, **kwargs)

    monkeypatch.setattr(nbdiff.nbd, "diff_item_at_path", at_path)
    monkeypatch.setattr(nbdiff.nbdime, "diff_notebooks", whole_notebooks)
    for n in (100, 1000):
        aligned.clear(), per_cell.clear(), whole.clear()
        base = big_notebook(n)
        diff, summary = diff_notebooks(base, appended(base))
        assert summary == {"added": [n], "removed": [], "modified": [], "unchanged_count": n}
        assert aligned == [(0, 1)] and per_cell == [], (n, aligned, per_cell)
        assert whole == [0], whole  # nbdime sees the notebooks without their cells only
