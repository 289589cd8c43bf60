-- A cell append writes its notebook's search row once. Until now the new version's row was
-- written by 0012's trigger on artifacts (its `whole`: doc plus every cell word of the
-- notebook, read from jupyter_artifacts_search_cellwords) and, one statement later, again by
-- the cell's statement trigger (`whole` plus the new cell's words): two copies of the largest
-- vector, each with all its GIN entries, per append (~1.7 ms of a 1,000-cell notebook's
-- 8.8 ms). Now migration 0017's append statement asks for the version's row to wait for its
-- cell: the row is written once, after the cell's words joined the notebook's. The vectors
-- are the ones the two writes made (tsvector concatenation of stripped vectors is a union of
-- lexemes, so doc || (old words || new words) = (doc || old words) || new words).
-- Every other writer (another service's INSERT of a version, then of its cells) is served as
-- before. Functions and triggers only: no online part.
--
-- The request is a transaction-local setting, `jupyter_artifacts.search_after_cells`:
-- '*'  the next latest version inserted waits (the append statement sets it, below);
-- id   that version's row waits for the next insert of cells (0008's trigger noted it);
-- ''   (or unset) nothing waits.
-- While it is '*', the first demotion of a latest version keeps that version's row (its id in
-- `jupyter_artifacts.search_reuses`): the waiting version takes it over (see search_put).

-- One version's search row, as 0012's trigger writes it (its `whole` from the notebook's cell
-- words). With `reuse`, the row of the head it replaces (kept by the trigger below) becomes this
-- version's when their ids and titles fold alike: its `folded` and `grams` stay as they are (the
-- fold trigger of 0016 runs on a write of `head` only), where computing them again costs more
-- than the rest of the row. Called by the triggers below, as their owner, with their search
-- path (no SET of its own: it runs once a row of a bulk insert).
DROP FUNCTION IF EXISTS jupyter_artifacts_search_put(artifacts);  -- (this migration's first form, one argument)
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_put(v artifacts, reuse TEXT DEFAULT NULL) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    new_doc    tsvector := jupyter_artifacts_search_doc(v.artifact_id, v.title, v.content);
    new_head   tsvector := jupyter_artifacts_search_head(v.artifact_id, v.title);
    cell_words tsvector;
    new_whole  tsvector;
BEGIN
    SELECT w.words INTO cell_words FROM jupyter_artifacts_search_cellwords w WHERE w.artifact_id = v.artifact_id;
    new_whole := CASE WHEN cell_words IS NULL THEN NULL ELSE jupyter_artifacts_search_join(new_doc, cell_words) END;
    IF reuse IS NOT NULL THEN
        UPDATE jupyter_artifacts_search s
           SET id = v.id, artifact_id = v.artifact_id, artifact_type = v.artifact_type, created_at = v.created_at,
               doc = new_doc, whole = new_whole
         WHERE s.id = reuse AND s.head = new_head AND s.folded = jupyter_artifacts_search_folded(v.artifact_id, v.title)
           AND NOT EXISTS (SELECT 1 FROM jupyter_artifacts_search x WHERE x.id = v.id);
        IF FOUND THEN
            RETURN;
        END IF;
        DELETE FROM jupyter_artifacts_search WHERE id = reuse;
    END IF;
    INSERT INTO jupyter_artifacts_search (id, artifact_id, artifact_type, created_at, head, doc, whole)
    VALUES (v.id, v.artifact_id, v.artifact_type, v.created_at, new_head, new_doc, new_whole)
    ON CONFLICT (id) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, artifact_type = EXCLUDED.artifact_type,
                                   created_at = EXCLUDED.created_at, head = EXCLUDED.head, doc = EXCLUDED.doc,
                                   whole = EXCLUDED.whole;
END
$$;

-- 0012's trigger on artifacts; a version the append statement inserts waits for its cell.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE jupyter_artifacts_search;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.is_latest AND NOT NEW.is_latest AND OLD.id = NEW.id
       AND current_setting('jupyter_artifacts.search_after_cells', true) = '*'
       AND COALESCE(current_setting('jupyter_artifacts.search_reuses', true), '') = '' THEN
        -- The append statement's demotion of the head: its row is kept for the new version.
        PERFORM set_config('jupyter_artifacts.search_reuses', OLD.id, true);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM jupyter_artifacts_search WHERE id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.is_latest THEN
        IF TG_OP = 'INSERT' AND current_setting('jupyter_artifacts.search_after_cells', true) = '*' THEN
            PERFORM set_config('jupyter_artifacts.search_after_cells', NEW.id, true);
            RETURN NULL;
        END IF;
        PERFORM jupyter_artifacts_search_put(NEW);
    END IF;
    RETURN NULL;
END
$$;

-- 0012's statement trigger on inserted cells; then the version row that waits for them (its
-- `whole` read from the words just merged), where 0012 rewrote that row's `whole`.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_cells_added() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r       RECORD;
    waiting TEXT := NULLIF(current_setting('jupyter_artifacts.search_after_cells', true), '*');
    reuse   TEXT;
BEGIN
    FOR r IN SELECT c.artifact_id, sum(pg_catalog.octet_length(l.lexeme)) AS bytes,
                    pg_catalog.array_agg(DISTINCT n.notebook_artifact_id) AS owners,
                    CASE WHEN sum(pg_catalog.octet_length(l.lexeme)) < 600000
                         THEN pg_catalog.array_to_tsvector(pg_catalog.array_agg(DISTINCT l.lexeme)) END AS words
               FROM added n
               JOIN jupyter_artifacts_search_cells c ON c.notebook_id = n.notebook_id AND c.cell_index = n.cell_index
              CROSS JOIN LATERAL unnest(c.code) AS l
              GROUP BY c.artifact_id
    LOOP
        -- Past the budget (counting words the notebook may hold already), the rule of cells_changed.
        IF r.bytes + COALESCE((SELECT w.bytes FROM jupyter_artifacts_search_cellwords w
                                WHERE w.artifact_id = r.artifact_id), 0) >= 600000 THEN
            PERFORM jupyter_artifacts_search_cells_changed(r.artifact_id);
            CONTINUE;
        END IF;
        INSERT INTO jupyter_artifacts_search_cellwords AS w (artifact_id, words, bytes)
        VALUES (r.artifact_id, r.words, r.bytes)
        ON CONFLICT (artifact_id) DO UPDATE SET words = pg_catalog.tsvector_concat(w.words, EXCLUDED.words),
                                                bytes = w.bytes + EXCLUDED.bytes;
        IF waiting = ANY (r.owners) THEN
            CONTINUE;  -- the owner's row is written below, with these words
        END IF;
        -- The owners are the latest version as a rule: found by primary key (an appended-to
        -- notebook's artifact_id leaves a dead row per version in the other index until vacuum).
        UPDATE jupyter_artifacts_search SET whole = jupyter_artifacts_search_join(COALESCE(whole, doc), r.words)
         WHERE id = ANY (r.owners) AND artifact_id = r.artifact_id;
        IF NOT FOUND THEN
            UPDATE jupyter_artifacts_search SET whole = jupyter_artifacts_search_join(COALESCE(whole, doc), r.words)
             WHERE artifact_id = r.artifact_id;
        END IF;
    END LOOP;
    IF waiting <> '' THEN
        reuse := NULLIF(current_setting('jupyter_artifacts.search_reuses', true), '');
        PERFORM set_config('jupyter_artifacts.search_after_cells', '', true);
        PERFORM set_config('jupyter_artifacts.search_reuses', '', true);
        PERFORM jupyter_artifacts_search_put(a, reuse) FROM artifacts a WHERE a.id = waiting AND a.is_latest;
        IF NOT FOUND THEN
            DELETE FROM jupyter_artifacts_search WHERE id = reuse;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- 0017's append statement, renamed; the statement under 0017's name asks for the wait around it.
DO $$
BEGIN
    IF to_regprocedure('jupyter_artifacts_append_cell_rows(text, text, text, integer, integer, integer, text, text, '
                       'text, text, text, text, text, text, jsonb, uuid, text, jsonb, boolean)') IS NULL THEN
        ALTER FUNCTION jupyter_artifacts_append_cell(text, text, text, integer, integer, integer, text, text, text,
                                                     text, text, text, text, text, jsonb, uuid, text, jsonb, boolean)
            RENAME TO jupyter_artifacts_append_cell_rows;
    END IF;
END
$$;
-- (The parameters are 0017's; see there.) The search row of the version it writes waits for
-- the cell it inserts right after (0017 inserts a cell after every version it writes; a version
-- left waiting would have no search row, so that is checked).
CREATE OR REPLACE FUNCTION jupyter_artifacts_append_cell(
    p_ref TEXT, p_parent_id TEXT, p_parent_hash TEXT, p_parent_owns INTEGER, p_want_parent INTEGER,
    p_want_head INTEGER, p_cell TEXT, p_output TEXT, p_hash TEXT, p_changelog TEXT, p_actor_type TEXT,
    p_actor_id TEXT, p_recorded_by TEXT, p_method TEXT, p_parameters JSONB, p_chamber UUID, p_request_key TEXT,
    p_reply JSONB, p_check_cell_id BOOLEAN
) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
    done JSONB;
BEGIN
    PERFORM set_config('jupyter_artifacts.search_after_cells', '*', true);
    done := jupyter_artifacts_append_cell_rows(p_ref, p_parent_id, p_parent_hash, p_parent_owns, p_want_parent,
                                               p_want_head, p_cell, p_output, p_hash, p_changelog, p_actor_type,
                                               p_actor_id, p_recorded_by, p_method, p_parameters, p_chamber,
                                               p_request_key, p_reply, p_check_cell_id);
    IF current_setting('jupyter_artifacts.search_after_cells', true) NOT IN ('', '*')
       OR COALESCE(current_setting('jupyter_artifacts.search_reuses', true), '') <> '' THEN
        RAISE EXCEPTION 'jupyter_artifacts_append_cell: the search row of % was not written (head %)',
            current_setting('jupyter_artifacts.search_after_cells', true),
            current_setting('jupyter_artifacts.search_reuses', true);
    END IF;
    PERFORM set_config('jupyter_artifacts.search_after_cells', '', true);
    RETURN done;
END
$$;
