-- The search refresh's cells of the latest versions, set-based. 0012 read them through
-- jupyter_artifacts_version_cells (0011), whose lateral subqueries run once per latest version:
-- on 10 M versions (250,000 notebooks of 20 versions) that one statement ran over 12 minutes.
-- The same rows, as joins: each latest notebook version's latest snapshot at or below it (its
-- cells), then the cells its chain's versions after that snapshot stored (0011's rule).
-- Functions only: no online part.
CREATE OR REPLACE FUNCTION jupyter_artifacts_latest_cells()
RETURNS TABLE (notebook_id TEXT, cell_index INTEGER, artifact_id TEXT, code TEXT)
LANGUAGE sql STABLE AS $$
    WITH latest AS (
        SELECT v.artifact_id, v.version_number FROM artifacts v
         WHERE v.is_latest AND v.artifact_type = 'notebook' AND v.version_number IS NOT NULL AND NOT v.adoption_exempt),
    snap AS (
        SELECT DISTINCT ON (l.artifact_id, l.version_number) l.artifact_id, l.version_number AS upto,
               s.version_number, s.notebook_id, s.cells
          FROM latest l JOIN notebook_snapshots s ON s.artifact_id = l.artifact_id AND s.version_number <= l.version_number
         ORDER BY l.artifact_id, l.version_number, s.version_number DESC)
    SELECT c.notebook_id, c.cell_index, s.artifact_id, c.code
      FROM snap s CROSS JOIN LATERAL unnest(s.cells) AS u (idx)
      JOIN notebook_cells c ON c.notebook_id = s.notebook_id AND c.cell_index = u.idx
    UNION ALL
    SELECT c.notebook_id, c.cell_index, l.artifact_id, c.code
      FROM latest l
      LEFT JOIN snap s ON s.artifact_id = l.artifact_id AND s.upto = l.version_number
      JOIN artifacts o ON o.artifact_id = l.artifact_id AND o.version_number <= l.version_number
                      AND o.version_number > COALESCE(s.version_number, 0) AND NOT o.adoption_exempt
      JOIN notebook_cells c ON c.notebook_artifact_id = o.id
$$;

-- 0012's function, reading the cells above.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_refresh_cells() RETURNS BIGINT
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n_cells  BIGINT;
    n_words  BIGINT;
    n_more   BIGINT;
BEGIN
    CREATE TEMPORARY TABLE jupyter_artifacts_current_cells ON COMMIT DROP AS
    SELECT c.notebook_id, c.cell_index, c.artifact_id, c.code FROM jupyter_artifacts_latest_cells() c;
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
    GET DIAGNOSTICS n_cells = ROW_COUNT;
    DROP TABLE jupyter_artifacts_current_cells;

    -- The cell words of every notebook at once (a notebook past the budget is merged one cell
    -- at a time, as the triggers do), then every `whole`.
    CREATE TEMPORARY TABLE jupyter_artifacts_current_words ON COMMIT DROP AS
    SELECT u.artifact_id, CASE WHEN sum(pg_catalog.octet_length(u.lexeme)) < 600000
                               THEN pg_catalog.array_to_tsvector(pg_catalog.array_agg(u.lexeme)) END AS words,
           sum(pg_catalog.octet_length(u.lexeme)) AS bytes
      FROM (SELECT DISTINCT c.artifact_id, l.lexeme
              FROM jupyter_artifacts_search_cells c CROSS JOIN LATERAL unnest(c.code) AS l) u
     GROUP BY u.artifact_id HAVING sum(pg_catalog.octet_length(u.lexeme)) < 600000;
    DELETE FROM jupyter_artifacts_search_cellwords w
     WHERE NOT EXISTS (SELECT 1 FROM jupyter_artifacts_search_cells c, unnest(c.code) l
                        WHERE c.artifact_id = w.artifact_id);
    GET DIAGNOSTICS n_words = ROW_COUNT;
    INSERT INTO jupyter_artifacts_search_cellwords AS w (artifact_id, words, bytes)
    SELECT artifact_id, words, bytes FROM jupyter_artifacts_current_words
    ON CONFLICT (artifact_id) DO UPDATE SET words = EXCLUDED.words, bytes = EXCLUDED.bytes
     WHERE w.words IS DISTINCT FROM EXCLUDED.words;
    GET DIAGNOSTICS n_more = ROW_COUNT;
    n_words := n_words + n_more;
    PERFORM jupyter_artifacts_search_cells_changed(a.artifact_id)
       FROM (SELECT DISTINCT c.artifact_id FROM jupyter_artifacts_search_cells c
              WHERE NOT EXISTS (SELECT 1 FROM jupyter_artifacts_current_words w WHERE w.artifact_id = c.artifact_id)
                AND pg_catalog.length(c.code) > 0) a;
    DROP TABLE jupyter_artifacts_current_words;

    UPDATE jupyter_artifacts_search s SET whole = x.whole
      FROM (SELECT s2.id, CASE WHEN w.words IS NULL THEN NULL ELSE jupyter_artifacts_search_join(s2.doc, w.words) END
                   AS whole
              FROM jupyter_artifacts_search s2
              LEFT JOIN jupyter_artifacts_search_cellwords w ON w.artifact_id = s2.artifact_id) x
     WHERE s.id = x.id AND s.whole IS DISTINCT FROM x.whole;
    GET DIAGNOSTICS n_more = ROW_COUNT;
    RETURN n_cells + n_words + n_more;
END
$$;
