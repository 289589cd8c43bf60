"""Migration 0006's online part (its DDL is 0006_chambers_debates.sql): the legacy debates
adopted in batches, each its own short transaction, then the pin check added (a brief lock)
and validated (a scan that blocks no writer), then the indexes, built concurrently."""

from __future__ import annotations

from .. import online as ops

BATCH = 2000

# Older rounds name their speaker in persona_id.
SPEAKERS = """
UPDATE debate_rounds SET actor_type = 'persona', actor_id = persona_id
 WHERE actor_id IS NULL AND persona_id IS NOT NULL
   AND ctid = ANY (ARRAY(SELECT ctid FROM debate_rounds WHERE actor_id IS NULL AND persona_id IS NOT NULL
                          LIMIT %(batch)s))"""

# num_rounds follows the rounds (the triggers keep it for rounds written from now on).
ROUND_COUNTS = """
WITH batch AS (
    SELECT id FROM debate_sessions WHERE id > %(after)s ORDER BY id LIMIT %(batch)s
), counted AS (
    UPDATE debate_sessions s SET num_rounds = (SELECT count(*) FROM debate_rounds r WHERE r.session_id = s.id)
      FROM batch
     WHERE s.id = batch.id
       AND s.num_rounds IS DISTINCT FROM (SELECT count(*) FROM debate_rounds r WHERE r.session_id = s.id)
    RETURNING 1
)
SELECT (SELECT count(*) FROM counted) AS n, (SELECT max(id) FROM batch) AS last"""

# Legacy debates: pinned once to their target's latest version as of their start.
PINS = """
WITH batch AS (
    SELECT id FROM debate_sessions WHERE id > %(after)s ORDER BY id LIMIT %(batch)s
), pinned AS (
    UPDATE debate_sessions d
       SET target_artifact_version = v.version_number::text,
           target_content_hash = COALESCE(v.content_hash, ''),
           pinning_note = CASE WHEN v.existed
               THEN format('backfilled: %%s@v%%s was the latest version of the target when the debate started (%%s)',
                           v.artifact_id, v.version_number, d.started_at)
               ELSE format('backfilled: no version of %%s existed when the debate started (%%s); pinned to v%%s',
                           v.artifact_id, d.started_at, v.version_number) END
      FROM batch
      JOIN debate_sessions d2 ON d2.id = batch.id
     CROSS JOIN LATERAL jupyter_artifacts_version_as_of(d2.target_artifact_id, d2.started_at) v
     WHERE d.id = d2.id AND d2.target_artifact_id IS NOT NULL
       AND (d2.target_artifact_version IS NULL OR d2.target_artifact_version = '')
    RETURNING 1
)
SELECT (SELECT count(*) FROM pinned) AS n, (SELECT max(id) FROM batch) AS last"""

UNPINNABLE = """
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, detail)
SELECT 'unpinnable_debate', 'debate_sessions', id,
       format('target %L names no artifact version; the debate stays unpinned', target_artifact_id)
  FROM debate_sessions
 WHERE target_artifact_id IS NOT NULL AND (target_artifact_version IS NULL OR target_artifact_version = '')
ON CONFLICT DO NOTHING"""

# A new session with a target always carries its pin (older rows that could not be pinned are
# listed in the adoption report and kept out of the check's way).
PIN_CHECK = """
ALTER TABLE debate_sessions ADD CONSTRAINT debate_sessions_target_pinned CHECK (
    target_artifact_id IS NULL
    OR (COALESCE(target_artifact_version, '') <> '' AND COALESCE(target_content_hash, '') <> '')) NOT VALID"""
UNPINNED = """
SELECT EXISTS (SELECT 1 FROM debate_sessions WHERE target_artifact_id IS NOT NULL
                  AND (COALESCE(target_artifact_version, '') = '' OR COALESCE(target_content_hash, '') = '')) AS any"""


async def online(conn) -> None:
    await ops.batches(conn, SPEAKERS, {"batch": BATCH})
    await ops.keyed_batches(conn, ROUND_COUNTS, {"batch": BATCH})
    await ops.keyed_batches(conn, PINS, {"batch": BATCH})
    await conn.execute(UNPINNABLE)
    if not await ops.has_constraint(conn, "debate_sessions", "debate_sessions_target_pinned"):
        await ops.ddl(conn, PIN_CHECK)
    cur = await conn.execute(UNPINNED)
    if not (await cur.fetchone())["any"]:
        await conn.execute("ALTER TABLE debate_sessions VALIDATE CONSTRAINT debate_sessions_target_pinned")
    await ops.create_index(conn, "debate_sessions_target_idx", "ON debate_sessions (target_artifact_id)")
    await ops.create_index(conn, "debate_rounds_actor_idx", "ON debate_rounds (actor_id)")
