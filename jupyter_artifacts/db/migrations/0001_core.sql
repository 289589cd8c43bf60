-- The versioned-artifact core: artifacts with a lineage key, tags, links, processing steps.
-- Written to run on an empty database and on one that already holds the older tables
-- (../shared/fixtures/legacy_schema.sql): add, never drop or rewrite user data.

CREATE TABLE IF NOT EXISTS artifacts (
    id            TEXT PRIMARY KEY,
    artifact_type TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE artifacts
    ADD COLUMN IF NOT EXISTS metadata              JSONB NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN IF NOT EXISTS content_hash          TEXT,
    ADD COLUMN IF NOT EXISTS version_number        INTEGER,
    ADD COLUMN IF NOT EXISTS parent_version_id     TEXT,
    ADD COLUMN IF NOT EXISTS is_latest             BOOLEAN DEFAULT TRUE,
    ADD COLUMN IF NOT EXISTS version_tag           TEXT,
    ADD COLUMN IF NOT EXISTS changelog             TEXT,
    ADD COLUMN IF NOT EXISTS lifecycle_state       TEXT DEFAULT 'active',
    ADD COLUMN IF NOT EXISTS deprecated_at         TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS superseded_by         TEXT,
    ADD COLUMN IF NOT EXISTS content               JSONB,
    -- The lineage key: the id of version 1, so "every version of X" is an index lookup.
    ADD COLUMN IF NOT EXISTS artifact_id           TEXT,
    ADD COLUMN IF NOT EXISTS created_by_actor_type TEXT,
    ADD COLUMN IF NOT EXISTS created_by_actor_id   TEXT,
    ADD COLUMN IF NOT EXISTS recorded_by           TEXT,
    -- Legacy rows whose anomalies the new constraints cannot hold (see the adoption report).
    ADD COLUMN IF NOT EXISTS adoption_exempt       BOOLEAN NOT NULL DEFAULT FALSE;
-- A foreign writer that omits version_number gets parent + 1 from the trigger below,
-- not a default of 1 that would collide with the constraint.
ALTER TABLE artifacts ALTER COLUMN version_number DROP DEFAULT;
CREATE INDEX IF NOT EXISTS idx_artifacts_version_lineage ON artifacts (parent_version_id);

CREATE TABLE IF NOT EXISTS jupyter_artifacts_adoption_report (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    table_name  TEXT NOT NULL,
    row_id      TEXT NOT NULL,
    artifact_id TEXT,
    detail      TEXT NOT NULL,
    repaired    BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (kind, table_name, row_id)
);

-- Lineage keys: walk parent_version_id down from every root. A row whose parent does
-- not exist starts a chain of its own (reported below).
WITH RECURSIVE chain AS (
    SELECT a.id, COALESCE(p.artifact_id, a.id) AS root
      FROM artifacts a
      LEFT JOIN artifacts p ON p.id = a.parent_version_id
     WHERE a.artifact_id IS NULL
       AND (a.parent_version_id IS NULL OR p.id IS NULL OR p.artifact_id IS NOT NULL)
    UNION ALL
    SELECT c.id, chain.root
      FROM chain JOIN artifacts c ON c.parent_version_id = chain.id
     WHERE c.artifact_id IS NULL
)
UPDATE artifacts a SET artifact_id = chain.root FROM chain WHERE a.id = chain.id;

INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'dangling_parent', 'artifacts', a.id, a.artifact_id,
       format('parent_version_id %L names no row; the version starts a chain of its own', a.parent_version_id)
  FROM artifacts a
 WHERE a.parent_version_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM artifacts p WHERE p.id = a.parent_version_id)
ON CONFLICT DO NOTHING;

-- Rows no root reaches sit on a parent cycle: each becomes its own artifact.
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'parent_cycle', 'artifacts', id, id,
       'parent_version_id leads round a cycle; the version is kept as an artifact of its own'
  FROM artifacts WHERE artifact_id IS NULL
ON CONFLICT DO NOTHING;
UPDATE artifacts SET artifact_id = id WHERE artifact_id IS NULL;
ALTER TABLE artifacts ALTER COLUMN artifact_id SET NOT NULL;

INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'missing_version_number', 'artifacts', id, artifact_id, 'version_number is NULL'
  FROM artifacts WHERE version_number IS NULL
ON CONFLICT DO NOTHING;

INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'missing_content_hash', 'artifacts', id, artifact_id, 'content_hash is empty; kept as it is'
  FROM artifacts WHERE content_hash IS NULL OR content_hash = ''
ON CONFLICT DO NOTHING;

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
ON CONFLICT DO NOTHING;

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
ON CONFLICT DO NOTHING;

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
ON CONFLICT DO NOTHING;

-- The invariants, held by the database for every writer.
CREATE UNIQUE INDEX IF NOT EXISTS artifacts_version_unique
    ON artifacts (artifact_id, version_number) WHERE NOT adoption_exempt;
CREATE UNIQUE INDEX IF NOT EXISTS artifacts_one_latest
    ON artifacts (artifact_id) WHERE is_latest AND NOT adoption_exempt;
CREATE INDEX IF NOT EXISTS artifacts_lineage_idx ON artifacts (artifact_id, version_number);
CREATE INDEX IF NOT EXISTS artifacts_latest_recent_idx ON artifacts (created_at DESC, id DESC) WHERE is_latest;

-- Foreign writers: a row inserted without a lineage key (any service but this extension)
-- gets it from its parent, a version number if it gave none, and demotes the chain's
-- latest row, so the constraints above never reject an ordinary append.
CREATE OR REPLACE FUNCTION jupyter_artifacts_foreign_artifact() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p_artifact TEXT;
    p_version  INTEGER;
BEGIN
    IF NEW.artifact_id IS NOT NULL THEN
        RETURN NEW;  -- written by the extension, which keeps the invariants itself
    END IF;
    IF NEW.parent_version_id IS NOT NULL THEN
        SELECT artifact_id, version_number INTO p_artifact, p_version
          FROM artifacts WHERE id = NEW.parent_version_id;
    END IF;
    NEW.artifact_id := COALESCE(p_artifact, NEW.id);
    IF NEW.version_number IS NULL THEN
        NEW.version_number := COALESCE(p_version + 1, 1);
    END IF;
    IF NEW.is_latest IS NULL THEN
        NEW.is_latest := TRUE;
    END IF;
    IF NEW.is_latest AND p_artifact IS NOT NULL THEN
        UPDATE artifacts SET is_latest = FALSE
         WHERE artifact_id = p_artifact AND is_latest AND id <> NEW.id;
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_foreign_artifact ON artifacts;
CREATE TRIGGER jupyter_artifacts_foreign_artifact BEFORE INSERT ON artifacts
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_foreign_artifact();

-- A version the extension wrote never changes (is_latest, tags and the lifecycle aside),
-- whoever tries: its content_hash must keep matching its content.
CREATE OR REPLACE FUNCTION jupyter_artifacts_immutable_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.recorded_by IS NOT NULL AND (
           NEW.id, NEW.artifact_id, NEW.artifact_type, NEW.title, NEW.metadata, NEW.content,
           NEW.content_hash, NEW.version_number, NEW.parent_version_id, NEW.changelog, NEW.created_at,
           NEW.created_by_actor_type, NEW.created_by_actor_id, NEW.recorded_by)
       IS DISTINCT FROM (
           OLD.id, OLD.artifact_id, OLD.artifact_type, OLD.title, OLD.metadata, OLD.content,
           OLD.content_hash, OLD.version_number, OLD.parent_version_id, OLD.changelog, OLD.created_at,
           OLD.created_by_actor_type, OLD.created_by_actor_id, OLD.recorded_by) THEN
        RAISE EXCEPTION 'version % of % is immutable; write a new version instead',
            OLD.version_number, OLD.artifact_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_immutable_version ON artifacts;
CREATE TRIGGER jupyter_artifacts_immutable_version BEFORE UPDATE ON artifacts
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_immutable_version();

-- Tags: many per version, each names one version per artifact.
CREATE TABLE IF NOT EXISTS artifact_tags (
    artifact_id    TEXT NOT NULL,
    tag            TEXT NOT NULL,
    version_id     TEXT NOT NULL REFERENCES artifacts (id),
    actor_type     TEXT,
    actor_id       TEXT,
    recorded_by    TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (artifact_id, tag)
);
CREATE INDEX IF NOT EXISTS artifact_tags_version_idx ON artifact_tags (version_id, created_at);

-- Legacy version_tag values become tags; where two versions of one artifact carry the
-- same tag, the highest version keeps it and the other is reported.
INSERT INTO artifact_tags (artifact_id, tag, version_id, actor_type, created_at)
SELECT DISTINCT ON (artifact_id, version_tag) artifact_id, version_tag, id, 'unknown', created_at
  FROM artifacts
 WHERE version_tag IS NOT NULL AND version_tag <> ''
 ORDER BY artifact_id, version_tag, version_number DESC NULLS LAST, created_at DESC
ON CONFLICT DO NOTHING;
INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail)
SELECT 'duplicate_tag', 'artifacts', a.id, a.artifact_id,
       format('tag %L is held by another version of %s; kept in version_tag only', a.version_tag, a.artifact_id)
  FROM artifacts a JOIN artifact_tags t ON t.artifact_id = a.artifact_id AND t.tag = a.version_tag
 WHERE t.version_id <> a.id
ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS artifact_links (
    id                 BIGSERIAL PRIMARY KEY,
    source_artifact_id TEXT NOT NULL,
    target_artifact_id TEXT NOT NULL,
    link_type          TEXT NOT NULL,
    strength           REAL,
    evidence           TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS artifact_links_source_idx ON artifact_links (source_artifact_id);
CREATE INDEX IF NOT EXISTS artifact_links_target_idx ON artifact_links (target_artifact_id);

INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, detail)
SELECT 'dangling_link_endpoint', 'artifact_links', l.id::text,
       format('%s %L names no artifact row', e.side, e.ref)
  FROM artifact_links l
 CROSS JOIN LATERAL (VALUES ('source_artifact_id', l.source_artifact_id),
                            ('target_artifact_id', l.target_artifact_id)) AS e(side, ref)
 WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = e.ref)
ON CONFLICT DO NOTHING;

-- Every derivation between exact versions. *_artifact_id is the lineage key, never a
-- later version's row id. link_id names the artifact_links row the step mirrors.
CREATE TABLE IF NOT EXISTS processing_steps (
    id                    UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_artifact_id    TEXT,
    source_version_number INTEGER,
    target_artifact_id    TEXT NOT NULL,
    target_version_number INTEGER NOT NULL,
    step_type             TEXT NOT NULL,
    actor_type            TEXT NOT NULL DEFAULT 'unknown',
    actor_id              TEXT,
    recorded_by           TEXT,
    method                TEXT,
    parameters            JSONB NOT NULL DEFAULT '{}'::jsonb,
    chamber_id            UUID,
    link_id               BIGINT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT processing_steps_step_type_check
        CHECK (step_type IN ('cell_append', 'cite', 'derive', 'merge', 'split', 'fork'))
);
CREATE UNIQUE INDEX IF NOT EXISTS processing_steps_link_unique ON processing_steps (link_id)
    WHERE link_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS processing_steps_source_idx
    ON processing_steps (source_artifact_id, source_version_number);
CREATE INDEX IF NOT EXISTS processing_steps_target_idx
    ON processing_steps (target_artifact_id, target_version_number);
