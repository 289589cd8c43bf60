"""Migration 0021: the search table's indexes of recency, one per order a search reads.

A search filtered by type walks that type's newest rows (db/search.py), in the search's order
(0016: newest first, one created_at's rows by a hash of the id), which 0008's type index
(`artifact_type, created_at, id`) does not give: one index in that order, by type, replaces it.
It also serves the notebooks' walk (`artifact_type = 'notebook'`), so 0016's partial index of
notebooks goes, and 0008's `created_at, id` index, which no query reads since 0016: two
indexes fewer for every version written (a cell append rewrites its notebook's row in each).

No transaction part; online: one index built concurrently, three dropped concurrently. Safe to
repeat (IF NOT EXISTS, IF EXISTS; an interrupted build's INVALID index is dropped first)."""

from __future__ import annotations

from .. import online as ops

TABLE = "jupyter_artifacts_search"
REPLACED = ("jupyter_artifacts_search_type_idx", "jupyter_artifacts_search_newest_notebooks_idx",
            "jupyter_artifacts_search_recent_idx")


async def migrate(conn) -> None:
    """Nothing in the transaction: the index work is all online."""


async def online(conn) -> None:
    await ops.create_index(conn, "jupyter_artifacts_search_type_newest_idx",
                           f"ON {TABLE} (artifact_type, created_at DESC, hashtext(id) DESC, id DESC)")
    for name in REPLACED:
        await ops.drop_index(conn, name, TABLE)
