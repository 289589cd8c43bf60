-- Processing steps for every link and every parent relation, whoever wrote them.
-- The extension's own connections carry `jupyter_artifacts.writer = extension` (see
-- db/pool.py): they write each link together with the step of the operation that made it,
-- so the triggers below leave their rows alone.

-- API.md's mapping of a link to a step. Link types older services invented map to `cite`.
CREATE OR REPLACE FUNCTION jupyter_artifacts_link_step_type(link_type TEXT, same_artifact BOOLEAN)
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN same_artifact THEN 'fork'
                WHEN link_type IN ('derives_from', 'extends') THEN 'derive'
                ELSE 'cite' END
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_is_extension() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('jupyter_artifacts.writer', true), '') = 'extension'
$$;

-- One step per `parent_version_id` relation that has no link and no step between the
-- two versions yet (a fork, `legacy_parent`).
CREATE UNIQUE INDEX IF NOT EXISTS processing_steps_legacy_parent_unique
    ON processing_steps (source_artifact_id, source_version_number, target_artifact_id, target_version_number)
    WHERE method = 'legacy_parent';

CREATE TABLE IF NOT EXISTS jupyter_artifacts_backfill_state (
    name       TEXT PRIMARY KEY,
    value      BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The one definition of a link's step (API.md's mapping), for links with ids in
-- (after, upto] that have none yet: used by the trigger below, the migration's backfill,
-- `jupyter artifacts backfill` and the start-up check. Set-based and idempotent.
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
       AND NOT EXISTS (SELECT 1 FROM processing_steps p WHERE p.link_id = l.id)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS made = ROW_COUNT;
    RETURN made;
END
$$;

-- The one definition of a parent relation's fork step (`legacy_parent`): for the version
-- `child` (every version when NULL) whose parent is connected to it by no link and no step.
CREATE OR REPLACE FUNCTION jupyter_artifacts_parent_steps(child TEXT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    made BIGINT;
BEGIN
    INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id,
                                  target_version_number, step_type, actor_type, method, parameters, created_at)
    SELECT p.artifact_id, p.version_number, c.artifact_id, c.version_number, 'fork', 'unknown',
           'legacy_parent', '{}'::jsonb, c.created_at
      FROM artifacts c JOIN artifacts p ON p.id = c.parent_version_id
     WHERE (child IS NULL OR c.id = child)
       AND c.version_number IS NOT NULL AND p.version_number IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM artifact_links l
                        WHERE (l.source_artifact_id = c.id AND l.target_artifact_id = p.id)
                           OR (l.source_artifact_id = p.id AND l.target_artifact_id = c.id))
       AND NOT EXISTS (SELECT 1 FROM processing_steps s
                        WHERE s.source_artifact_id = p.artifact_id AND s.source_version_number = p.version_number
                          AND s.target_artifact_id = c.artifact_id AND s.target_version_number = c.version_number)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS made = ROW_COUNT;
    RETURN made;
END
$$;

-- Links another service inserts get their step at the end of the statement, set-based.
CREATE OR REPLACE FUNCTION jupyter_artifacts_foreign_links() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT jupyter_artifacts_is_extension() THEN
        PERFORM jupyter_artifacts_link_steps((SELECT min(id) - 1 FROM new_links), (SELECT max(id) FROM new_links));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_foreign_links ON artifact_links;
CREATE TRIGGER jupyter_artifacts_foreign_links AFTER INSERT ON artifact_links
    REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_foreign_links();

-- A version another service inserts with a parent: at commit (after any link it writes in
-- the same transaction), a fork step if nothing else connects the two versions.
CREATE OR REPLACE FUNCTION jupyter_artifacts_foreign_parent() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT jupyter_artifacts_is_extension() AND NEW.parent_version_id IS NOT NULL THEN
        PERFORM jupyter_artifacts_parent_steps(NEW.id);
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_foreign_parent ON artifacts;
CREATE CONSTRAINT TRIGGER jupyter_artifacts_foreign_parent AFTER INSERT ON artifacts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_foreign_parent();
