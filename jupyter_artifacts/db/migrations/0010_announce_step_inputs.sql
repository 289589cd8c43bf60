-- A processing step is announced for both of its ends. 0007 named only the step's output,
-- so a lineage view of the input's descendants (another artifact, e.g. the paper a new
-- hypothesis version cites) never heard of the step. Same contract (API.md, "Live updates"):
-- `kind: step`, ids only; the input's announcement is left out when both ends are one artifact.
CREATE OR REPLACE FUNCTION jupyter_artifacts_notify_step() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'step', NEW.step_type, NEW.target_artifact_id,
                                       NEW.target_version_number, chamber => NEW.chamber_id::text);
    IF NEW.source_artifact_id IS DISTINCT FROM NEW.target_artifact_id THEN
        PERFORM jupyter_artifacts_announce(TG_TABLE_SCHEMA, 'step', NEW.step_type, NEW.source_artifact_id,
                                           NEW.source_version_number, chamber => NEW.chamber_id::text);
    END IF;
    RETURN NULL;
END
$$;
