"""A notebook version's content: its stored skeleton plus the cells its chain added."""

from __future__ import annotations

from ..db import notebooks as nb_store
from .format import assemble


def row_to_cell(r: dict) -> dict:
    cell = {"id": r["cell_id"] or f"legacy-{r['cell_index']}", "cell_type": r["cell_type"],
            "metadata": r["cell_metadata"] or {}, "source": r["code"] or ""}
    if r["cell_type"] == "code":
        if r["outputs"] is not None:
            outputs = r["outputs"]
        else:  # a cell another service wrote with only the text column
            outputs = [{"output_type": "stream", "name": "stdout", "text": r["output"]}] if r["output"] else []
        cell["outputs"] = outputs
        cell["execution_count"] = r["execution_count"]
    elif r["attachments"] is not None:
        cell["attachments"] = r["attachments"]
    return cell


async def version_cells(conn, artifact_id: str, version_number: int) -> list[dict]:
    return [row_to_cell(r) for r in await nb_store.cells_of_version(conn, artifact_id, version_number)]


async def notebook_content(conn, row: dict) -> dict | None:
    """The whole notebook of a version row (None where an adopted version's content is unknown)."""
    skel = row.get("content")
    if not isinstance(skel, dict) or row["version_number"] is None:
        return skel
    return assemble({k: v for k, v in skel.items() if k != "cells"},
                    await version_cells(conn, row["artifact_id"], row["version_number"]))


async def notebook_contents(conn, rows: list[dict]) -> list[dict | None]:
    """`notebook_content` of several versions of one notebook, with one query for their cells:
    a version holds the cells its chain stored from its latest snapshot up to it (a diff reads two)."""
    numbers = [r["version_number"] for r in rows if isinstance(r.get("content"), dict)
               and r["version_number"] is not None]
    if not numbers:
        return [r.get("content") for r in rows]
    artifact_id = rows[0]["artifact_id"]
    bases = await nb_store.snapshot_bases(conn, artifact_id, numbers)
    stored = await nb_store.cells_between(conn, artifact_id, min(bases.values()), max(numbers))
    cells = [(r["added_in"], row_to_cell(r)) for r in stored]
    out = []
    for row in rows:
        skel = row.get("content")
        if not isinstance(skel, dict) or row["version_number"] is None:
            out.append(skel)
            continue
        n = row["version_number"]
        out.append(assemble({k: v for k, v in skel.items() if k != "cells"},
                            [cell for added_in, cell in cells if bases[n] <= added_in <= n]))
    return out
