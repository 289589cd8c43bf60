"""notebooks/merge.py: nbdime's merge and cell alignment, as the services use them."""

from __future__ import annotations

import copy
import json

import nbformat
from nbdime.merging.notebooks import merge_notebooks as nbdime_merge

from jupyter_artifacts.notebooks.merge import align_cells, decide, inherit_cell_ids, merge_notebooks


def cell(cid, source, outputs=(), count=None) -> dict:
    return {"id": cid, "cell_type": "code", "source": source, "metadata": {}, "outputs": list(outputs),
            "execution_count": count}


def nb(*cells) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}},
            "cells": [copy.deepcopy(c) for c in cells]}


def stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_a_clean_merge_is_nbdimes_and_leaves_its_inputs_alone():
    base = nb(cell("a", "x = 1"), cell("b", "y = 2"), cell("c", "z = 3"))
    local = nb(cell("a", "x = 10"), cell("b", "y = 2"), cell("c", "z = 3"))
    remote = nb(cell("a", "x = 1"), cell("b", "y = 2"), cell("c", "z = 30"), cell("d", "w = 4"))
    frozen = json.dumps([base, local, remote])
    result = merge_notebooks(base, local, remote)
    expected, decisions = nbdime_merge(*(nbformat.from_dict(copy.deepcopy(x)) for x in (base, local, remote)))
    assert result.conflicts == 0
    assert result.merged == json.loads(json.dumps(expected))
    assert result.decisions == json.loads(json.dumps(decisions))
    assert json.dumps([base, local, remote]) == frozen


def test_outputs_both_sides_added_are_a_conflict_not_a_crash():
    """nbdime 4.0's inline strategy raises IndexError here; the merge still answers, as a conflict."""
    base = nb(cell("a", "print(1)", [stream("1\n")], 1))
    local = nb(cell("a", "print(1)", [stream("1\n"), stream("local\n")], 1))
    remote = nb(cell("a", "print(1)", [stream("1\n"), stream("remote\n")], 1))
    result = merge_notebooks(base, local, remote)
    assert result.conflicts == 1 and result.decisions[0]["common_path"] == ["cells", 0, "outputs"]
    assert decide(base, local, remote)[1] == 1


def test_execution_counts_are_transient():
    """Both sides ran the same cell again: same outputs, other counts. No conflict; the count is cleared."""
    out = {"output_type": "execute_result", "data": {"text/plain": "1"}, "metadata": {}, "execution_count": 1}
    base = nb(cell("a", "x", [out], 1))
    local = nb(cell("a", "x", [{**out, "execution_count": 3}], 3))
    remote = nb(cell("a", "x", [{**out, "execution_count": 7}], 7))
    result = merge_notebooks(base, local, remote)
    assert result.conflicts == 0 and result.merged["cells"][0]["execution_count"] is None


def test_align_cells_pairs_the_same_cells():
    old = [cell("a", "import numpy as np"), cell("b", "x = np.arange(10)"), cell("c", "x.sum()")]
    new = [cell("n0", "# Sums"), cell("n1", "import numpy as np"), cell("n2", "x = np.arange(20)"), cell("n3", "x.sum()")]
    assert align_cells(old, new) == [(0, 1), (1, 2), (2, 3)]


def test_cells_without_ids_inherit_their_parents_ids():
    parent = nb(cell("a", "import numpy as np"), cell("b", "x = np.arange(10)"), cell("c", "x.sum()"))
    edited = nb(cell("r0", "# Sums"), cell("r1", "import numpy as np"), cell("keep", "x = np.arange(20)"),
                cell("r3", "x.sum()"))
    got = inherit_cell_ids(parent, edited, [False, False, True, False])
    assert [c["id"] for c in got["cells"]] == ["r0", "a", "keep", "c"]
    # All carried: nothing to do.
    assert inherit_cell_ids(parent, edited, [True] * 4) is edited


def test_what_the_readme_says_about_outputs():
    """README, "What happens to outputs": each sentence, as nbdime does it."""
    def out(text, count):
        return {"output_type": "execute_result", "data": {"text/plain": text}, "metadata": {},
                "execution_count": count}

    base = nb(cell("a", "x", [out("1", 1)], 1))
    # Run again on one side only: that side's outputs and count.
    rerun = nb(cell("a", "x", [out("2", 5)], 5))
    assert merge_notebooks(base, rerun, base).merged["cells"][0] == rerun["cells"][0]
    # Both changed the outputs differently: a conflict on the outputs.
    result = merge_notebooks(base, rerun, nb(cell("a", "x", [out("3", 7)], 7)))
    assert result.conflicts == 1
    # Source edited on one side, run again on the other: both taken, outputs not from the new source.
    merged = merge_notebooks(base, nb(cell("a", "x * 2", [out("1", 1)], 1)), rerun).merged["cells"][0]
    assert (merged["source"], merged["outputs"], merged["execution_count"]) == ("x * 2", [out("2", 5)], 5)
    # Outputs cleared on one side, source edited on the other: both taken.
    merged = merge_notebooks(base, nb(cell("a", "x", [], None)), nb(cell("a", "x + 1", [out("1", 1)], 1)))
    assert (merged.merged["cells"][0]["source"], merged.merged["cells"][0]["outputs"]) == ("x + 1", [])
