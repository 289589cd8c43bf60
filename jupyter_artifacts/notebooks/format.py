"""nbformat normalisation, and the split of a notebook into its skeleton and its cells.

A notebook version is stored as its skeleton (nbformat, nbformat_minor, metadata) in
`artifacts.content` and its cells as rows of `notebook_cells`, each owned by the version
that added it; so an append stores one cell, never a copy of the others.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import Any

import nbformat
import nbformat.converter
from nbformat.v4.nbbase import random_cell_id
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

from ..errors import Invalid, excerpt, quote
from ..hashing import canonical_text, normalize_json

OWN_METADATA = "jupyter_artifacts"
CELL_FIELDS = ("id", "cell_type", "metadata", "source", "attachments", "outputs", "execution_count")


def _text(value: Any) -> Any:
    return "".join(value) if isinstance(value, list) else value


def normalize_notebook(data: Any) -> dict:
    """Validate any nbformat-4 notebook and return it as nbformat 4.5: cell ids, every
    `source` and multi-line output text a single string, our own metadata removed.
    Raises Invalid naming the problem."""
    return normalize_with_ids(data)[0]


def carried_ids(data: Any) -> list[bool] | None:
    """Per cell of an nbformat-4 notebook as sent: whether it carries its own id (a non-empty
    string no earlier cell has); None when the cells cannot be told (not a v4 cell list)."""
    cells = data.get("cells") if isinstance(data, dict) and data.get("nbformat") == 4 else None
    if not isinstance(cells, list):
        return None
    seen: set[str] = set()
    out = []
    for cell in cells:
        cid = cell.get("id") if isinstance(cell, dict) else None
        own = isinstance(cid, str) and bool(cid) and cid not in seen
        out.append(own)
        if own:
            seen.add(cid)
    return out


def normalize_with_ids(data: Any, *, validate: bool = True) -> tuple[dict, list[bool]]:
    """`normalize_notebook`, and which of its cells kept an id they carried (the others got a
    new one: nbformat before 4.5 has no cell ids). `validate=False` leaves the schema check
    to the caller (`validate_cells`), e.g. for only the cells a commit did not find stored."""
    if not isinstance(data, dict):
        raise Invalid("The notebook must be a JSON object in nbformat.")
    if data.get("nbformat") not in (3, 4):
        raise Invalid(f"The notebook's nbformat must be 4 (or 3, converted); got {quote(data.get('nbformat'))}.")
    minor = data.get("nbformat_minor", 0)
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        # nbformat asserts on anything else (a float such as 4.0 included): a 400, not a 500.
        raise Invalid(f"The notebook's nbformat_minor must be a whole number like 4 or 5; got {quote(minor)}.")
    try:
        with warnings.catch_warnings():
            # Missing or repeated cell ids are repaired below, as nbformat's warning advises.
            warnings.simplefilter("ignore", MissingIDFieldWarning)
            warnings.simplefilter("ignore", DuplicateCellId)
            # nbformat's reader on the parsed value (lines rejoined, transient keys dropped, into
            # new containers), converted (v3 to v4), without nbformat.reads' own validation: the
            # one after the repairs is the one that counts (each costs ~20-35 ms per 1,000 cells).
            nb = nbformat.converter.convert(
                nbformat.versions[data["nbformat"]].to_notebook_json(data, minor=data.get("nbformat_minor", 0)), 4)
    except Exception as e:  # nbformat raises many kinds for unreadable input
        raise Invalid(f"The notebook cannot be read as nbformat: {_first_line(e)}.") from None
    nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)
    seen: set[str] = set()
    for cell in nb.cells:
        cid = cell.get("id")
        if not isinstance(cid, str) or not cid or cid in seen:
            cid = random_cell_id()
        cell["id"] = cid
        seen.add(cid)
        cell["source"] = _text(cell.get("source", ""))
    nb.metadata.pop(OWN_METADATA, None)
    if validate:
        _validate(nb)
    carried = carried_ids(data)
    if carried is None or len(carried) != len(nb.cells):
        carried = [False] * len(nb.cells)
    return normalize_json(nb, "notebook"), carried  # plain dicts and lists (normalize_json rebuilds them)


def _validate(nb) -> None:
    try:
        nbformat.validate(nb, version=4)
    except nbformat.ValidationError as e:
        raise Invalid(f"The notebook is not valid nbformat 4.5: {_first_line(e)}.") from None


def validate_cells(nb: dict, cells: list[dict]) -> None:
    """nbformat's schema check of `nb` (normalised) with only `cells` as its cells: the
    notebook's own fields and those cells (the others are known valid, stored as they are)."""
    _validate(assemble(skeleton(nb), cells))


def _first_line(e: Exception) -> str:
    # jsonschema's messages quote the offending value, which may be megabytes long.
    text = str(e).strip().splitlines()
    return excerpt((text[0] if text else type(e).__name__).rstrip("."), 200)


def make_cell(cell_type: str, source: str, *, outputs: list | None = None,
              execution_count: int | None = None, metadata: dict | None = None, cell_id: str | None = None) -> dict:
    cell: dict = {"id": cell_id or random_cell_id(), "cell_type": cell_type, "metadata": metadata or {},
                  "source": source}
    if cell_type == "code":
        cell["outputs"] = outputs or []
        cell["execution_count"] = execution_count
    return cell


def validate_cell(cell: dict) -> None:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    try:
        nbformat.validate(nb, version=4)
    except nbformat.ValidationError as e:
        raise Invalid(f"The cell is not valid nbformat: {_first_line(e)}.") from None


def skeleton(nb: dict) -> dict:
    return {k: v for k, v in nb.items() if k != "cells"}


def assemble(skel: dict, cells: list[dict]) -> dict:
    return {**skel, "cells": cells}


def plain_text(outputs: list[dict]) -> str | None:
    """The outputs as plain text, for older readers of `notebook_cells.output`."""
    parts = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(_text(out.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "text/plain" in data:
                parts.append(_text(data["text/plain"]))
        elif kind == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
    return "\n".join(p.rstrip("\n") for p in parts) if parts else None


def legacy_cell(index: int, cell_type: str, code: str | None, output: str | None) -> dict:
    """An adopted legacy cell: id `legacy-<index>`, its output text as one stdout stream."""
    cell_type = cell_type if cell_type in ("code", "markdown", "raw") else "raw"
    cell = {"id": f"legacy-{index}", "cell_type": cell_type, "metadata": {}, "source": code or ""}
    if cell_type == "code":
        cell["outputs"] = ([{"output_type": "stream", "name": "stdout", "text": output}]
                           if output is not None else [])
        cell["execution_count"] = None
    return cell


def empty_notebook(kernel_name: str = "python3", display_name: str = "Python 3") -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "cells": [],
            "metadata": {"kernelspec": {"name": kernel_name, "display_name": display_name,
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


def with_own_metadata(nb: dict, artifact_id: str, version_number: int, content_hash: str | None) -> dict:
    """The notebook as served for download: carries which version it is."""
    meta = {**nb.get("metadata", {}), OWN_METADATA: {"artifact_id": artifact_id,
                                                     "version_number": version_number,
                                                     "content_hash": content_hash}}
    return {**nb, "metadata": meta}


def render_key(nb: dict) -> str:
    # canonical_text refuses (TooDeep) a stored subtree too deep to render.
    return "sha256:" + hashlib.sha256(canonical_text(nb).encode()).hexdigest()
