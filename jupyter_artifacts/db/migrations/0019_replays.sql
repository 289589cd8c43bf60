-- Replays (API.md, "Replay"; issue 21): a notebook version re-executed in a fresh kernel and its
-- outputs compared with the stored ones. One row per replay. A replay never writes a version;
-- its row is written twice: at the start ('running') and at the end (the verdict), with
-- progress and heartbeats in between. A finished replay never changes (the trigger below, for
-- every writer); member roles may touch only their own rows (db/roles.py, migration 0014).
CREATE TABLE IF NOT EXISTS jupyter_artifacts_replays (
    id             UUID PRIMARY KEY,
    artifact_id    TEXT NOT NULL,
    version_id     TEXT NOT NULL,       -- the version's row id (artifacts.id): exactly that version
    version_number INTEGER NOT NULL,
    status         TEXT NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'reproduced', 'differs', 'failed', 'timeout')),
    cells          JSONB,               -- [{index, cell_id, verdict, detail}] once finished
    outputs        JSONB,               -- per cell index: the replayed outputs of a code cell, else null
    duration_ms    INTEGER,
    kernel         JSONB,               -- {name, language, language_version}
    environment    JSONB,               -- {python, packages_hash, packages, source}
    kernel_name    TEXT,                -- the kernel asked for (null: the notebook's own)
    timeout_s      DOUBLE PRECISION NOT NULL,
    message        TEXT,
    progress       JSONB NOT NULL DEFAULT '{"done": 0, "total": 0}'::jsonb,
    actor_type     TEXT,
    actor_id       TEXT,
    recorded_by    TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    finished_at    TIMESTAMPTZ,
    beat_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS jupyter_artifacts_replays_version_idx
    ON jupyter_artifacts_replays (artifact_id, version_number, created_at DESC, id DESC);

-- Finished is final, whoever writes.
CREATE OR REPLACE FUNCTION jupyter_artifacts_replay_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'running' THEN
        RAISE EXCEPTION 'replay % finished (%) and never changes', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_replay_final ON jupyter_artifacts_replays;
CREATE TRIGGER jupyter_artifacts_replay_final BEFORE UPDATE ON jupyter_artifacts_replays
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_replay_final();

-- Live updates (kind `replay`), per statement as 0015's: `started` for new rows, `finished` for
-- rows that left 'running'. Heartbeats and progress announce nothing.
CREATE OR REPLACE FUNCTION jupyter_artifacts_replay_payload(action TEXT, replay UUID, artifact TEXT, version INTEGER)
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT json_strip_nulls(json_build_object(
        'kind', 'replay', 'action', action, 'artifact_id', artifact, 'version_number', version,
        'ref', artifact || '@v' || version, 'replay_id', replay::text))::text
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_replays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
            SELECT jupyter_artifacts_replay_payload('started', id, artifact_id, version_number)
              FROM new_rows ORDER BY id LIMIT jupyter_artifacts_bulk_threshold() + 1));
    ELSE
        PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
            SELECT jupyter_artifacts_replay_payload('finished', n.id, n.artifact_id, n.version_number)
              FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE o.status = 'running' AND n.status <> 'running'
             ORDER BY n.id LIMIT jupyter_artifacts_bulk_threshold() + 1));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_replays_started ON jupyter_artifacts_replays;
CREATE TRIGGER jupyter_artifacts_notify_replays_started AFTER INSERT ON jupyter_artifacts_replays
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_notify_replays();
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_replays_finished ON jupyter_artifacts_replays;
CREATE TRIGGER jupyter_artifacts_notify_replays_finished AFTER UPDATE ON jupyter_artifacts_replays
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jupyter_artifacts_notify_replays();
