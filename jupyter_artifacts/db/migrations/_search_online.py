"""The online fill of the search table, shared by migrations 0008 and 0012 (each runs it with
the vector functions it defines): a batch of latest versions at a time in key order, each its
own short transaction, so a writer whose trigger demotes a version's search row waits at most
for one batch. What the batches race with (a version demoted after its batch read it) the
second sweep of rows no longer latest removes."""

from __future__ import annotations

from ..online import keyed_batches

BATCH = 2000

STALE = """
DELETE FROM jupyter_artifacts_search s
 WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = s.id AND a.is_latest)"""

ROWS = """
WITH batch AS (
    SELECT id, artifact_id, artifact_type, created_at, title, content FROM artifacts
     WHERE is_latest AND id > %(after)s ORDER BY id LIMIT %(batch)s
), written AS (
    INSERT INTO jupyter_artifacts_search AS s (id, artifact_id, artifact_type, created_at, head, doc)
    SELECT id, artifact_id, artifact_type, created_at, jupyter_artifacts_search_head(artifact_id, title),
           jupyter_artifacts_search_doc(artifact_id, title, content)
      FROM batch
    ON CONFLICT (id) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, artifact_type = EXCLUDED.artifact_type,
                                   created_at = EXCLUDED.created_at, head = EXCLUDED.head, doc = EXCLUDED.doc
     WHERE (s.artifact_id, s.artifact_type, s.created_at, s.head, s.doc)
           IS DISTINCT FROM (EXCLUDED.artifact_id, EXCLUDED.artifact_type, EXCLUDED.created_at, EXCLUDED.head,
                             EXCLUDED.doc)
)
SELECT count(*) AS n, max(id) AS last FROM batch"""


async def refresh_rows(conn) -> int:
    """jupyter_artifacts_search_refresh()'s first part (one row per latest version), batched."""
    await conn.execute(STALE)
    n = await keyed_batches(conn, ROWS, {"batch": BATCH})
    await conn.execute(STALE)
    return n
