-- Notebook versions beyond cell append (API.md, "Commit, fork, merge, split").
--
-- A cell append stores one cell: a version's cells are those its chain's versions added up
-- to it. A commit or a merge may change any cell, so it stores every cell of its version,
-- owned by that version, and the chain's earlier cells stop counting from there: the
-- version is a snapshot. Its cells take fresh `cell_index` values after the notebook's
-- highest one, because the legacy primary key (notebook_id, cell_index) holds the cells of
-- every version of the notebook; `first_index` is the index of the snapshot's first cell.
-- A version's cells are therefore those owned by the versions from its chain's latest
-- snapshot at or before it (or from v1) up to it, in `cell_index` order.
-- A fork or a split starts a new notebook (v1, cells 0..n-1), which needs no snapshot row.
CREATE TABLE IF NOT EXISTS notebook_snapshots (
    artifact_id    TEXT NOT NULL,
    version_number INTEGER NOT NULL,
    version_id     TEXT NOT NULL REFERENCES artifacts (id),
    first_index    INTEGER NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (artifact_id, version_number)
);

-- The cells of a version, for readers of the shared database that do not know the rule
-- above (older services, reports): one row per cell of every numbered notebook version, its
-- position in that version (`position`, from 0) beside its stored `cell_index`.
CREATE OR REPLACE VIEW jupyter_artifacts_version_cells AS
SELECT v.id AS version_id, v.artifact_id, v.version_number,
       (row_number() OVER (PARTITION BY v.id ORDER BY c.cell_index) - 1)::int AS position,
       c.cell_index, c.cell_id, c.cell_type, c.code, c.output, c.cell_metadata, c.outputs,
       c.execution_count, c.attachments, o.version_number AS added_in
  FROM artifacts v
  JOIN artifacts o ON o.artifact_id = v.artifact_id AND o.version_number <= v.version_number
                  AND NOT o.adoption_exempt
                  AND o.version_number >= COALESCE((SELECT max(s.version_number) FROM notebook_snapshots s
                                                     WHERE s.artifact_id = v.artifact_id
                                                       AND s.version_number <= v.version_number), 0)
  JOIN notebook_cells c ON c.notebook_artifact_id = o.id
 WHERE v.artifact_type = 'notebook' AND v.version_number IS NOT NULL AND NOT v.adoption_exempt;

-- Search reads the cells of latest versions only (migration 0008): a snapshot's earlier
-- cells are no longer the notebook's. The snapshot row is written before its cells, so its
-- trigger clears the notebook's searchable cells and the cells' own trigger adds the new ones.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_snapshot() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM jupyter_artifacts_search_cells WHERE artifact_id = NEW.artifact_id;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_search_snapshot ON notebook_snapshots;
CREATE TRIGGER jupyter_artifacts_search_snapshot AFTER INSERT ON notebook_snapshots
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_search_snapshot();

-- 0008's refresh, now leaving out cells that a later snapshot of their chain replaced.
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
    SELECT c.notebook_id, c.cell_index, o.artifact_id, c.code
      FROM notebook_cells c JOIN artifacts o ON o.id = c.notebook_artifact_id
     WHERE COALESCE(o.version_number, 0) >= COALESCE((SELECT max(n.version_number) FROM notebook_snapshots n
                                                       WHERE n.artifact_id = o.artifact_id), 0);
    DELETE FROM jupyter_artifacts_search_cells s
     WHERE NOT EXISTS (SELECT 1 FROM jupyter_artifacts_current_cells c
                        WHERE c.notebook_id = s.notebook_id AND c.cell_index = s.cell_index);
    INSERT INTO jupyter_artifacts_search_cells AS s (notebook_id, cell_index, artifact_id, code)
    SELECT c.notebook_id, c.cell_index, c.artifact_id, jupyter_artifacts_search_code(c.code)
      FROM jupyter_artifacts_current_cells c
    ON CONFLICT (notebook_id, cell_index) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, code = EXCLUDED.code
     WHERE (s.artifact_id, s.code) IS DISTINCT FROM (EXCLUDED.artifact_id, EXCLUDED.code);
    GET DIAGNOSTICS cells = ROW_COUNT;
    DROP TABLE jupyter_artifacts_current_cells;
    RETURN written + cells;
END
$$;
