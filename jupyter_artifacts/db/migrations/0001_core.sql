-- The versioned-artifact core: artifacts with a lineage key, tags, links, processing steps.
-- Written to run on an empty database and on one that already holds the older tables
-- (../shared/fixtures/legacy_schema.sql): add, never drop or rewrite user data.
-- This transaction adds columns, tables and functions only; what reads or writes every row
-- (lineage keys, the adoption report, repairs, tags) and the indexes and triggers on the
-- legacy tables are the online part (0001_core.py), which never holds a writer back for long.

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

-- The lineage key of a row whose own is not known yet: walking parent_version_id up from `start`,
-- the first lineage key met, else the id of the topmost version (no parent, or a parent that
-- names no row); `start` itself when the walk goes round a cycle. The adoption's backfill and
-- the trigger below (for a row appended while the backfill runs) both use it.
CREATE OR REPLACE FUNCTION jupyter_artifacts_lineage_root(start TEXT) RETURNS TEXT
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up (id, parent, key, path) AS (
        SELECT a.id, a.parent_version_id, a.artifact_id, ARRAY[a.id] FROM artifacts a WHERE a.id = start
      UNION ALL
        SELECT p.id, p.parent_version_id, p.artifact_id, u.path || p.id
          FROM up u JOIN artifacts p ON p.id = u.parent
         WHERE u.key IS NULL AND NOT p.id = ANY (u.path)
    )
    SELECT COALESCE((SELECT COALESCE(up.key, up.id) FROM up
                      WHERE up.key IS NOT NULL OR up.parent IS NULL
                         OR NOT EXISTS (SELECT 1 FROM artifacts p WHERE p.id = up.parent)
                      ORDER BY cardinality(up.path) LIMIT 1), start)
$$;

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
        IF FOUND AND p_artifact IS NULL THEN
            p_artifact := jupyter_artifacts_lineage_root(NEW.parent_version_id);  -- adoption under way
        END IF;
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

CREATE TABLE IF NOT EXISTS artifact_links (
    id                 BIGSERIAL PRIMARY KEY,
    source_artifact_id TEXT NOT NULL,
    target_artifact_id TEXT NOT NULL,
    link_type          TEXT NOT NULL,
    strength           REAL,
    evidence           TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

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
