"""Fast, nbdime-identical diffs of two notebook versions.

`diff_notebooks(base, remote)` returns exactly (JSON-equal) what `nbdime.diff_notebooks` returns
for the two notebooks (converted with `nbformat.from_dict`, which nbdime needs: it reads outputs by
attribute), or, with ``ignore_outputs=True``, what nbdime returns when configured like its CLI's
``--ignore-outputs`` (``set_notebook_diff_targets(outputs=False)``), plus a per-cell summary.

Why it is fast, and why the result is the same
----------------------------------------------
nbdime aligns the ``/cells`` lists with a multilevel LCS whose most precise level matches cells by
``id`` (an O(N*M) brute-force LCS per level), then recurses with coarser predicates only *between*
the id-matched runs ("snakes"), and finally patches every aligned pair with the per-cell differ.

When every cell of both notebooks has a string ``id`` that is unique within its notebook, the id
predicate is a partial one-to-one matching.  Let the first ``p`` cells of both notebooks have
pairwise equal ids and the last ``s`` cells too.  Those prefix cells cannot match any other cell by
id (uniqueness), so the LCS table of the whole problem is ``p`` plus the table of the trimmed
("core") problem in the core region, and nbdime's backtracking (which starts at the end and takes
the diagonal whenever the cells match) walks the suffix diagonally, then takes exactly the same
steps as on the core alone, then walks the prefix diagonally.  The coarser levels only ever look at
gaps between id snakes, which all lie inside the core, and only at the cells in those gaps.  Hence:

    nbdime's /cells diff == patches of the prefix pairs
                          + nbdime's /cells diff of the core, keys shifted by p
                          + patches of the suffix pairs (keys = their base indices)

in that order (it is the order nbdime's SequenceDiffBuilder produces: keys never decrease).  A
prefix/suffix pair whose cells are equal (Python ``==``; NaN, for which ``==`` and nbdime's
comparisons disagree, sends us to the fallback) has an empty patch; the others are diffed by nbdime's
own per-cell differ.  The non-cell part of the notebook (metadata, nbformat, ...) is diffed by
nbdime on the notebooks without their cells, and the ``cells`` patch is merged in by key, as
nbdime's MappingDiffBuilder orders a dict diff.

Fallback: anything outside that argument -- a cell without a string ``id``, duplicate ids, a cell
that is not a dict, ``cells`` missing or not a list, NaN or non-JSON values in the cells, or nbdime's
``/cells`` differ/predicates not being the stock ones -- is diffed by nbdime on the whole notebooks.

Global state
------------
nbdime's "what to ignore" switches are module globals (``notebook_differs``).  Every call takes one
module lock, and while holding it puts nbdime in the wanted state (stock defaults, plus outputs
ignored when asked), computes, and restores exactly the previous state.  When nbdime is already in
the wanted state (the normal case for ``ignore_outputs=False``) nothing is touched.  Code calling
nbdime directly, outside this module, during an ``ignore_outputs=True`` call may observe the
temporary configuration; route notebook diffs through this module to avoid that.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import nbdime
import nbformat
from nbdime.diff_format import DiffEntry, DiffOp, op_patch
from nbdime.diffing import notebooks as nbd
from nbdime.diffing.generic import diff as generic_diff
from nbdime.diffing.generic import diff_sequence_multilevel

__all__ = ["diff_notebooks", "nbdime_stock", "summarize_cells_diff"]

_LOCK = threading.Lock()
_OUTPUTS_PATH = "/cells/*/outputs"


# ---------------------------------------------------------------------------------------------
# nbdime configuration handling


def _default_differ(path: str):
    return nbd.notebook_differs.default_values.get(path, generic_diff)


def _overrides() -> dict:
    """The entries of nbdime's differ table that differ from its stock defaults."""
    return {k: v for k, v in dict(nbd.notebook_differs).items() if v is not _default_differ(k)}


def _wanted_overrides(ignore_outputs: bool) -> dict:
    return {_OUTPUTS_PATH: nbd.diff_ignore} if ignore_outputs else {}


class _NbdimeConfigured:
    """Holds the lock and puts nbdime's global differ table in the wanted state, then restores it."""

    def __init__(self, ignore_outputs: bool):
        self.ignore_outputs = ignore_outputs
        self.saved: dict | None = None

    def __enter__(self):
        _LOCK.acquire()
        try:
            if _overrides() != _wanted_overrides(self.ignore_outputs):
                self.saved = dict(nbd.notebook_differs)
                nbd.reset_notebook_differ()
                if self.ignore_outputs:
                    # Exactly what `nbdiff --ignore-outputs` does (nbdime.args.process_diff_flags).
                    nbd.set_notebook_diff_targets(sources=True, outputs=False, attachments=True,
                                                  metadata=True, identifier=True, details=True)
        except BaseException:
            self._restore()
            _LOCK.release()
            raise
        return self

    def _restore(self):
        if self.saved is not None:
            nbd.reset_notebook_differ()
            nbd.notebook_differs.update(self.saved)
            self.saved = None

    def __exit__(self, *exc):
        try:
            self._restore()
        finally:
            _LOCK.release()
        return False


def nbdime_stock():
    """nbdime in its stock configuration for the duration of a `with` block (merges and
    alignments call nbdime's own functions, which read the same module globals)."""
    return _NbdimeConfigured(False)


def _stock_cells_alignment() -> bool:
    """Whether nbdime aligns /cells the way the fast path's argument assumes."""
    cfg = nbd.notebook_config
    preds = cfg.predicates["/cells"]
    return (
        cfg.differs is nbd.notebook_differs
        and cfg.differs["/cells"] is diff_sequence_multilevel
        and len(preds) >= 1
        and preds[-1] is nbd.compare_cell_by_ids
        and not cfg.is_atomic([], "/cells")
    )


# ---------------------------------------------------------------------------------------------
# fast path


def _cell_ids(cells: list) -> list | None:
    ids = []
    for c in cells:
        if not isinstance(c, dict):
            return None
        i = c.get("id")
        if not isinstance(i, str):
            return None
        ids.append(i)
    if len(set(ids)) != len(ids):
        return None
    return ids


def _json_safe(value: Any) -> bool:
    """No NaN/Infinity and only JSON types (where Python == agrees with nbdime's comparisons)."""
    try:
        json.dumps(value, allow_nan=False, check_circular=False)
    except (ValueError, TypeError, RecursionError):
        return False
    return True


def _without_outputs(cell: dict) -> dict:
    return {k: v for k, v in cell.items() if k != "outputs"}


def _same_cell(a: dict, b: dict, ignore_outputs: bool) -> bool:
    """True only if nbdime's per-cell diff of a and b is certainly empty."""
    if a == b:
        return True
    if ignore_outputs:
        ao, bo = a.get("outputs"), b.get("outputs")
        # Both outputs lists: nbdime's /cells/*/outputs differ is diff_ignore, so they don't count.
        if isinstance(ao, list) and isinstance(bo, list):
            return _without_outputs(a) == _without_outputs(b)
    return False


def _shifted(entry: DiffEntry, offset: int) -> DiffEntry:
    e = DiffEntry(entry)
    e["key"] = entry["key"] + offset
    return e


def _fast_diff(base: dict, remote: dict, ignore_outputs: bool) -> list | None:
    """nbdime's diff assembled from pieces, or None when the fast path cannot vouch for it."""
    if "cells" not in base or "cells" not in remote:
        return None
    a_cells, b_cells = base["cells"], remote["cells"]
    if not isinstance(a_cells, list) or not isinstance(b_cells, list):
        return None
    a_ids, b_ids = _cell_ids(a_cells), _cell_ids(b_cells)
    if a_ids is None or b_ids is None:
        return None
    if not _stock_cells_alignment():
        return None
    if not (_json_safe(a_cells) and _json_safe(b_cells)):
        return None

    n, m = len(a_cells), len(b_cells)
    lim = min(n, m)
    p = 0
    while p < lim and a_ids[p] == b_ids[p]:
        p += 1
    s = 0
    while s < lim - p and a_ids[n - 1 - s] == b_ids[m - 1 - s]:
        s += 1

    def pair_patches(pairs) -> list:
        out = []
        for i, j in pairs:
            a, b = a_cells[i], b_cells[j]
            if _same_cell(a, b, ignore_outputs):
                continue
            cd = nbd.diff_item_at_path(nbformat.from_dict(a), nbformat.from_dict(b), "/cells/*")
            if cd:
                out.append(op_patch(i, cd))
        return out

    cells_diff = pair_patches((k, k) for k in range(p))
    core_a = [nbformat.from_dict(c) for c in a_cells[p:n - s]]
    core_b = [nbformat.from_dict(c) for c in b_cells[p:m - s]]
    if core_a or core_b:
        core = nbd.diff_item_at_path(core_a, core_b, "/cells")
        cells_diff.extend(_shifted(e, p) for e in core)
    cells_diff.extend(pair_patches((n - s + k, m - s + k) for k in range(s)))

    # Everything but the cells, diffed by nbdime itself (cells: [] vs [] gives no entry).
    rest = nbdime.diff_notebooks(
        nbformat.from_dict({k: v for k, v in base.items() if k != "cells"}),
        nbformat.from_dict({k: v for k, v in remote.items() if k != "cells"}),
    )
    if any(e["key"] == "cells" for e in rest):  # cannot happen; be safe
        return None
    if cells_diff:
        rest.append(op_patch("cells", cells_diff))
        rest.sort(key=lambda e: e["key"])  # MappingDiffBuilder.validated() order
    return rest


# ---------------------------------------------------------------------------------------------
# summary


def summarize_cells_diff(diff: list, n_base: int, n_remote: int) -> dict:
    """added/modified: indices in remote; removed: indices in base; unchanged_count.

    n_base/n_remote are the lengths of the cell lists (0 where there is no list).
    """
    added: list[int] = []
    removed: list[int] = []
    modified: list[int] = []
    cells_diff: list = []
    for e in diff:
        if e["key"] == "cells":
            if e["op"] == DiffOp.PATCH:
                cells_diff = e["diff"]
            else:  # the cells entry added/removed/replaced as a whole: not a real notebook
                removed = list(range(n_base)) if e["op"] != DiffOp.ADD else []
                added = list(range(n_remote)) if e["op"] != DiffOp.REMOVE else []
                return {"added": added, "removed": removed, "modified": [], "unchanged_count": 0}
    i = j = 0  # position in base, in remote
    for e in cells_diff:
        k = e["key"]
        j += k - i
        i = k
        op = e["op"]
        if op == DiffOp.ADDRANGE:
            cnt = len(e["valuelist"])
            added.extend(range(j, j + cnt))
            j += cnt
        elif op == DiffOp.REMOVERANGE:
            cnt = e["length"]
            removed.extend(range(i, i + cnt))
            i += cnt
        elif op == DiffOp.PATCH:
            modified.append(j)
            i += 1
            j += 1
        else:
            raise ValueError(f"unexpected op {op!r} in a cells diff")
    unchanged = n_base - len(removed) - len(modified)
    return {"added": added, "removed": removed, "modified": modified, "unchanged_count": unchanged}


# ---------------------------------------------------------------------------------------------
# public entry point


def diff_notebooks(base: dict, remote: dict, *, ignore_outputs: bool = False) -> tuple[list, dict]:
    """(diff, summary). diff is JSON-equal to nbdime's diff_notebooks(base, remote) (outputs ignored
    when asked). summary = {"added": [indices in remote], "removed": [indices in base],
    "modified": [indices in remote], "unchanged_count": int}.

    The inputs are not modified (nbdime only ever sees copies made by `nbformat.from_dict`).
    """
    if not (isinstance(base, dict) and isinstance(remote, dict)):
        raise TypeError(f"Expected notebooks as dicts, got {type(base)!r} and {type(remote)!r}")
    with _NbdimeConfigured(ignore_outputs):
        d = _fast_diff(base, remote, ignore_outputs)
        if d is None:
            d = nbdime.diff_notebooks(nbformat.from_dict(base), nbformat.from_dict(remote))
    return d, summarize_cells_diff(d, _n_cells(base), _n_cells(remote))


def _n_cells(nb: dict) -> int:
    cells = nb.get("cells")
    return len(cells) if isinstance(cells, list) else 0
