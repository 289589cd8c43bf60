"""Three-way notebook merges and cell alignment, by nbdime (never a merge of our own).

nbdime's `merge_notebooks(base, local, remote)` returns `(merged, decisions)` from 2.0 on
(older releases returned `(resolved, local_diffs, remote_diffs)`); pyproject pins
`nbdime>=4,<5`. It is `decide_notebook_merge` followed by `apply_decisions`; calling the two
here gives the same notebook with the decisions at hand, so a merge costs one nbdime merge.
With its default arguments nbdime resolves what it can and marks the rest as conflicts
(`conflict: true`), writing inline markers into the merged notebook; a merge with any
conflict is not stored (API.md), so those markers are never a version's content.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
from dataclasses import dataclass
from typing import Any

import nbformat
from nbdime.diff_format import DiffOp
from nbdime.diffing import notebooks as nbd
from nbdime.merging.decisions import apply_decisions
from nbdime.merging.notebooks import decide_notebook_merge
from nbdime.nbmergeapp import _build_arg_parser

from ..errors import Conflict
from .diff import nbdime_stock

log = logging.getLogger("jupyter_artifacts")


@dataclass
class Merge:
    merged: dict
    decisions: list[dict]  # as JSON (nbdime's MergeDecision objects, serialised)
    conflicts: int


def _plain(value: Any) -> Any:
    """nbdime's objects (NotebookNode, MergeDecision, DiffEntry) as plain JSON values."""
    return json.loads(json.dumps(value))


def _decide(b, lo, r) -> list:
    """nbdime's decisions with its default arguments, or its mergetool's where those fail."""
    try:
        return decide_notebook_merge(b, lo, r)
    except Exception as e:  # nbdime's own bug on some output conflicts (see above)
        log.info("jupyter_artifacts: nbdime's default merge failed (%s: %s); using its mergetool strategy",
                 type(e).__name__, e)
    args = _build_arg_parser().parse_args(["", "", ""])
    args.merge_strategy = "mergetool"
    try:
        return decide_notebook_merge(b, lo, r, args=args)
    except Exception as e:
        log.warning("jupyter_artifacts: nbdime cannot merge these notebooks", exc_info=True)
        raise Conflict(f"nbdime cannot merge these versions ({type(e).__name__}); merge them by hand and send "
                       "the result as `resolved`.") from None


def _inputs(*nbs: dict) -> list:
    # from_dict builds new containers all the way down (strings are shared, and immutable), so
    # nbdime never touches the caller's notebooks; a JSON round trip here would cost as much
    # again as a fifth of the merge (1,000 cells).
    return [nbformat.from_dict(nb) for nb in nbs]


@contextlib.contextmanager
def collector_paused():
    """Reading three 1,000-cell notebooks and nbdime's merge of them make hundreds of thousands
    of short-lived objects, and in a server holding many more, each full collection they
    trigger walks them all: measured, a sixth of a merge's time. Reference counting frees
    them as usual; the cyclic collector resumes (if it was on) when the merge ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def merge_notebooks(base: dict, local: dict, remote: dict) -> Merge:
    """nbdime's three-way merge; the inputs are not modified (nbdime sees copies). `merged` is
    nbdime's NotebookNode (a dict), built of the copies: the caller owns it."""
    with nbdime_stock(), collector_paused():
        b, lo, r = _inputs(base, local, remote)
        decisions = _decide(b, lo, r)
        merged = apply_decisions(b, decisions)
    plain = _plain(decisions)
    return Merge(merged=merged, decisions=plain, conflicts=sum(1 for d in plain if d.get("conflict")))


def decide(base: dict, local: dict, remote: dict) -> tuple[list[dict], int]:
    """Only nbdime's decisions (what a person resolving conflicts needs) and the conflict count."""
    with nbdime_stock():
        decisions = _decide(*_inputs(base, local, remote))
    plain = _plain(decisions)
    return plain, sum(1 for d in plain if d.get("conflict"))


def align_cells(old: list[dict], new: list[dict]) -> list[tuple[int, int]]:
    """Pairs (i, j): cell i of `old` is cell j of `new` as nbdime aligns them (unchanged, or
    patched: the same cell, modified). Cells nbdime sees as removed or added are in no pair."""
    with nbdime_stock():
        ops = nbd.diff_item_at_path([nbformat.from_dict(c) for c in old], [nbformat.from_dict(c) for c in new],
                                    "/cells")
    pairs: list[tuple[int, int]] = []
    i = j = 0
    for e in ops:
        while i < e["key"]:  # unchanged cells before this entry
            pairs.append((i, j))
            i, j = i + 1, j + 1
        if e["op"] == DiffOp.ADDRANGE:
            j += len(e["valuelist"])
        elif e["op"] == DiffOp.REMOVERANGE:
            i += e["length"]
        elif e["op"] == DiffOp.PATCH:
            pairs.append((i, j))
            i, j = i + 1, j + 1
    while i < len(old) and j < len(new):
        pairs.append((i, j))
        i, j = i + 1, j + 1
    return pairs


def inherit_cell_ids(parent: dict | None, nb: dict, carried: list[bool]) -> dict:
    """Give the cells that came without an id (nbformat 4.0-4.4 files) the id of the parent's
    cell nbdime aligns them with, so an edited cell stays the same cell (a modification, not a
    removal and an addition). Ids a cell carried are kept; an id is never given twice."""
    if all(carried) or not isinstance(parent, dict) or not parent.get("cells"):
        return nb
    cells = [dict(c) for c in nb["cells"]]
    used = {c["id"] for c, own in zip(cells, carried) if own}
    for i, j in align_cells(parent["cells"], cells):
        pid = parent["cells"][i].get("id")
        if not carried[j] and isinstance(pid, str) and pid not in used:
            cells[j]["id"] = pid
            used.add(pid)
    # Any id still shared (a random one equal to an inherited one: vanishingly rare) is renewed.
    seen: set[str] = set()
    for c, own in zip(cells, carried):
        if c["id"] in seen and not own:
            c["id"] = nbformat.v4.nbbase.random_cell_id()
        seen.add(c["id"])
    return {**nb, "cells": cells}
