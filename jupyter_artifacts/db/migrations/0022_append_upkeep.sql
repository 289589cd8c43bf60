-- A cell append's upkeep, cheaper (issue 20's append cost). Functions, and three triggers
-- recreated (short DDL); no online part.
--
-- 1. Announcements. The append statement's three writes each ran a statement trigger of 0015
--    that aggregates its transition tables (the demotion of the head, the new version, the step):
--    about 0.9 ms of an append measured cold (triggers disabled against enabled, one server;
--    the whole statement, called alone after 70 ms idle: 3.25 ms with this migration, 4.03 before).
--    The append statement now asks those three triggers to stay quiet (a transaction-local
--    setting, `jupyter_artifacts.announce_append`, that it sets and clears around its writes; the
--    triggers fire only WHEN jupyter_artifacts_announcing(), so a quiet statement runs none) and
--    announces what they would have, from the step it wrote: the version created, and the step
--    (one end: both ends are the notebook). The demotion announced nothing (no lifecycle change,
--    no tag). A pin into a chamber is still announced by its own trigger. Payloads, the
--    transaction's threshold and the bulk notice are 0015's (announce_all); only the order of a
--    chamber append's events changes (the pin first), and events are hints, not a log (API.md).
--    Another session that sets the setting only silences its own writes.
-- 2. The statement trigger on inserted cells joined its transition table to
--    jupyter_artifacts_search_cells. PL/pgSQL plans that statement once per session, for the
--    transition table it first meets: after a registration's 1,000 cells, a hash join over the
--    whole table, read again on every later append on that connection. Each inserted cell's row
--    is now found by its key. 0015's tag trigger had the same flaw with `artifacts` (after a
--    bulk insert of tags, as an adoption's legacy tags: a read of every version per tag set on
--    that connection); it reads each tag's version by key too.

CREATE OR REPLACE FUNCTION jupyter_artifacts_announcing() RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('jupyter_artifacts.announce_append', true), '') <> 'quiet'
$$;

-- 0015's triggers of versions and steps, with that condition: a quiet statement calls no function.
DO $$
DECLARE
    t RECORD;
BEGIN
    FOR t IN SELECT * FROM (VALUES
            ('jupyter_artifacts_notify_versions', 'artifacts', 'INSERT', 'jupyter_artifacts_notify_versions()'),
            ('jupyter_artifacts_notify_version_changes', 'artifacts', 'UPDATE',
             'jupyter_artifacts_notify_version_changes()'),
            ('jupyter_artifacts_notify_steps', 'processing_steps', 'INSERT', 'jupyter_artifacts_notify_steps()'))
            AS new(name, tbl, event, call) LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t.name, t.tbl);
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT '
                       'WHEN (jupyter_artifacts_announcing()) EXECUTE FUNCTION %s',
                       t.name, t.event, t.tbl,
                       CASE WHEN t.event = 'UPDATE' THEN 'OLD TABLE AS old_rows NEW TABLE AS new_rows'
                            ELSE 'NEW TABLE AS new_rows' END, t.call);
    END LOOP;
END
$$;

-- 0018's append statement (parameters: 0017), announcing its writes itself.
CREATE OR REPLACE FUNCTION jupyter_artifacts_append_cell(
    p_ref TEXT, p_parent_id TEXT, p_parent_hash TEXT, p_parent_owns INTEGER, p_want_parent INTEGER,
    p_want_head INTEGER, p_cell TEXT, p_output TEXT, p_hash TEXT, p_changelog TEXT, p_actor_type TEXT,
    p_actor_id TEXT, p_recorded_by TEXT, p_method TEXT, p_parameters JSONB, p_chamber UUID, p_request_key TEXT,
    p_reply JSONB, p_check_cell_id BOOLEAN
) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
    done JSONB;
    step RECORD;
BEGIN
    PERFORM set_config('jupyter_artifacts.search_after_cells', '*', true);
    PERFORM set_config('jupyter_artifacts.announce_append', 'quiet', true);
    done := jupyter_artifacts_append_cell_rows(p_ref, p_parent_id, p_parent_hash, p_parent_owns, p_want_parent,
                                               p_want_head, p_cell, p_output, p_hash, p_changelog, p_actor_type,
                                               p_actor_id, p_recorded_by, p_method, p_parameters, p_chamber,
                                               p_request_key, p_reply, p_check_cell_id);
    PERFORM set_config('jupyter_artifacts.announce_append', '', true);
    IF current_setting('jupyter_artifacts.search_after_cells', true) NOT IN ('', '*')
       OR COALESCE(current_setting('jupyter_artifacts.search_reuses', true), '') <> '' THEN
        RAISE EXCEPTION 'jupyter_artifacts_append_cell: the search row of % was not written (head %)',
            current_setting('jupyter_artifacts.search_after_cells', true),
            current_setting('jupyter_artifacts.search_reuses', true);
    END IF;
    PERFORM set_config('jupyter_artifacts.search_after_cells', '', true);
    IF done ->> 'status' = 'done' THEN
        -- What 0015's triggers would have sent for these rows: the version, then the step.
        -- (The channel is named by the tables' schema, TG_TABLE_SCHEMA in the triggers.)
        SELECT s.target_artifact_id, s.target_version_number, s.step_type, s.chamber_id::text AS chamber,
               ns.nspname::text AS schema_name
          INTO step
          FROM processing_steps s, pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE s.id = (done ->> 'step_id')::uuid AND c.oid = 'processing_steps'::regclass;
        -- jupyter_artifacts_payload's JSON, built here: that function is declared IMMUTABLE over a
        -- STABLE body (json_build_object), so it is not inlined, and each statement that calls it
        -- plans its body again.
        PERFORM jupyter_artifacts_announce_all(step.schema_name, ARRAY[
            json_strip_nulls(json_build_object(
                'kind', 'version', 'action', 'created', 'artifact_id', step.target_artifact_id,
                'version_number', step.target_version_number,
                'ref', step.target_artifact_id || '@v' || step.target_version_number))::text,
            json_strip_nulls(json_build_object(
                'kind', 'step', 'action', step.step_type, 'artifact_id', step.target_artifact_id,
                'version_number', step.target_version_number,
                'ref', step.target_artifact_id || '@v' || step.target_version_number, 'chamber_id', step.chamber))::text]);
    END IF;
    RETURN done;
END
$$;

-- 0018's statement trigger on inserted cells; each cell's search row found by its key.
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
              -- OFFSET 0 keeps this a lookup per inserted cell: joined, it became a hash join
              -- over the whole table.
              CROSS JOIN LATERAL (SELECT s.artifact_id, s.code FROM jupyter_artifacts_search_cells s
                                   WHERE s.notebook_id = n.notebook_id AND s.cell_index = n.cell_index OFFSET 0) c
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

-- 0015's tag trigger, each tag's version read by key (see 2. above).
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_tags() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        SELECT jupyter_artifacts_payload('tag', CASE WHEN TG_OP = 'INSERT' THEN 'set' ELSE 'moved' END,
                                         t.artifact_id, max(a.version_number), tag_name => t.tag)
          FROM new_rows t
          LEFT JOIN LATERAL (SELECT v.version_number FROM artifacts v WHERE v.id = t.version_id OFFSET 0) a ON TRUE
         GROUP BY t.artifact_id, t.tag ORDER BY t.artifact_id, t.tag LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;
