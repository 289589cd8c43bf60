-- Notebook versions beyond cell append (API.md, "Commit, fork, merge, split").
--
-- A cell append stores one cell: a version's cells are those its chain's versions added up
-- to it. A commit or a merge may change any cell, remove or reorder cells, so its version is a
-- snapshot: a row here lists its cells, in order, by their `cell_index` in the notebook's rows.
-- It stores only the cells that are new or changed (owned by it, at fresh `cell_index` values
-- after every earlier row of the notebook, since the legacy key (notebook_id, cell_index) holds
-- every version's cells) and lists the unchanged ones where they already are, so a commit that
-- edits 3 cells of 1,000 writes 3 cells, as an append writes 1.
-- A version's cells are therefore: its chain's latest snapshot at or before it (its list, in
-- order), then the cells that later appends up to it stored, by `cell_index`; with no snapshot,
-- every cell its chain's versions stored up to it, as before.
-- A fork or a split starts a new notebook (v1, cells 0..n-1), which needs no snapshot row.
CREATE TABLE IF NOT EXISTS notebook_snapshots (
    artifact_id    TEXT NOT NULL,
    version_number INTEGER NOT NULL,
    version_id     TEXT NOT NULL REFERENCES artifacts (id),
    notebook_id    TEXT NOT NULL REFERENCES notebooks (id),
    cells          INTEGER[] NOT NULL,  -- cell_index of each of its cells (under notebook_id), in order
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (artifact_id, version_number)
);

-- The cells of every notebook version, for readers of the shared database that do not know
-- the rule above (older services, reports): one row per cell per version, `position` its
-- place in that version (from 0), beside where it is stored (`notebook_id`, `cell_index`) and
-- the version that stored it (`added_in`).
CREATE OR REPLACE VIEW jupyter_artifacts_version_cells AS
SELECT v.id AS version_id, v.artifact_id, v.version_number,
       (row_number() OVER (PARTITION BY v.id ORDER BY x.part, x.ord) - 1)::int AS position,
       c.notebook_id, c.cell_index, c.cell_id, c.cell_type, c.code, c.output, c.cell_metadata, c.outputs,
       c.execution_count, c.attachments, o.version_number AS added_in
  FROM artifacts v
  LEFT JOIN LATERAL (SELECT s.version_number, s.notebook_id, s.cells FROM notebook_snapshots s
                      WHERE s.artifact_id = v.artifact_id AND s.version_number <= v.version_number
                      ORDER BY s.version_number DESC LIMIT 1) s ON TRUE
 CROSS JOIN LATERAL (
      SELECT 0 AS part, u.pos AS ord, s.notebook_id, u.idx AS cell_index
        FROM unnest(s.cells) WITH ORDINALITY AS u (idx, pos)
      UNION ALL
      SELECT 1, c2.cell_index, c2.notebook_id, c2.cell_index
        FROM artifacts o2 JOIN notebook_cells c2 ON c2.notebook_artifact_id = o2.id
       WHERE o2.artifact_id = v.artifact_id AND o2.version_number <= v.version_number
         AND o2.version_number > COALESCE(s.version_number, 0) AND NOT o2.adoption_exempt) x
  JOIN notebook_cells c ON c.notebook_id = x.notebook_id AND c.cell_index = x.cell_index
  LEFT JOIN artifacts o ON o.id = c.notebook_artifact_id
 WHERE v.artifact_type = 'notebook' AND v.version_number IS NOT NULL AND NOT v.adoption_exempt;

-- Search reads the cells of latest versions only (migration 0008). A snapshot becomes the
-- latest version with the cells it lists: the earlier cells it does not list leave the search;
-- those it lists were the previous head's and are there already; the cells it stores are added
-- by their own trigger.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_snapshot() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM jupyter_artifacts_search_cells
     WHERE artifact_id = NEW.artifact_id AND NOT (notebook_id = NEW.notebook_id AND cell_index = ANY (NEW.cells));
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_search_snapshot ON notebook_snapshots;
CREATE TRIGGER jupyter_artifacts_search_snapshot AFTER INSERT ON notebook_snapshots
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_search_snapshot();

-- 0008's refresh, now with the cells of the latest versions as the rule above gives them.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_refresh() RETURNS BIGINT
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    written BIGINT;
    cells   BIGINT;
BEGIN
    DELETE FROM jupyter_artifacts_search s
     WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = s.id AND a.is_latest);
    INSERT INTO jupyter_artifacts_search AS s (id, artifact_id, artifact_type, created_at, head, doc)
    SELECT id, artifact_id, artifact_type, created_at, jupyter_artifacts_search_head(artifact_id, title),
           jupyter_artifacts_search_doc(artifact_id, title, content)
      FROM artifacts WHERE is_latest
    ON CONFLICT (id) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, artifact_type = EXCLUDED.artifact_type,
                                   created_at = EXCLUDED.created_at, head = EXCLUDED.head, doc = EXCLUDED.doc
     WHERE (s.artifact_id, s.artifact_type, s.created_at, s.head, s.doc)
           IS DISTINCT FROM (EXCLUDED.artifact_id, EXCLUDED.artifact_type, EXCLUDED.created_at, EXCLUDED.head,
                             EXCLUDED.doc);
    GET DIAGNOSTICS written = ROW_COUNT;

    CREATE TEMPORARY TABLE jupyter_artifacts_current_cells ON COMMIT DROP AS
    SELECT c.notebook_id, c.cell_index, c.artifact_id, c.code
      FROM jupyter_artifacts_version_cells c JOIN artifacts l ON l.id = c.version_id AND l.is_latest;
    -- Cells of notebooks whose versions cannot be told (another service's, with no version
    -- number): searchable under their owner's lineage key, as migration 0008 did.
    INSERT INTO jupyter_artifacts_current_cells
    SELECT c.notebook_id, c.cell_index, o.artifact_id, c.code
      FROM notebook_cells c JOIN artifacts o ON o.id = c.notebook_artifact_id
     WHERE o.version_number IS NULL;
    DELETE FROM jupyter_artifacts_search_cells s
     WHERE NOT EXISTS (SELECT 1 FROM jupyter_artifacts_current_cells c
                        WHERE c.notebook_id = s.notebook_id AND c.cell_index = s.cell_index);
    INSERT INTO jupyter_artifacts_search_cells AS s (notebook_id, cell_index, artifact_id, code)
    SELECT DISTINCT ON (c.notebook_id, c.cell_index) c.notebook_id, c.cell_index, c.artifact_id,
           jupyter_artifacts_search_code(c.code)
      FROM jupyter_artifacts_current_cells c
    ON CONFLICT (notebook_id, cell_index) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, code = EXCLUDED.code
     WHERE (s.artifact_id, s.code) IS DISTINCT FROM (EXCLUDED.artifact_id, EXCLUDED.code);
    GET DIAGNOSTICS cells = ROW_COUNT;
    DROP TABLE jupyter_artifacts_current_cells;
    RETURN written + cells;
END
$$;
