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
    """`notebook_content` of several versions of one notebook. Without snapshots (appends only)
    their cells come in one query: an earlier version's cells are those the latest added up to it
    (a diff reads two); a chain with snapshots reads each version's own list."""
    numbers = [r["version_number"] for r in rows if isinstance(r.get("content"), dict)
               and r["version_number"] is not None]
    if not numbers:
        return [r.get("content") for r in rows]
    artifact_id = rows[0]["artifact_id"]
    if await nb_store.has_snapshots(conn, artifact_id, max(numbers)):
        # Each version's places, then every stored cell they name once (versions share most;
        # their notebooks share those cells' dicts: readers never modify them).
        places = {n: await nb_store.cell_places(conn, artifact_id, n) for n in set(numbers)}
        keys = list({(p["notebook_id"], p["cell_index"]) for ps in places.values() for p in ps})
        found = await nb_store.cells_at(conn, [{"notebook_id": a, "cell_index": i} for a, i in keys])
        cell = {(r["notebook_id"], r["cell_index"]): row_to_cell(r) for r in found}
        return [assemble({k: v for k, v in row["content"].items() if k != "cells"},
                         [cell[(p["notebook_id"], p["cell_index"])] for p in places[row["version_number"]]])
                if isinstance(row.get("content"), dict) and row["version_number"] is not None else row.get("content")
                for row in rows]
    cells = [(r["added_in"], row_to_cell(r)) for r in await nb_store.cells_up_to(conn, artifact_id, max(numbers))]
    out = []
    for row in rows:
        skel = row.get("content")
        if not isinstance(skel, dict) or row["version_number"] is None:
            out.append(skel)
            continue
        n = row["version_number"]
        out.append(assemble({k: v for k, v in skel.items() if k != "cells"},
                            [cell for added_in, cell in cells if added_in <= n]))
    return out
