"""Migration 0008's online part (its DDL is 0008_search.sql): the search rows of the versions
already there, in batches; the cells' vectors; then the indexes, built concurrently. On a
1 M-version database the refresh and the GIN builds took ~25 s inside the transaction that
created the triggers on `artifacts`, and every writer waited for all of it."""

from __future__ import annotations

from .. import online as ops
from ._search_online import refresh_rows

# 0008's jupyter_artifacts_search_refresh(), second half: every cell with a known owner.
CELLS = ("""
DELETE FROM jupyter_artifacts_search_cells s
 WHERE NOT EXISTS (SELECT 1 FROM notebook_cells c JOIN artifacts o ON o.id = c.notebook_artifact_id
                    WHERE c.notebook_id = s.notebook_id AND c.cell_index = s.cell_index)""", """
INSERT INTO jupyter_artifacts_search_cells AS s (notebook_id, cell_index, artifact_id, code)
SELECT c.notebook_id, c.cell_index, o.artifact_id, jupyter_artifacts_search_code(c.code)
  FROM notebook_cells c JOIN artifacts o ON o.id = c.notebook_artifact_id
ON CONFLICT (notebook_id, cell_index) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, code = EXCLUDED.code
 WHERE (s.artifact_id, s.code) IS DISTINCT FROM (EXCLUDED.artifact_id, EXCLUDED.code)""")

INDEXES = (
    ("jupyter_artifacts_search_head_idx", "ON jupyter_artifacts_search USING gin (head)"),
    ("jupyter_artifacts_search_doc_idx", "ON jupyter_artifacts_search USING gin (doc)"),
    # Newest first: the window of newest rows a search reads before the GIN indexes (see
    # db/artifacts.py); within one type: the notebooks it checks for cells, and the counts of
    # GET /api/artifact-types.
    ("jupyter_artifacts_search_recent_idx", "ON jupyter_artifacts_search (created_at DESC, id DESC)"),
    ("jupyter_artifacts_search_type_idx", "ON jupyter_artifacts_search (artifact_type, created_at DESC, id DESC)"),
    ("jupyter_artifacts_search_artifact_idx", "ON jupyter_artifacts_search (artifact_id)"),
    ("jupyter_artifacts_search_cells_code_idx", "ON jupyter_artifacts_search_cells USING gin (code)"),
    ("jupyter_artifacts_search_cells_artifact_idx", "ON jupyter_artifacts_search_cells (artifact_id)"),
)


async def online(conn) -> None:
    await refresh_rows(conn)
    for statement in CELLS:
        await conn.execute(statement)
    for name, definition in INDEXES:
        await ops.create_index(conn, name, definition)
    # The planner's word frequencies for the new tables (the runner analyzes the older ones).
    await conn.execute("ANALYZE jupyter_artifacts_search, jupyter_artifacts_search_cells")
