"""Migration 0002's online part (its DDL is 0002_notebooks.sql): the index of the cells' owners,
built concurrently (a legacy database may hold millions of cells, and a plain build blocks
every writer of the table while it runs)."""

from __future__ import annotations

from .. import online as ops


async def online(conn) -> None:
    await ops.create_index(conn, "notebook_cells_owner_idx", "ON notebook_cells (notebook_artifact_id)")
