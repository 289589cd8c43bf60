"""Migration 0001's online part (its DDL is 0001_core.sql): adopting the rows already there.

On a 1 M-version legacy database this walked every chain in one UPDATE and built five indexes
inside the transaction that had altered `artifacts`, so every writer of the table waited for
all of it. Here each step holds a writer back briefly at most: the index a foreign writer's
trigger needs first (built concurrently), then the triggers (a short lock, retried), the
lineage keys in batches of rows in key order (rows appended meanwhile get theirs from the
trigger, which walks up a chain the backfill has not reached yet), the reports and repairs
(one statement each: they read everything but lock only the few rows they change), NOT NULL
through a validated CHECK (no table scan under an exclusive lock), the constraint indexes
(concurrently), the tags. Every step is safe to repeat after a crash.
"""

from __future__ import annotations

from .. import online as ops

BATCH = 2000

TRIGGERS = (
    """
DROP TRIGGER IF EXISTS jupyter_artifacts_foreign_artifact ON artifacts;
CREATE TRIGGER jupyter_artifacts_foreign_artifact BEFORE INSERT ON artifacts
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_foreign_artifact()""",
    # A version the extension wrote never changes (is_latest, tags and the lifecycle aside).
    """
DROP TRIGGER IF EXISTS jupyter_artifacts_immutable_version ON artifacts;
CREATE TRIGGER jupyter_artifacts_immutable_version BEFORE UPDATE ON artifacts
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_immutable_version()""",
)

# Rows no root reaches (walking parent_version_id down from every root) sit on a parent cycle
# or below one: each becomes its own artifact (jupyter_artifacts_lineage_root gives them their
# own id). Read-only, before the backfill.
CYCLES = """
WITH RECURSIVE chain AS (
    SELECT a.id FROM artifacts a LEFT JOIN artifacts p ON p.id = a.parent_version_id
     WHERE a.parent_version_id IS NULL OR p.id IS NULL OR p.artifact_id IS NOT NULL OR a.artifact_id IS NOT NULL
    UNION ALL
    SELECT c.id FROM chain JOIN artifacts c ON c.parent_version_id = chain.id
)
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'parent_cycle', 'artifacts', a.id, a.id,
       'parent_version_id leads round a cycle; the version is kept as an artifact of its own'
  FROM artifacts a WHERE a.artifact_id IS NULL AND NOT EXISTS (SELECT 1 FROM chain WHERE chain.id = a.id)
ON CONFLICT DO NOTHING"""

# Lineage keys, a batch of rows in key order at a time.
LINEAGE = """
WITH batch AS (
    SELECT id FROM artifacts WHERE id > %(after)s ORDER BY id LIMIT %(batch)s
), keyed AS (
    UPDATE artifacts a SET artifact_id = jupyter_artifacts_lineage_root(a.id)
      FROM batch WHERE a.id = batch.id AND a.artifact_id IS NULL
    RETURNING 1
)
SELECT (SELECT count(*) FROM keyed) AS n, (SELECT max(id) FROM batch) AS last"""

# Rows a batch could not see (none, unless one was appended before the trigger was in place).
LEFT_OVER = """
UPDATE artifacts a SET artifact_id = jupyter_artifacts_lineage_root(a.id)
 WHERE a.id IN (SELECT id FROM artifacts WHERE artifact_id IS NULL LIMIT %(batch)s)"""

DANGLING_PARENT = """
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'dangling_parent', 'artifacts', a.id, a.artifact_id,
       format('parent_version_id %L names no row; the version starts a chain of its own', a.parent_version_id)
  FROM artifacts a
 WHERE a.parent_version_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM artifacts p WHERE p.id = a.parent_version_id)
ON CONFLICT DO NOTHING"""

# Reports, then repairs (each one statement; the repairs lock only the rows they change).
REPORTS_AND_REPAIRS = ("""
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'missing_version_number', 'artifacts', id, artifact_id, 'version_number is NULL'
  FROM artifacts WHERE version_number IS NULL
ON CONFLICT DO NOTHING""",
    """
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'missing_content_hash', 'artifacts', id, artifact_id, 'content_hash is empty; kept as it is'
  FROM artifacts WHERE content_hash IS NULL OR content_hash = ''
ON CONFLICT DO NOTHING""",
    """
-- Duplicate version numbers in one chain: the first written keeps its place under the
-- constraints, the others are exempted and reported.
WITH ranked AS (
    SELECT id, artifact_id, version_number,
           row_number() OVER (PARTITION BY artifact_id, version_number ORDER BY created_at, id) AS rn
      FROM artifacts WHERE version_number IS NOT NULL AND NOT adoption_exempt
), dup AS (
    UPDATE artifacts a SET adoption_exempt = TRUE FROM ranked r
     WHERE a.id = r.id AND r.rn > 1
    RETURNING a.id, a.artifact_id, a.version_number
)
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'duplicate_version_number', 'artifacts', id, artifact_id,
       format('another row of %s is already version %s; this one is exempt from the version constraints',
              artifact_id, version_number)
  FROM dup
ON CONFLICT DO NOTHING""",
    """
-- Several latest versions in one chain: the highest version number stays latest.
WITH latest AS (
    SELECT id, artifact_id,
           row_number() OVER (PARTITION BY artifact_id
                              ORDER BY version_number DESC NULLS LAST, created_at DESC, id DESC) AS rn,
           count(*) OVER (PARTITION BY artifact_id) AS n
      FROM artifacts WHERE is_latest AND NOT adoption_exempt
), demoted AS (
    UPDATE artifacts a SET is_latest = FALSE FROM latest l
     WHERE a.id = l.id AND l.n > 1 AND l.rn > 1
    RETURNING a.id, a.artifact_id
)
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail, repaired)
SELECT 'several_latest', 'artifacts', id, artifact_id,
       'several versions were marked latest; this one was demoted and the highest version stays latest', TRUE
  FROM demoted
ON CONFLICT DO NOTHING""",
    """
-- A chain with no latest version: its highest version becomes latest.
WITH top AS (
    SELECT DISTINCT ON (artifact_id) id, artifact_id
      FROM artifacts a
     WHERE NOT adoption_exempt
       AND NOT EXISTS (SELECT 1 FROM artifacts b WHERE b.artifact_id = a.artifact_id
                          AND b.is_latest AND NOT b.adoption_exempt)
     ORDER BY artifact_id, version_number DESC NULLS LAST, created_at DESC, id DESC
), promoted AS (
    UPDATE artifacts a SET is_latest = TRUE FROM top WHERE a.id = top.id RETURNING a.id, a.artifact_id
)
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail, repaired)
SELECT 'no_latest', 'artifacts', id, artifact_id,
       'no version of the chain was marked latest; its highest version now is', TRUE
  FROM promoted
ON CONFLICT DO NOTHING""",)

# The invariants, held by the database for every writer (built after the repairs).
INDEXES = (
    ("artifacts_version_unique", "ON artifacts (artifact_id, version_number) WHERE NOT adoption_exempt", True),
    ("artifacts_one_latest", "ON artifacts (artifact_id) WHERE is_latest AND NOT adoption_exempt", True),
    ("artifacts_latest_recent_idx", "ON artifacts (created_at DESC, id DESC) WHERE is_latest", False),
)

# Legacy version_tag values become tags; where two versions of one artifact carry the same
# tag, the highest version keeps it and the other is reported.
TAGS = ("""
-- Legacy version_tag values become tags; where two versions of one artifact carry the
-- same tag, the highest version keeps it and the other is reported.
INSERT INTO artifact_tags (artifact_id, tag, version_id, actor_type, created_at)
SELECT DISTINCT ON (artifact_id, version_tag) artifact_id, version_tag, id, 'unknown', created_at
  FROM artifacts
 WHERE version_tag IS NOT NULL AND version_tag <> ''
 ORDER BY artifact_id, version_tag, version_number DESC NULLS LAST, created_at DESC
ON CONFLICT DO NOTHING""",
    """
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'duplicate_tag', 'artifacts', a.id, a.artifact_id,
       format('tag %L is held by another version of %s; kept in version_tag only', a.version_tag, a.artifact_id)
  FROM artifacts a JOIN artifact_tags t ON t.artifact_id = a.artifact_id AND t.tag = a.version_tag
 WHERE t.version_id <> a.id
ON CONFLICT DO NOTHING""",)

DANGLING_LINKS = """
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, detail)
SELECT 'dangling_link_endpoint', 'artifact_links', l.id::text,
       format('%s %L names no artifact row', e.side, e.ref)
  FROM artifact_links l
 CROSS JOIN LATERAL (VALUES ('source_artifact_id', l.source_artifact_id),
                            ('target_artifact_id', l.target_artifact_id)) AS e(side, ref)
 WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = e.ref)
ON CONFLICT DO NOTHING"""


async def online(conn) -> None:
    await ops.create_index(conn, "idx_artifacts_version_lineage", "ON artifacts (parent_version_id)")
    # The foreign writer's trigger demotes by lineage key: its index before the trigger.
    await ops.create_index(conn, "artifacts_lineage_idx", "ON artifacts (artifact_id, version_number)")
    for statement in TRIGGERS:
        await ops.ddl(conn, statement)
    await conn.execute(CYCLES)
    await ops.keyed_batches(conn, LINEAGE, {"batch": BATCH})
    await ops.batches(conn, LEFT_OVER, {"batch": BATCH})
    await conn.execute(DANGLING_PARENT)
    await not_null(conn, "artifacts", "artifact_id")
    for statement in REPORTS_AND_REPAIRS:
        await conn.execute(statement)
    for name, definition, unique in INDEXES:
        await ops.create_index(conn, name, definition, unique=unique)
    for statement in TAGS:
        await conn.execute(statement)
    await ops.create_index(conn, "artifact_links_source_idx", "ON artifact_links (source_artifact_id)")
    await ops.create_index(conn, "artifact_links_target_idx", "ON artifact_links (target_artifact_id)")
    await conn.execute(DANGLING_LINKS)
    # Every version was rewritten: the next migrations' statements need current statistics.
    await conn.execute("ANALYZE artifacts, artifact_links")


async def not_null(conn, table: str, column: str) -> None:
    """SET NOT NULL without scanning the table under an exclusive lock: a CHECK added NOT VALID
    (a brief lock), validated (a scan that blocks no writer), lets SET NOT NULL skip its scan;
    the CHECK goes again afterwards."""
    check = f"{table}_{column}_not_null"
    cur = await conn.execute("""
        SELECT a.attnotnull FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = to_regclass(%s) AND a.attname = %s""", (table, column))
    if (await cur.fetchone())["attnotnull"]:
        return
    if not await ops.has_constraint(conn, table, check):
        await ops.ddl(conn, f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID")
    await conn.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}")
    await ops.ddl(conn, f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL")
    await ops.ddl(conn, f"ALTER TABLE {table} DROP CONSTRAINT {check}")
