"""Migration 0012's online part (its DDL is 0012_search_across.sql): every latest version's
vectors recomputed with the new functions, in batches (the refresh of 1 M versions ran inside
the transaction that re-created the triggers on `artifacts`, and held every writer back until
it ended); then the cells, their words and `whole` (notebooks only); then the index of `whole`,
built concurrently."""

from __future__ import annotations

from .. import online as ops
from ._search_online import refresh_rows


async def online(conn) -> None:
    await refresh_rows(conn)
    await conn.execute("SELECT jupyter_artifacts_search_refresh_cells()")
    # `whole` only where there are cells; a query reads it for the notebooks the other vectors miss.
    await ops.create_index(conn, "jupyter_artifacts_search_whole_idx",
                           "ON jupyter_artifacts_search USING gin (whole) WHERE whole IS NOT NULL")
    await conn.execute("ANALYZE jupyter_artifacts_search, jupyter_artifacts_search_cells, "
                       "jupyter_artifacts_search_cellwords")
