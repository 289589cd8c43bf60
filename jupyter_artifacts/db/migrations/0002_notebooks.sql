-- Notebooks as versioned artifacts: cells owned by the version that added them,
-- minimal chambers (for pins made by cell appends), idempotency records, render cache.

CREATE TABLE IF NOT EXISTS notebooks (
    id         TEXT PRIMARY KEY,
    title      TEXT,
    ipynb_path TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE notebooks
    ADD COLUMN IF NOT EXISTS notebook_artifact_id TEXT REFERENCES artifacts (id),
    ADD COLUMN IF NOT EXISTS file_path            TEXT,
    ADD COLUMN IF NOT EXISTS rendered_html_path   TEXT;

CREATE TABLE IF NOT EXISTS notebook_cells (
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    cell_index  INTEGER NOT NULL,
    cell_type   TEXT NOT NULL,
    code        TEXT,
    output      TEXT,
    PRIMARY KEY (notebook_id, cell_index)
);
ALTER TABLE notebook_cells
    ADD COLUMN IF NOT EXISTS notebook_artifact_id TEXT REFERENCES artifacts (id),
    ADD COLUMN IF NOT EXISTS cell_id              TEXT,
    ADD COLUMN IF NOT EXISTS cell_metadata        JSONB,
    ADD COLUMN IF NOT EXISTS outputs              JSONB,
    ADD COLUMN IF NOT EXISTS execution_count      INTEGER,
    ADD COLUMN IF NOT EXISTS attachments          JSONB,
    -- The cell's canonical JSON (as hashed), so an append hashes the whole notebook
    -- without re-reading every earlier cell as JSON. NULL for cells other services write.
    ADD COLUMN IF NOT EXISTS canonical            TEXT,
    ADD COLUMN IF NOT EXISTS created_at           TIMESTAMPTZ DEFAULT now();
-- Its index is built concurrently by the online part (0002_notebooks.py): legacy cells are many.

-- Working sets (the chambers issue builds on these); a cell append may pin its version here.
CREATE TABLE IF NOT EXISTS chambers (
    id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name              TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    owner_actor_type  TEXT,
    owner_actor_id    TEXT,
    parent_session_id TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at         TIMESTAMPTZ,
    provenance_hash   TEXT
);
CREATE TABLE IF NOT EXISTS chamber_artifacts (
    chamber_id          UUID NOT NULL REFERENCES chambers (id),
    artifact_id         TEXT NOT NULL,
    version_number      INTEGER NOT NULL,
    content_hash        TEXT,
    role                TEXT NOT NULL CHECK (role IN ('input', 'reference', 'workbench')),
    added_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    added_by_actor_type TEXT,
    added_by_actor_id   TEXT,
    PRIMARY KEY (chamber_id, artifact_id, version_number)
);

-- A repeated idempotency key returns the first reply and writes nothing.
CREATE TABLE IF NOT EXISTS notebook_append_requests (
    notebook_id     TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    reply           JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (notebook_id, idempotency_key)
);

-- nbconvert renderings, shared by every server (keyed by the rendered notebook's hash).
CREATE TABLE IF NOT EXISTS notebook_renders (
    render_key TEXT PRIMARY KEY,
    html       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Foreign writers: a notebooks row inserted without its artifact gets one (its latest
-- version if an artifact of that id exists, else a new v1), and a cell inserted without
-- an owner belongs to its notebook's latest version.
CREATE OR REPLACE FUNCTION jupyter_artifacts_foreign_notebook() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner TEXT;
    new_id TEXT := NEW.id;
BEGIN
    IF NEW.notebook_artifact_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT id INTO owner FROM artifacts
     WHERE artifact_id = NEW.id AND artifact_type = 'notebook'
     ORDER BY is_latest DESC NULLS LAST, version_number DESC NULLS LAST LIMIT 1;
    IF owner IS NULL THEN
        IF EXISTS (SELECT 1 FROM artifacts WHERE id = new_id) THEN
            new_id := NEW.id || ':notebook';  -- the id names another kind of artifact
        END IF;
        INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content, version_number,
                               is_latest, created_by_actor_type, changelog)
        VALUES (new_id, new_id, 'notebook', COALESCE(NEW.title, NEW.id), '{}'::jsonb,
                '{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3",
                  "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}}}'::jsonb,
                1, TRUE, 'unknown', 'created for a notebooks row written by another service');
        owner := new_id;
    END IF;
    NEW.notebook_artifact_id := owner;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_foreign_notebook ON notebooks;
CREATE TRIGGER jupyter_artifacts_foreign_notebook BEFORE INSERT ON notebooks
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_foreign_notebook();

CREATE OR REPLACE FUNCTION jupyter_artifacts_foreign_cell() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.notebook_artifact_id IS NULL THEN
        SELECT notebook_artifact_id INTO NEW.notebook_artifact_id FROM notebooks WHERE id = NEW.notebook_id;
    END IF;
    IF NEW.cell_id IS NULL THEN
        NEW.cell_id := 'legacy-' || NEW.cell_index;
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_foreign_cell ON notebook_cells;
CREATE TRIGGER jupyter_artifacts_foreign_cell BEFORE INSERT ON notebook_cells
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_foreign_cell();
