-- Search across the artifact (API.md, `GET /api/artifacts?q=`): every word of a query must
-- match somewhere in the artifact, its id, title, content or any cell of its latest version,
-- not necessarily all in one field; a fragment of 3 or more characters of an id or title
-- matches too. Migration 0008 matched a notebook's cells one cell at a time; here each latest
-- version also gets one vector of everything (`whole`), so a query whose words sit in a title
-- and in a cell is one GIN lookup like any other.
--
-- Three changes to 0008's vectors, then a refresh that recomputes every row:
-- * fragments: every suffix of 3 or more characters of an id or title word (words of 4 to 64
--   characters), marked with a leading U+0001 (no parser ever makes a lexeme of a control
--   character), so a query word `glia` can ask for `'\x01glia':*` and find `microglia`, while
--   words of content and cells stay whole words (and prefixes) as before;
-- * `~` separates words in ids, titles and code like `.` and `(` do (`df[~mask]` has `mask`);
-- * `whole` = `doc` plus the words of the latest version's cells, NULL for an artifact with
--   no cells; the cells' words live per notebook in jupyter_artifacts_search_cellwords, kept by
--   the cell triggers: an appended cell adds its words (no re-reading of the others), a
--   snapshot, an edit or a deletion recomputes them.

-- The separators of ids and code (0008's, plus `~`).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_split(t TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.translate(COALESCE(t, ''), '-._:/@<>~', '         ')
$$;

-- The marked suffixes of an id's and a title's words (see above).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_fragments(artifact_id TEXT, title TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(pg_catalog.array_to_tsvector(pg_catalog.array_agg(DISTINCT
               pg_catalog.textcat(E'\x01', pg_catalog.substr(w.lexeme, i)))), ''::tsvector)
      FROM pg_catalog.unnest(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, jupyter_artifacts_search_split(
               COALESCE(artifact_id, '') || ' ' || pg_catalog.left(COALESCE(title, ''), 4000)))) AS w
     CROSS JOIN LATERAL pg_catalog.generate_series(2, pg_catalog.char_length(w.lexeme) - 2) AS i
     WHERE pg_catalog.char_length(w.lexeme) BETWEEN 4 AND 64
$$;

-- Ids and titles: their words (split at the separators) and their fragments.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_head(artifact_id TEXT, title TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.strip(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, jupyter_artifacts_search_split(
               COALESCE(artifact_id, '') || ' ' || pg_catalog.left(COALESCE(title, ''), 4000))))
           || jupyter_artifacts_search_fragments(artifact_id, title)
$$;

-- The words of a version's content alone (0008's rule: string values, keys are not text; over
-- 256 KiB of JSON, the first 100,000 characters of its text).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_content(content JSONB) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.strip(CASE
        WHEN content IS NULL THEN ''::tsvector
        WHEN pg_catalog.octet_length(content::text) <= 262144
            THEN pg_catalog.jsonb_to_tsvector('pg_catalog.simple'::regconfig, content, '["string"]'::jsonb)
        ELSE pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, pg_catalog.regexp_replace(
                 pg_catalog.left(content::text, 100000), E'\\\\(u[0-9a-fA-F]{4}|.)', ' ', 'g'))
    END)
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_doc(artifact_id TEXT, title TEXT, content JSONB)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jupyter_artifacts_search_head(artifact_id, title) || jupyter_artifacts_search_content(content)
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_code(code TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.strip(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig,
        jupyter_artifacts_search_split(pg_catalog.left(COALESCE(code, ''), 100000))))
$$;

-- The text a snippet of content is cut from: its string values in order, one per line (capped
-- like the vector). A value PostgreSQL cannot walk gives its JSON text instead: a snippet must
-- never fail a search.
-- (PARALLEL RESTRICTED, as the join below: a parallel worker cannot open the subtransaction an
-- EXCEPTION block needs.)
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_content_text(content JSONB) RETURNS TEXT
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path FROM CURRENT AS $$
BEGIN
    IF content IS NULL THEN
        RETURN '';
    END IF;
    IF pg_catalog.octet_length(content::text) > 262144 THEN
        RETURN pg_catalog.left(content::text, 100000);
    END IF;
    RETURN pg_catalog.left(COALESCE((SELECT pg_catalog.string_agg(v #>> '{}', E'\n')
                                       FROM pg_catalog.jsonb_path_query(content, 'strict $.**') AS v
                                      WHERE pg_catalog.jsonb_typeof(v) = 'string'), ''), 100000);
EXCEPTION WHEN OTHERS THEN
    RETURN pg_catalog.left(content::text, 100000);
END
$$;

-- A query, one term per whitespace-separated chunk (numbered from 1): 0008's rule (each chunk
-- read as running text and split like ids; the last word of a chunk a prefix), and every word
-- of 3 or more characters may also be a fragment of an id or title word.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_terms(q TEXT) RETURNS TABLE (n INTEGER, term tsquery)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH chunks AS (
        SELECT c.chunk, c.n
          FROM pg_catalog.regexp_split_to_table(pg_catalog.left(COALESCE(q, ''), 1000), E'\\s+')
               WITH ORDINALITY AS c(chunk, n)
         WHERE c.chunk <> ''
    ), lexemes AS (
        SELECT c.n, f.form, l.lexeme, (SELECT max(p) FROM unnest(l.positions) p) AS last_at
          FROM chunks c
         CROSS JOIN LATERAL (VALUES (1, c.chunk), (2, jupyter_artifacts_search_split(c.chunk))) AS f(form, text)
         CROSS JOIN LATERAL unnest(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, f.text)) AS l
    ), marked AS (
        SELECT *, max(last_at) OVER (PARTITION BY n, form) AS chunk_end,
               replace(replace(lexeme, E'\\', E'\\\\'), E'\'', E'\'\'') AS quoted
          FROM lexemes
    ), forms AS (
        SELECT n, form,
               string_agg('(' || E'\'' || quoted || E'\'' || CASE WHEN last_at = chunk_end THEN ':*' ELSE '' END
                          || CASE WHEN char_length(lexeme) >= 3 THEN E' | \'\x01' || quoted || E'\':*' ELSE '' END
                          || ')', ' & ' ORDER BY lexeme) AS conj
          FROM marked GROUP BY n, form
    )
    SELECT (row_number() OVER (ORDER BY n))::int, ('(' || string_agg(DISTINCT '(' || conj || ')', ' | ') || ')')::tsquery
      FROM forms GROUP BY n
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_query(q TEXT) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT string_agg('(' || term::text || ')', ' & ' ORDER BY n)::tsquery FROM jupyter_artifacts_search_terms(q)
$$;

-- a || b, or a alone when the sum would pass tsvector's 1 MB limit (a safety net under the
-- budget below: a write never fails).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_join(a tsvector, b tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL RESTRICTED AS $$
BEGIN
    IF b IS NULL THEN
        RETURN a;
    ELSIF a IS NULL THEN
        RETURN b;
    END IF;
    RETURN pg_catalog.tsvector_concat(a, b);
EXCEPTION WHEN program_limit_exceeded THEN
    RETURN a;
END
$$;

ALTER TABLE jupyter_artifacts_search ADD COLUMN IF NOT EXISTS whole tsvector;  -- doc and the cells' words

-- A notebook's cell words stay under 600,000 bytes of lexemes, so that with its id, title and
-- content (at most ~400 kB of words, by the caps above) `whole` stays under tsvector's 1 MB.
-- Past that, the cells' words are taken in cell order while they fit (one rule for the
-- triggers and the refresh alike).
CREATE TABLE IF NOT EXISTS jupyter_artifacts_search_cellwords (
    artifact_id TEXT PRIMARY KEY,        -- lineage key of a notebook with searchable cells
    words       tsvector NOT NULL,       -- the words of its latest version's cells
    bytes       BIGINT NOT NULL DEFAULT 0  -- their lexemes' bytes (at most; the budget's measure)
);

-- A notebook's cell words, recomputed from jupyter_artifacts_search_cells, and its `whole`.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_cells_changed(of_artifact TEXT) RETURNS VOID
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    merged tsvector;
    total  BIGINT;
    size   BIGINT;
    cell   RECORD;
BEGIN
    -- (The vector only under the budget: over 1 MB, array_to_tsvector would fail.)
    SELECT CASE WHEN sum(pg_catalog.octet_length(u.lexeme)) < 600000
                THEN pg_catalog.array_to_tsvector(pg_catalog.array_agg(u.lexeme)) END,
           sum(pg_catalog.octet_length(u.lexeme))
      INTO merged, total
      FROM (SELECT DISTINCT l.lexeme FROM jupyter_artifacts_search_cells c CROSS JOIN LATERAL unnest(c.code) AS l
             WHERE c.artifact_id = of_artifact) u;
    IF total >= 600000 THEN
        -- Over the budget: each cell's words, in cell order, while they fit.
        merged := NULL;
        total := 0;
        FOR cell IN SELECT code FROM jupyter_artifacts_search_cells WHERE artifact_id = of_artifact
                     ORDER BY notebook_id, cell_index
        LOOP
            SELECT COALESCE(sum(pg_catalog.octet_length(l.lexeme)), 0) INTO size FROM unnest(cell.code) AS l;
            IF size > 0 AND total + size < 600000 THEN
                merged := CASE WHEN merged IS NULL THEN cell.code ELSE pg_catalog.tsvector_concat(merged, cell.code) END;
                total := total + size;
            END IF;
        END LOOP;
    END IF;
    IF merged IS NULL THEN
        DELETE FROM jupyter_artifacts_search_cellwords WHERE artifact_id = of_artifact;
    ELSE
        INSERT INTO jupyter_artifacts_search_cellwords AS w (artifact_id, words, bytes) VALUES (of_artifact, merged, total)
        ON CONFLICT (artifact_id) DO UPDATE SET words = EXCLUDED.words, bytes = EXCLUDED.bytes
         WHERE (w.words, w.bytes) IS DISTINCT FROM (EXCLUDED.words, EXCLUDED.bytes);
    END IF;
    UPDATE jupyter_artifacts_search s SET whole = x.whole
      FROM (SELECT s2.id, CASE WHEN merged IS NULL THEN NULL ELSE jupyter_artifacts_search_join(s2.doc, merged) END
                   AS whole
              FROM jupyter_artifacts_search s2 WHERE s2.artifact_id = of_artifact) x
     WHERE s.id = x.id AND s.whole IS DISTINCT FROM x.whole;
END
$$;

-- 0008's trigger on artifacts, with `whole`.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    new_doc tsvector;
    cell_words tsvector;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE jupyter_artifacts_search;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM jupyter_artifacts_search WHERE id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.is_latest THEN
        new_doc := jupyter_artifacts_search_doc(NEW.artifact_id, NEW.title, NEW.content);
        SELECT w.words INTO cell_words FROM jupyter_artifacts_search_cellwords w WHERE w.artifact_id = NEW.artifact_id;
        INSERT INTO jupyter_artifacts_search (id, artifact_id, artifact_type, created_at, head, doc, whole)
        VALUES (NEW.id, NEW.artifact_id, NEW.artifact_type, NEW.created_at,
                jupyter_artifacts_search_head(NEW.artifact_id, NEW.title), new_doc,
                CASE WHEN cell_words IS NULL THEN NULL ELSE jupyter_artifacts_search_join(new_doc, cell_words) END)
        ON CONFLICT (id) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, artifact_type = EXCLUDED.artifact_type,
                                       created_at = EXCLUDED.created_at, head = EXCLUDED.head, doc = EXCLUDED.doc,
                                       whole = EXCLUDED.whole;
    END IF;
    RETURN NULL;
END
$$;

-- 0008's row trigger on notebook_cells, unchanged for inserts (the statement trigger below
-- adds their words); an edit, a move or a deletion recomputes the notebooks concerned.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_sync_cell() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    old_owner TEXT;
    new_owner TEXT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE jupyter_artifacts_search_cells, jupyter_artifacts_search_cellwords;
        UPDATE jupyter_artifacts_search SET whole = NULL WHERE whole IS NOT NULL;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM jupyter_artifacts_search_cells WHERE notebook_id = OLD.notebook_id AND cell_index = OLD.cell_index
        RETURNING artifact_id INTO old_owner;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO jupyter_artifacts_search_cells (notebook_id, cell_index, artifact_id, code)
        SELECT NEW.notebook_id, NEW.cell_index, o.artifact_id, jupyter_artifacts_search_code(NEW.code)
          FROM artifacts o WHERE o.id = NEW.notebook_artifact_id
        ON CONFLICT (notebook_id, cell_index) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, code = EXCLUDED.code
        RETURNING artifact_id INTO new_owner;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF old_owner IS NOT NULL THEN
            PERFORM jupyter_artifacts_search_cells_changed(old_owner);
        END IF;
        IF new_owner IS NOT NULL AND new_owner IS DISTINCT FROM old_owner THEN
            PERFORM jupyter_artifacts_search_cells_changed(new_owner);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- Inserted cells, once per statement (a registration's COPY of 1,000 cells merges their words
-- once): their words join their notebook's, and its `whole`, without re-reading earlier cells.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_cells_added() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r RECORD;
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
        -- The owners are the latest version as a rule: found by primary key (an appended-to
        -- notebook's artifact_id leaves a dead row per version in the other index until vacuum).
        UPDATE jupyter_artifacts_search SET whole = jupyter_artifacts_search_join(COALESCE(whole, doc), r.words)
         WHERE id = ANY (r.owners) AND artifact_id = r.artifact_id;
        IF NOT FOUND THEN
            UPDATE jupyter_artifacts_search SET whole = jupyter_artifacts_search_join(COALESCE(whole, doc), r.words)
             WHERE artifact_id = r.artifact_id;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_search_cells_added ON notebook_cells;
CREATE TRIGGER jupyter_artifacts_search_cells_added AFTER INSERT ON notebook_cells
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_search_cells_added();

-- 0011's snapshot trigger: the cells a snapshot leaves out leave the search, and its
-- notebook's words are recomputed.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_snapshot() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM jupyter_artifacts_search_cells
     WHERE artifact_id = NEW.artifact_id AND NOT (notebook_id = NEW.notebook_id AND cell_index = ANY (NEW.cells));
    PERFORM jupyter_artifacts_search_cells_changed(NEW.artifact_id);
    RETURN NULL;
END
$$;

-- 0011's refresh, then the cell words and `whole` of every notebook. Returns the rows written.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_refresh() RETURNS BIGINT
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n_rows   BIGINT;
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
    GET DIAGNOSTICS n_rows = ROW_COUNT;
    RETURN n_rows + jupyter_artifacts_search_refresh_cells();
END
$$;

-- The refresh's second half: the cells of the latest versions, their words and `whole`
-- (the migration's online part runs the first half in batches, then this).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_refresh_cells() RETURNS BIGINT
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n_cells  BIGINT;
    n_words  BIGINT;
    n_more   BIGINT;
BEGIN
    CREATE TEMPORARY TABLE jupyter_artifacts_current_cells ON COMMIT DROP AS
    SELECT c.notebook_id, c.cell_index, c.artifact_id, c.code
      FROM jupyter_artifacts_version_cells c JOIN artifacts l ON l.id = c.version_id AND l.is_latest;
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

-- Every row recomputed with the functions above, the index of `whole` and the statistics:
-- the online part (0012_search_across.py), in batches.
