-- Live updates (API.md, "Live updates"): every change announces itself with NOTIFY, sent by
-- the database in the writing transaction, so rows any service writes are announced too,
-- and only once they commit. Payloads carry ids only (far below NOTIFY's 8,000 bytes).
-- Each schema has its own channel, so tenants (and tests) sharing a database never hear
-- each other; listeners ask jupyter_artifacts_channel() for theirs.

CREATE OR REPLACE FUNCTION jupyter_artifacts_channel(schema_name TEXT DEFAULT current_schema())
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    -- A channel name is an identifier: at most 63 bytes.
    SELECT CASE WHEN octet_length('jupyter_artifacts:' || schema_name) <= 63
                THEN 'jupyter_artifacts:' || schema_name
                ELSE 'jupyter_artifacts:' || md5(schema_name) END
$$;

-- One announcement; NULL fields are left out. PostgreSQL folds identical payloads sent in
-- one transaction into one, so a statement touching many rows of one chamber says it once.
CREATE OR REPLACE FUNCTION jupyter_artifacts_announce(schema_name TEXT, kind TEXT, action TEXT,
                                                      artifact TEXT DEFAULT NULL, version INTEGER DEFAULT NULL,
                                                      chamber TEXT DEFAULT NULL, session TEXT DEFAULT NULL,
                                                      tag_name TEXT DEFAULT NULL)
RETURNS VOID LANGUAGE sql AS $$
    SELECT pg_notify(jupyter_artifacts_channel(schema_name), json_strip_nulls(json_build_object(
        'kind', kind, 'action', action, 'artifact_id', artifact, 'version_number', version,
        'ref', CASE WHEN artifact IS NOT NULL AND version IS NOT NULL THEN artifact || '@v' || version END,
        'chamber_id', chamber, 'session_id', session, 'tag', tag_name))::text)
$$;

-- artifacts: a new version (cell appends included), a lifecycle change, or a tag written
-- into the legacy version_tag column by another service (the extension's own tags are
-- announced from artifact_tags below).
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_artifact() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'version', 'created', NEW.artifact_id,
                                           NEW.version_number);
    ELSE
        IF (NEW.lifecycle_state, NEW.superseded_by) IS DISTINCT FROM (OLD.lifecycle_state, OLD.superseded_by) THEN
            PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'lifecycle', NEW.lifecycle_state,
                                               NEW.artifact_id, NEW.version_number);
        END IF;
        IF NEW.version_tag IS DISTINCT FROM OLD.version_tag AND NOT jupyter_artifacts_is_extension() THEN
            PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'tag', 'set', NEW.artifact_id,
                                               NEW.version_number, tag_name => NEW.version_tag);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_artifact ON artifacts;
CREATE TRIGGER jupyter_artifacts_notify_artifact
    AFTER INSERT OR UPDATE OF lifecycle_state, superseded_by, version_tag ON artifacts
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_artifact();

CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_tag() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER;
BEGIN
    SELECT version_number INTO n FROM artifacts WHERE id = NEW.version_id;
    PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'tag', CASE WHEN TG_OP = 'INSERT' THEN 'set' ELSE 'moved' END,
                                       NEW.artifact_id, n, tag_name => NEW.tag);
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_tag ON artifact_tags;
CREATE TRIGGER jupyter_artifacts_notify_tag AFTER INSERT OR UPDATE ON artifact_tags
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_tag();

-- A processing step (every link has exactly one, so links are announced through theirs).
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_step() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'step', NEW.step_type, NEW.target_artifact_id,
                                       NEW.target_version_number, chamber => NEW.chamber_id::text);
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_step ON processing_steps;
CREATE TRIGGER jupyter_artifacts_notify_step AFTER INSERT ON processing_steps
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_step();

CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_chamber() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'chamber_artifacts' THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'chamber', 'pulled', chamber => NEW.chamber_id::text);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'chamber', 'opened', chamber => NEW.id::text);
    ELSIF OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'chamber', 'closed', chamber => NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_chamber ON chambers;
CREATE TRIGGER jupyter_artifacts_notify_chamber AFTER INSERT OR UPDATE OF closed_at ON chambers
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_chamber();
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_pin ON chamber_artifacts;
CREATE TRIGGER jupyter_artifacts_notify_pin AFTER INSERT ON chamber_artifacts
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_chamber();

CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_debate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'debate_rounds' THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'debate', 'round', session => NEW.session_id::text);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'debate', 'opened', NEW.target_artifact_id,
                                           CASE WHEN NEW.target_artifact_version::text ~ '^[0-9]{1,9}$'
                                                THEN NEW.target_artifact_version::text::integer END,
                                           session => NEW.id::text);
    ELSIF OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'debate', 'closed', session => NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_debate ON debate_sessions;
CREATE TRIGGER jupyter_artifacts_notify_debate AFTER INSERT OR UPDATE OF closed_at ON debate_sessions
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_debate();
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_round ON debate_rounds;
CREATE TRIGGER jupyter_artifacts_notify_round AFTER INSERT ON debate_rounds
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_debate();
