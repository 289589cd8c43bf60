-- Live updates per statement, not per row (DESIGN.md: "bulk writes announce their changes per
-- statement"). 0007's row triggers called pg_notify once per row: a backfill of 1.35 M links
-- spent a third of its time there and flooded every listener. Each notify trigger is now a
-- statement trigger reading the statement's transition tables: a statement announces each
-- artifact, version, tag, chamber, debate or job it touched once (coalesced as the server's
-- relay coalesces them: a version per artifact, the highest), and a statement that would make
-- more than jupyter_artifacts_bulk_threshold() announcements sends ONE bulk notice instead:
-- `{"kind": "resync", "action": "bulk"}` (API.md's resync: clients re-fetch what they show).
-- A single-row write announces exactly what 0007, 0010 and 0013 announced.
-- PostgreSQL allows one event per trigger with transition tables and no column list, so
-- INSERT and UPDATE have a trigger each, and an UPDATE's conditions (lifecycle changed, closed_at
-- set, a foreign writer's version_tag) compare the OLD and NEW transition tables by key.
-- The link backfill's step definition (0004) is replaced too, without its anti-join (below).

-- 100: a bulk import of a few artifacts' versions still names them; past that a browser is
-- better off re-fetching once than handling hundreds of hints, and NOTIFY's queue stays small.
CREATE OR REPLACE FUNCTION jupyter_artifacts_bulk_threshold() RETURNS INTEGER
LANGUAGE sql IMMUTABLE AS 'SELECT 100';

CREATE OR REPLACE FUNCTION jupyter_artifacts_payload(kind TEXT, action TEXT, artifact TEXT DEFAULT NULL,
                                                     version INTEGER DEFAULT NULL, chamber TEXT DEFAULT NULL,
                                                     session TEXT DEFAULT NULL, tag_name TEXT DEFAULT NULL)
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT json_strip_nulls(json_build_object(
        'kind', kind, 'action', action, 'artifact_id', artifact, 'version_number', version,
        'ref', CASE WHEN artifact IS NOT NULL AND version IS NOT NULL THEN artifact || '@v' || version END,
        'chamber_id', chamber, 'session_id', session, 'tag', tag_name))::text
$$;

-- 0007's single announcement, kept for any caller: the same payload.
CREATE OR REPLACE FUNCTION jupyter_artifacts_announce(schema_name TEXT, kind TEXT, action TEXT,
                                                      artifact TEXT DEFAULT NULL, version INTEGER DEFAULT NULL,
                                                      chamber TEXT DEFAULT NULL, session TEXT DEFAULT NULL,
                                                      tag_name TEXT DEFAULT NULL)
RETURNS VOID LANGUAGE sql AS $$
    SELECT pg_notify(jupyter_artifacts_channel(schema_name),
                     jupyter_artifacts_payload(kind, action, artifact, version, chamber, session, tag_name))
$$;

-- The threshold holds per transaction too: a transaction of many small statements (a script's
-- row-by-row import; the per-row deferred fork steps of 0004 for another service's versions)
-- sends its first announcements, then the bulk notice, which PostgreSQL folds into one however
-- often it is repeated. The count lives in a transaction-local setting; a session that sets it
-- itself only turns its own announcements into the bulk notice, never silences them.
CREATE OR REPLACE FUNCTION jupyter_artifacts_announced_so_far() RETURNS INTEGER
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN s IS NULL OR s = '' THEN 0 WHEN s ~ '^[0-9]{1,9}$' THEN s::integer
                ELSE jupyter_artifacts_bulk_threshold() + 1 END
      FROM current_setting('jupyter_artifacts.announced', true) s
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_announce_bulk(schema_name TEXT) RETURNS VOID
LANGUAGE sql AS $$
    SELECT pg_notify(jupyter_artifacts_channel(schema_name), '{"kind":"resync","action":"bulk"}'),
           set_config('jupyter_artifacts.announced', (jupyter_artifacts_bulk_threshold() + 1)::text, true)
$$;

-- A statement's coalesced payloads (callers cap them at the threshold + 1): each, or the bulk notice.
CREATE OR REPLACE FUNCTION jupyter_artifacts_announce_all(schema_name TEXT, payloads TEXT[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    payload TEXT;
    sent CONSTANT INTEGER := jupyter_artifacts_announced_so_far();
BEGIN
    IF cardinality(payloads) = 0 THEN
        RETURN;
    END IF;
    IF sent + cardinality(payloads) > jupyter_artifacts_bulk_threshold() THEN
        PERFORM jupyter_artifacts_announce_bulk(schema_name);
        RETURN;
    END IF;
    FOREACH payload IN ARRAY payloads LOOP
        PERFORM pg_notify(jupyter_artifacts_channel(schema_name), payload);
    END LOOP;
    PERFORM set_config('jupyter_artifacts.announced', (sent + cardinality(payloads))::text, true);
END
$$;

-- When the first 1,000 of a statement's keys already name more artifacts than the threshold,
-- sends the bulk notice and says so: a backfill of 200,000 steps is then announced without
-- aggregating all of its rows. The caller passes the sampled keys.
CREATE OR REPLACE FUNCTION jupyter_artifacts_announced_bulk(schema_name TEXT, sampled_keys TEXT[])
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(DISTINCT k) FROM unnest(sampled_keys) k) > jupyter_artifacts_bulk_threshold() THEN
        PERFORM jupyter_artifacts_announce_bulk(schema_name);
        RETURN TRUE;
    END IF;
    RETURN FALSE;
END
$$;

-- artifacts: new versions (cell appends included) ...
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_versions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF jupyter_artifacts_announced_bulk(TG_TABLE_SCHEMA, ARRAY(SELECT artifact_id FROM new_rows LIMIT 1000)) THEN
        RETURN NULL;
    END IF;
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        SELECT jupyter_artifacts_payload('version', 'created', artifact_id, max(version_number))
          FROM new_rows GROUP BY artifact_id ORDER BY artifact_id LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;

-- ... and a lifecycle change, or a tag written into the legacy version_tag column by another
-- service (the extension's own tags are announced from artifact_tags).
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_version_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    foreign_writer CONSTANT BOOLEAN := NOT jupyter_artifacts_is_extension();
BEGIN
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        WITH changed AS (
            SELECT n.artifact_id, n.version_number, n.lifecycle_state, n.version_tag,
                   (n.lifecycle_state, n.superseded_by) IS DISTINCT FROM (o.lifecycle_state, o.superseded_by) AS lifecycle,
                   foreign_writer AND n.version_tag IS DISTINCT FROM o.version_tag AS tagged
              FROM new_rows n JOIN old_rows o ON o.id = n.id)
        SELECT payload FROM (
            SELECT artifact_id, version_number, 0 AS sub,
                   jupyter_artifacts_payload('lifecycle', lifecycle_state, artifact_id, version_number) AS payload
              FROM changed WHERE lifecycle GROUP BY artifact_id, version_number, lifecycle_state
            UNION ALL
            SELECT artifact_id, max(version_number), 1,
                   jupyter_artifacts_payload('tag', 'set', artifact_id, max(version_number), tag_name => version_tag)
              FROM changed WHERE tagged GROUP BY artifact_id, version_tag) a
         ORDER BY artifact_id, version_number, sub LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;

-- artifact_tags: a tag set (INSERT) or moved (UPDATE), with the version it names.
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_tags() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        SELECT jupyter_artifacts_payload('tag', CASE WHEN TG_OP = 'INSERT' THEN 'set' ELSE 'moved' END,
                                         t.artifact_id, max(a.version_number), tag_name => t.tag)
          FROM new_rows t LEFT JOIN artifacts a ON a.id = t.version_id
         GROUP BY t.artifact_id, t.tag ORDER BY t.artifact_id, t.tag LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;

-- A processing step (links are announced through theirs), for both of its ends (0010): per
-- artifact, step type and chamber, the highest version; the input is left out when both ends
-- are one artifact.
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_steps() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF jupyter_artifacts_announced_bulk(TG_TABLE_SCHEMA, ARRAY(SELECT target_artifact_id FROM new_rows LIMIT 1000)) THEN
        RETURN NULL;
    END IF;
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        SELECT jupyter_artifacts_payload('step', step_type, artifact_id, max(version_number), chamber => chamber_id)
          FROM (SELECT target_artifact_id AS artifact_id, target_version_number AS version_number, step_type,
                       chamber_id::text, 0 AS side FROM new_rows
                UNION ALL
                SELECT source_artifact_id, source_version_number, step_type, chamber_id::text, 1 FROM new_rows
                 WHERE source_artifact_id IS DISTINCT FROM target_artifact_id) e
         GROUP BY artifact_id, step_type, chamber_id ORDER BY min(side), artifact_id, step_type
         LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;

-- A chamber or debate closed (closed_at from NULL to a value); the argument says which.
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        SELECT jupyter_artifacts_payload(TG_ARGV[0], 'closed',
                                         chamber => CASE WHEN TG_ARGV[0] = 'chamber' THEN n.id::text END,
                                         session => CASE WHEN TG_ARGV[0] = 'debate' THEN n.id::text END)
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE o.closed_at IS NULL AND n.closed_at IS NOT NULL
         ORDER BY n.id LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;

-- Chambers and debates opened (a debate with the version it pins), pins and rounds. Arguments:
-- the kind, the action, and the column that names the chamber or debate (rows by to_jsonb, as
-- the four tables differ; these statements are small).
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_sessions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        SELECT jupyter_artifacts_payload(TG_ARGV[0], TG_ARGV[1], r ->> 'target_artifact_id',
                                         CASE WHEN r ->> 'target_artifact_version' ~ '^[0-9]{1,9}$'
                                              THEN (r ->> 'target_artifact_version')::integer END,
                                         chamber => CASE WHEN TG_ARGV[0] = 'chamber' THEN k END,
                                         session => CASE WHEN TG_ARGV[0] = 'debate' THEN k END)
          FROM (SELECT DISTINCT ON (k) k, r
                  FROM (SELECT to_jsonb(n) AS r, to_jsonb(n) ->> TG_ARGV[2] AS k FROM new_rows n) x
                 ORDER BY k) s
         ORDER BY k LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;

-- A job that finished (status from running, or anything, to another value): kind `job` (0013).
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_jobs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jupyter_artifacts_announce_all(TG_TABLE_SCHEMA, ARRAY(
        SELECT json_build_object('kind', 'job', 'action', n.status, 'job_id', n.id::text)::text
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status <> 'running' AND n.status IS DISTINCT FROM o.status
         ORDER BY n.id LIMIT jupyter_artifacts_bulk_threshold() + 1));
    RETURN NULL;
END
$$;

-- 0004's one definition of a link's step, without its NOT EXISTS anti-join: the conflict on the
-- one-step-per-link index skips a link that has its step, one index probe per row, whatever
-- the planner knows. On a processing_steps that is empty when planned (just created, emptied,
-- or the first batch of a backfill) the anti-join became a nested loop re-reading the table
-- being filled for every link: quadratic.
CREATE OR REPLACE FUNCTION jupyter_artifacts_link_steps(after BIGINT, upto BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    made BIGINT;
BEGIN
    INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id,
                                  target_version_number, step_type, actor_type, method, parameters,
                                  link_id, created_at)
    SELECT t.artifact_id, t.version_number, s.artifact_id, s.version_number,
           jupyter_artifacts_link_step_type(l.link_type, s.artifact_id = t.artifact_id),
           'unknown', 'legacy_link',
           jsonb_build_object('link_type', l.link_type, 'strength', l.strength, 'evidence', l.evidence),
           l.id, l.created_at
      FROM artifact_links l
      JOIN artifacts s ON s.id = l.source_artifact_id
      JOIN artifacts t ON t.id = l.target_artifact_id
     WHERE l.id > after AND l.id <= upto
       AND s.version_number IS NOT NULL AND t.version_number IS NOT NULL
    ON CONFLICT (link_id) WHERE link_id IS NOT NULL DO NOTHING;
    GET DIAGNOSTICS made = ROW_COUNT;
    RETURN made;
END
$$;

-- The row triggers of 0007, 0010 and 0013 go; a statement trigger per table and event replaces
-- each (transition tables allow one event per trigger).
DO $$
DECLARE
    t RECORD;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('jupyter_artifacts_notify_artifact', 'artifacts'),
                                   ('jupyter_artifacts_notify_tag', 'artifact_tags'),
                                   ('jupyter_artifacts_notify_step', 'processing_steps'),
                                   ('jupyter_artifacts_notify_chamber', 'chambers'),
                                   ('jupyter_artifacts_notify_pin', 'chamber_artifacts'),
                                   ('jupyter_artifacts_notify_debate', 'debate_sessions'),
                                   ('jupyter_artifacts_notify_round', 'debate_rounds'),
                                   ('jupyter_artifacts_notify_job', 'jobs')) AS old(name, tbl) LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t.name, t.tbl);
    END LOOP;
    FOR t IN SELECT * FROM (VALUES
            ('jupyter_artifacts_notify_versions', 'artifacts', 'INSERT', 'jupyter_artifacts_notify_versions()'),
            ('jupyter_artifacts_notify_version_changes', 'artifacts', 'UPDATE',
             'jupyter_artifacts_notify_version_changes()'),
            ('jupyter_artifacts_notify_tags_set', 'artifact_tags', 'INSERT', 'jupyter_artifacts_notify_tags()'),
            ('jupyter_artifacts_notify_tags_moved', 'artifact_tags', 'UPDATE', 'jupyter_artifacts_notify_tags()'),
            ('jupyter_artifacts_notify_steps', 'processing_steps', 'INSERT', 'jupyter_artifacts_notify_steps()'),
            ('jupyter_artifacts_notify_chambers_opened', 'chambers', 'INSERT',
             'jupyter_artifacts_notify_sessions(''chamber'', ''opened'', ''id'')'),
            ('jupyter_artifacts_notify_chambers_closed', 'chambers', 'UPDATE',
             'jupyter_artifacts_notify_closed(''chamber'')'),
            ('jupyter_artifacts_notify_pins', 'chamber_artifacts', 'INSERT',
             'jupyter_artifacts_notify_sessions(''chamber'', ''pulled'', ''chamber_id'')'),
            ('jupyter_artifacts_notify_debates_opened', 'debate_sessions', 'INSERT',
             'jupyter_artifacts_notify_sessions(''debate'', ''opened'', ''id'')'),
            ('jupyter_artifacts_notify_debates_closed', 'debate_sessions', 'UPDATE',
             'jupyter_artifacts_notify_closed(''debate'')'),
            ('jupyter_artifacts_notify_rounds', 'debate_rounds', 'INSERT',
             'jupyter_artifacts_notify_sessions(''debate'', ''round'', ''session_id'')'),
            ('jupyter_artifacts_notify_jobs', 'jobs', 'UPDATE', 'jupyter_artifacts_notify_jobs()'))
            AS new(name, tbl, event, call) LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t.name, t.tbl);
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION %s',
                       t.name, t.event, t.tbl,
                       CASE WHEN t.event = 'UPDATE' THEN 'OLD TABLE AS old_rows NEW TABLE AS new_rows'
                            ELSE 'NEW TABLE AS new_rows' END, t.call);
    END LOOP;
END
$$;
DROP FUNCTION IF EXISTS jupyter_artifacts_notify_artifact(), jupyter_artifacts_notify_tag(),
    jupyter_artifacts_notify_step(), jupyter_artifacts_notify_chamber(), jupyter_artifacts_notify_debate(),
    jupyter_artifacts_notify_job();
