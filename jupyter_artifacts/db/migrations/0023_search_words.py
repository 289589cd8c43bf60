"""Migration 0023's online part: the words of every search row written before its triggers, a
batch of rows at a time in key order (each its own short transaction; a crash half-way
repeats the batches, whose inserts change nothing the second time)."""

from __future__ import annotations

from ..online import keyed_batches

BATCH = 2000

ROWS = """
WITH batch AS (
    SELECT id, head, doc FROM jupyter_artifacts_search WHERE id > %(after)s ORDER BY id LIMIT %(batch)s
), added AS (
    INSERT INTO jupyter_artifacts_search_words (word)
    SELECT DISTINCT w.word COLLATE "C"
      FROM batch b CROSS JOIN LATERAL unnest(tsvector_to_array(b.head) || tsvector_to_array(b.doc)) AS w(word)
     ORDER BY 1
    ON CONFLICT DO NOTHING
)
SELECT count(*) AS n, max(id) AS last FROM batch"""


async def online(conn) -> None:
    await keyed_batches(conn, ROWS, {"batch": BATCH})
    await conn.execute("ANALYZE jupyter_artifacts_search_words")
