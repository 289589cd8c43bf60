-- Chambers (pinned working sets) and version-exact debates, adopting the older
-- debate_sessions / debate_rounds tables: columns are added, nothing is dropped.

ALTER TABLE chambers ADD COLUMN IF NOT EXISTS result_artifact_id TEXT;
CREATE INDEX IF NOT EXISTS chambers_recent_idx ON chambers (created_at DESC, id DESC);
-- One open workspace per persona, whoever asks for it at the same time.
CREATE UNIQUE INDEX IF NOT EXISTS chambers_one_open_workspace
    ON chambers (owner_actor_type, owner_actor_id) WHERE purpose = 'persona_workspace' AND closed_at IS NULL;
ALTER TABLE chambers DROP CONSTRAINT IF EXISTS chambers_purpose_check;
ALTER TABLE chambers ADD CONSTRAINT chambers_purpose_check
    CHECK (purpose IN ('debate', 'experiment_design', 'persona_workspace', 'showcase_review')) NOT VALID;

-- A closed chamber never changes, whoever writes: its provenance hash must stay recomputable.
CREATE OR REPLACE FUNCTION jupyter_artifacts_closed_chamber() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cid UUID;
BEGIN
    IF TG_TABLE_NAME = 'chambers' THEN
        IF OLD.closed_at IS NOT NULL THEN
            RAISE EXCEPTION 'chamber % is closed and cannot change', OLD.id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    cid := CASE WHEN TG_OP = 'DELETE' THEN OLD.chamber_id ELSE NEW.chamber_id END;
    IF EXISTS (SELECT 1 FROM chambers WHERE id = cid AND closed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'chamber % is closed and cannot change', cid USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_closed_chamber ON chambers;
CREATE TRIGGER jupyter_artifacts_closed_chamber BEFORE UPDATE OR DELETE ON chambers
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_closed_chamber();
DROP TRIGGER IF EXISTS jupyter_artifacts_closed_chamber_pins ON chamber_artifacts;
CREATE TRIGGER jupyter_artifacts_closed_chamber_pins BEFORE INSERT OR UPDATE OR DELETE ON chamber_artifacts
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_closed_chamber();

CREATE TABLE IF NOT EXISTS debate_sessions (
    id                      TEXT PRIMARY KEY,
    target_artifact_id      TEXT,
    target_artifact_version TEXT,
    target_content_hash     TEXT DEFAULT '',
    debate_type             TEXT,
    num_rounds              INTEGER DEFAULT 0,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE debate_sessions
    ADD COLUMN IF NOT EXISTS topic                   TEXT,
    ADD COLUMN IF NOT EXISTS closed_at               TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS verdict                 TEXT,
    ADD COLUMN IF NOT EXISTS chamber_id              UUID REFERENCES chambers (id),
    ADD COLUMN IF NOT EXISTS chamber_provenance_hash TEXT,
    ADD COLUMN IF NOT EXISTS pinning_note            TEXT,
    ADD COLUMN IF NOT EXISTS created_by_actor_type   TEXT,
    ADD COLUMN IF NOT EXISTS created_by_actor_id     TEXT,
    ADD COLUMN IF NOT EXISTS recorded_by             TEXT;

CREATE TABLE IF NOT EXISTS debate_rounds (
    session_id   TEXT NOT NULL REFERENCES debate_sessions (id),
    round_number INTEGER NOT NULL,
    persona_id   TEXT,
    content      TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, round_number)
);
ALTER TABLE debate_rounds
    ADD COLUMN IF NOT EXISTS actor_type           TEXT,
    ADD COLUMN IF NOT EXISTS actor_id             TEXT,
    ADD COLUMN IF NOT EXISTS prompt               TEXT,
    ADD COLUMN IF NOT EXISTS referenced_artifacts JSONB NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN IF NOT EXISTS recorded_by          TEXT;

CREATE OR REPLACE FUNCTION jupyter_artifacts_round_defaults() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.actor_id IS NULL AND NEW.persona_id IS NOT NULL THEN
        NEW.actor_type := 'persona';
        NEW.actor_id := NEW.persona_id;
    END IF;
    IF NEW.referenced_artifacts IS NULL THEN
        NEW.referenced_artifacts := '[]'::jsonb;
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_round_defaults ON debate_rounds;
CREATE TRIGGER jupyter_artifacts_round_defaults BEFORE INSERT ON debate_rounds
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_round_defaults();

-- num_rounds follows the rounds, whoever writes them.
CREATE OR REPLACE FUNCTION jupyter_artifacts_count_rounds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE debate_sessions s SET num_rounds = (SELECT count(*) FROM debate_rounds r WHERE r.session_id = s.id)
     WHERE s.id IN (SELECT session_id FROM changed_rounds);
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_count_rounds ON debate_rounds;
CREATE TRIGGER jupyter_artifacts_count_rounds AFTER INSERT ON debate_rounds
    REFERENCING NEW TABLE AS changed_rounds FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_count_rounds();
DROP TRIGGER IF EXISTS jupyter_artifacts_count_rounds_deleted ON debate_rounds;
CREATE TRIGGER jupyter_artifacts_count_rounds_deleted AFTER DELETE ON debate_rounds
    REFERENCING OLD TABLE AS changed_rounds FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_count_rounds();

-- The version a target reference means at a moment: the latest version created by then
-- (v1 if none existed yet); the target may name the artifact or any version row of it.
CREATE OR REPLACE FUNCTION jupyter_artifacts_version_as_of(target TEXT, moment TIMESTAMPTZ)
RETURNS TABLE (row_id TEXT, artifact_id TEXT, version_number INTEGER, content_hash TEXT, existed BOOLEAN)
LANGUAGE sql STABLE AS $$
    WITH chain AS (
        SELECT COALESCE((SELECT a.artifact_id FROM artifacts a WHERE a.artifact_id = target LIMIT 1),
                        (SELECT a.artifact_id FROM artifacts a WHERE a.id = target)) AS aid
    )
    SELECT a.id, a.artifact_id, a.version_number, a.content_hash, a.created_at <= moment
      FROM chain JOIN artifacts a ON a.artifact_id = chain.aid
     WHERE a.version_number IS NOT NULL AND NOT a.adoption_exempt
     ORDER BY (a.created_at <= moment) DESC,
              CASE WHEN a.created_at <= moment THEN a.version_number END DESC NULLS LAST,
              a.version_number
     LIMIT 1
$$;


-- Sessions another service inserts with a target and no version are pinned to its latest.
CREATE OR REPLACE FUNCTION jupyter_artifacts_pin_session() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v RECORD;
BEGIN
    IF NEW.target_artifact_id IS NULL
       OR (COALESCE(NEW.target_artifact_version, '') <> '' AND COALESCE(NEW.target_content_hash, '') <> '') THEN
        RETURN NEW;
    END IF;
    SELECT * INTO v FROM jupyter_artifacts_version_as_of(NEW.target_artifact_id, 'infinity'::timestamptz);
    IF FOUND THEN
        NEW.target_artifact_version := v.version_number::text;
        NEW.target_content_hash := v.content_hash;
        NEW.pinning_note := format('pinned on insert: %s@v%s was the latest version when the session was written',
                                   v.artifact_id, v.version_number);
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_pin_session ON debate_sessions;
CREATE TRIGGER jupyter_artifacts_pin_session BEFORE INSERT ON debate_sessions
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_pin_session();

-- What reads or writes every legacy round and session (speakers, round counts, pins), the
-- check that every new session with a target is pinned, and the indexes of those tables: the
-- online part (0006_chambers_debates.py), in batches, so that a service writing debates
-- meanwhile is never held back for long.
