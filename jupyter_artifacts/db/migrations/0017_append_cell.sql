-- A cell append (API.md, "Cell append") in one statement: one round trip from the server
-- instead of fifteen. The server hashes the new version from its parent's cells before it
-- calls (it keeps the hash state of the head it last wrote or read), so the function takes
-- the content_hash and checks that the parent it was computed from is still the head, with the
-- cells it had; if not, it says so ('head') and writes nothing. Runs as the caller (a member role's
-- triggers and grants apply as to the statements it replaces); the caller's session settings
-- and search path as for any statement of the extension.
-- Returns {"status": ...}: 'done' (with step_id), or why nothing was written: 'no_artifact',
-- 'not_notebook', 'replayed' (reply: the first reply to this idempotency key), 'stale' and
-- 'moved' (current: the head's version number), 'head' (the head is not parent_id),
-- 'unknown_content', 'no_chamber', 'closed', 'cell_id_taken', 'id_taken'. A concurrent writer
-- that does not take the lock may make the insert fail with unique_violation: run it again.
CREATE OR REPLACE FUNCTION jupyter_artifacts_append_cell(
    p_ref TEXT,             -- the route's id: an artifact id, or a version row id (adopted databases)
    p_parent_id TEXT,       -- the head the caller hashed from (row id) and its content_hash
    p_parent_hash TEXT,
    p_parent_owns INTEGER,  -- how many stored cells that head owned (another service may add more)
    p_want_parent INTEGER,  -- the body's parent_version: else 'stale'
    p_want_head INTEGER,    -- an executed cell's head: else 'moved'
    p_cell TEXT,            -- the new cell's canonical JSON (as hashed; stored as it is)
    p_output TEXT,          -- its outputs as plain text (notebook_cells.output)
    p_hash TEXT,            -- the new version's content_hash
    p_changelog TEXT,
    p_actor_type TEXT,
    p_actor_id TEXT,
    p_recorded_by TEXT,
    p_method TEXT,
    p_parameters JSONB,     -- the step's parameters
    p_chamber UUID,
    p_request_key TEXT,     -- the body's idempotency_key
    p_reply JSONB,          -- with p_request_key: the reply to record, without processing_step_id
    p_check_cell_id BOOLEAN -- the caller chose the cell's id: refuse one the head already has
) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
    v_artifact TEXT := p_ref;
    head       RECORD;
    v_cell     JSONB := p_cell::jsonb;
    v_n        INTEGER;
    v_new      TEXT;
    v_notebook TEXT;
    v_index    INTEGER;
    v_link     BIGINT;
    v_step     UUID;
    v_closed   TIMESTAMPTZ;
    v_earlier  JSONB;
    v_sole     BOOLEAN;  -- the head is the chain's one latest row
BEGIN
    FOR attempt IN 1..2 LOOP
        -- The lock every writer of this notebook takes (db/artifacts.py lock_artifact), then its head:
        -- the one latest version the constraint allows (an index probe, whatever the chain's length),
        -- else as db/artifacts.py `latest` orders an adopted chain's rows.
        PERFORM pg_advisory_xact_lock(hashtextextended('jupyter_artifacts:' || v_artifact, 0));
        SELECT a.id, a.artifact_type, a.version_number, a.content_hash, a.title,
               COALESCE(a.metadata, '{}') AS metadata, a.content
          INTO head FROM artifacts a WHERE a.artifact_id = v_artifact AND a.is_latest AND NOT a.adoption_exempt;
        v_sole := FOUND;
        IF NOT v_sole THEN
            SELECT a.id, a.artifact_type, a.version_number, a.content_hash, a.title,
                   COALESCE(a.metadata, '{}') AS metadata, a.content
              INTO head FROM artifacts a WHERE a.artifact_id = v_artifact
             ORDER BY a.is_latest DESC NULLS LAST, a.adoption_exempt, a.version_number DESC NULLS LAST LIMIT 1;
        END IF;
        EXIT WHEN head.id IS NOT NULL OR attempt = 2;
        -- Not an artifact id: the row id of a version names its artifact (adopted databases).
        SELECT a.artifact_id INTO v_artifact FROM artifacts a WHERE a.id = p_ref;
        IF NOT FOUND THEN
            RETURN jsonb_build_object('status', 'no_artifact');
        END IF;
    END LOOP;
    IF head.artifact_type IS DISTINCT FROM 'notebook' THEN
        RETURN jsonb_build_object('status', 'not_notebook', 'artifact_id', v_artifact);
    END IF;
    IF p_request_key IS NOT NULL THEN
        SELECT r.reply INTO v_earlier FROM notebook_append_requests r
         WHERE r.notebook_id = v_artifact AND r.idempotency_key = p_request_key;
        IF FOUND THEN
            RETURN jsonb_build_object('status', 'replayed', 'artifact_id', v_artifact, 'reply', v_earlier);
        END IF;
    END IF;
    IF p_want_parent IS NOT NULL AND p_want_parent IS DISTINCT FROM head.version_number THEN
        RETURN jsonb_build_object('status', 'stale', 'artifact_id', v_artifact, 'current', head.version_number);
    END IF;
    IF p_want_head IS NOT NULL AND p_want_head IS DISTINCT FROM head.version_number THEN
        RETURN jsonb_build_object('status', 'moved', 'artifact_id', v_artifact, 'current', head.version_number);
    END IF;
    IF jsonb_typeof(head.content) IS DISTINCT FROM 'object' THEN  -- unknown: an adopted legacy version
        RETURN jsonb_build_object('status', 'unknown_content', 'artifact_id', v_artifact,
                                  'current', head.version_number);
    END IF;
    -- A cell another service inserts joins the head (migration 0002's trigger): its content changed.
    IF head.id IS DISTINCT FROM p_parent_id OR head.content_hash IS DISTINCT FROM p_parent_hash
       OR (SELECT count(*) FROM notebook_cells c WHERE c.notebook_artifact_id = head.id) IS DISTINCT FROM p_parent_owns THEN
        RETURN jsonb_build_object('status', 'head', 'artifact_id', v_artifact);
    END IF;
    IF p_chamber IS NOT NULL THEN
        -- Shared lock: a concurrent close waits until this append commits.
        SELECT c.closed_at INTO v_closed FROM chambers c WHERE c.id = p_chamber FOR SHARE;
        IF NOT FOUND THEN
            RETURN jsonb_build_object('status', 'no_chamber', 'artifact_id', v_artifact);
        ELSIF v_closed IS NOT NULL THEN
            RETURN jsonb_build_object('status', 'closed', 'artifact_id', v_artifact);
        END IF;
    END IF;
    IF p_check_cell_id AND EXISTS (
        -- The head's cells (db/notebooks.py _VERSION_CELLS): its chain's latest snapshot's list,
        -- then what later appends stored.
        WITH s AS (SELECT s.version_number, s.notebook_id, s.cells FROM notebook_snapshots s
                    WHERE s.artifact_id = v_artifact AND s.version_number <= head.version_number
                    ORDER BY s.version_number DESC LIMIT 1)
        SELECT 1 FROM s CROSS JOIN LATERAL unnest(s.cells) AS u (idx)
          JOIN notebook_cells c ON c.notebook_id = s.notebook_id AND c.cell_index = u.idx
         WHERE c.cell_id = v_cell->>'id'
        UNION ALL
        SELECT 1 FROM artifacts a JOIN notebook_cells c ON c.notebook_artifact_id = a.id
         WHERE a.artifact_id = v_artifact AND a.version_number <= head.version_number AND NOT a.adoption_exempt
           AND a.version_number > COALESCE((SELECT s.version_number FROM s), 0) AND c.cell_id = v_cell->>'id')
    THEN
        RETURN jsonb_build_object('status', 'cell_id_taken', 'artifact_id', v_artifact,
                                  'current', head.version_number);
    END IF;

    v_n := head.version_number + 1;
    v_new := v_artifact || '@v' || v_n;  -- refs.version_row_id
    IF EXISTS (SELECT 1 FROM artifacts a WHERE a.id = v_new) THEN
        RETURN jsonb_build_object('status', 'id_taken', 'artifact_id', v_artifact, 'new_id', v_new,
                                  'current', head.version_number);
    END IF;
    -- With a non-exempt latest row, it is the chain's only latest one (adoption repairs chains
    -- with several, and every writer, another service's included, demotes the chain's latest).
    IF v_sole THEN
        UPDATE artifacts SET is_latest = FALSE WHERE id = head.id;
    ELSE
        UPDATE artifacts SET is_latest = FALSE WHERE artifact_id = v_artifact AND is_latest;
    END IF;
    INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content, content_hash, version_number,
                           parent_version_id, is_latest, changelog, lifecycle_state, created_by_actor_type,
                           created_by_actor_id, recorded_by, created_at)
    VALUES (v_new, v_artifact, 'notebook', head.title, head.metadata, head.content - 'cells', p_hash, v_n,
            head.id, TRUE, p_changelog, 'active', p_actor_type, p_actor_id, p_recorded_by, clock_timestamp());

    -- The notebooks row of this chain (usually the artifact id itself, pointing at the head).
    SELECT n.id INTO v_notebook FROM notebooks n WHERE n.id = v_artifact AND n.notebook_artifact_id = head.id;
    IF NOT FOUND THEN
        SELECT n.id INTO v_notebook FROM notebooks n JOIN artifacts a ON a.id = n.notebook_artifact_id
         WHERE a.artifact_id = v_artifact ORDER BY (n.id = v_artifact) DESC LIMIT 1;
        IF NOT FOUND THEN
            SELECT n.id INTO v_notebook FROM notebooks n WHERE n.id = v_artifact;
        END IF;
        IF v_notebook IS NULL THEN  -- a notebook artifact another service created without its row
            v_notebook := v_artifact;
            INSERT INTO notebooks (id, title, notebook_artifact_id, ipynb_path) VALUES (v_artifact, head.title, v_new, NULL);
        END IF;
    END IF;
    -- Stored after every row of the notebook (a snapshot may have left out the highest ones).
    SELECT COALESCE(max(c.cell_index) + 1, 0) INTO v_index FROM notebook_cells c WHERE c.notebook_id = v_notebook;
    INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, output, notebook_artifact_id, cell_id,
                                cell_metadata, outputs, execution_count, attachments, canonical)
    VALUES (v_notebook, v_index, v_cell->>'cell_type', v_cell->>'source', p_output, v_new, v_cell->>'id',
            COALESCE(v_cell->'metadata', '{}'), v_cell->'outputs', (v_cell->>'execution_count')::INTEGER,
            v_cell->'attachments', p_cell);
    UPDATE notebooks SET notebook_artifact_id = v_new WHERE id = v_notebook;
    INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, strength, evidence, created_at)
    VALUES (v_new, head.id, 'extends', NULL, NULL, clock_timestamp()) RETURNING id INTO v_link;
    INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id, target_version_number,
                                  step_type, actor_type, actor_id, recorded_by, method, parameters, chamber_id, link_id,
                                  created_at)
    VALUES (v_artifact, head.version_number, v_artifact, v_n, 'cell_append', p_actor_type, p_actor_id, p_recorded_by,
            p_method, p_parameters, p_chamber, v_link, clock_timestamp())
    RETURNING id INTO v_step;
    IF p_chamber IS NOT NULL THEN
        INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, content_hash, role,
                                       added_by_actor_type, added_by_actor_id, recorded_by)
        VALUES (p_chamber, v_artifact, v_n, p_hash, 'workbench', p_actor_type, p_actor_id, p_recorded_by)
        ON CONFLICT DO NOTHING;
    END IF;
    IF p_request_key IS NOT NULL THEN
        INSERT INTO notebook_append_requests (notebook_id, idempotency_key, reply)
        VALUES (v_artifact, p_request_key, p_reply || jsonb_build_object('processing_step_id', v_step::text));
    END IF;
    RETURN jsonb_build_object('status', 'done', 'artifact_id', v_artifact, 'step_id', v_step::text);
END
$$;
