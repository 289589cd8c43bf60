-- Retry-safe writes and jobs (API.md, "Conventions"; issue 18).
--
-- idempotent_requests: one row per (principal, Idempotency-Key). The row is inserted inside
-- the transaction of the write it stands for, so the key and the write commit together or
-- not at all, and a concurrent repeat waits on the primary key until the first one commits.
-- The reply is filled in right after commit; until then `status` is NULL.
CREATE TABLE IF NOT EXISTS idempotent_requests (
    principal      TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    status         INTEGER,
    reply          TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX IF NOT EXISTS idempotent_requests_age_idx ON idempotent_requests (created_at);

-- A long operation run in the background (`Prefer: respond-async`). `result` is the JSON text
-- of the reply the synchronous call would have given (its status in `http_status`); `error`
-- is `{message, reason}`. A running job whose server stopped beating is reported as failed.
CREATE TABLE IF NOT EXISTS jobs (
    id           UUID PRIMARY KEY,
    principal    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    http_status  INTEGER,
    result       TEXT,
    error        JSONB,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ,
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS jobs_running_idx ON jobs (heartbeat_at) WHERE status = 'running';

-- A finished job announces itself like every other change (kind `job`, its id in `job_id`).
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'running' AND NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM pg_notify(jupyter_artifacts_channel(TG_TABLE_SCHEMA), json_build_object(
            'kind', 'job', 'action', NEW.status, 'job_id', NEW.id::text)::text);
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_notify_job ON jobs;
CREATE TRIGGER jupyter_artifacts_notify_job AFTER UPDATE OF status ON jobs
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_notify_job();
