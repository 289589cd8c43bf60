-- Text search over the latest versions (API.md: `GET /api/artifacts?q=`) with PostgreSQL's
-- own full-text search and GIN indexes: no extension, so the embedded server and any
-- external one behave alike. The text search configuration is `simple` everywhere: no
-- stemming and no stop words, so ids, gene names and code read alike in every language.
--
-- Where the vectors live. The latest versions' vectors are stored, with the columns a search
-- filters and orders by, in jupyter_artifacts_search: one narrow row per latest version; and
-- every notebook cell's vector, with its notebook's artifact id, in
-- jupyter_artifacts_search_cells. Triggers keep both for every writer. GIN expression
-- indexes over `artifacts` (WHERE is_latest) were measured first, at 1 M versions, and were
-- 10-100x slower: a search there visits the wide version rows (content inline, older
-- versions interleaved), must recompute a version's vector (tens of microseconds) for every
-- row it filters or rechecks, and the planner has no statistics for a partial index's
-- expression, so it cannot tell a rare word from a common one. Here a vector is read, not
-- recomputed, the rows are small, and the planner knows each word's frequency.
--
-- The functions below must never fail on any row any writer stores (they run inside that
-- writer's INSERT): NULLs become empty text, their bodies use built-in functions only (so a
-- session's search_path cannot change them), and the text indexed is capped far below
-- tsvector's 1 MB limit.

-- Ids and titles, split at the separators ids use (`hypothesis-H-89` -> hypothesis H 89,
-- `GSE12.v2` -> GSE12 v2), so every part of an id is a word of its own. `<` and `>` are
-- blanked too: the parser would otherwise read `<b>`-like text as markup and index nothing
-- of a title such as "<script>…</script> APOE".
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_head(artifact_id TEXT, title TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.strip(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, pg_catalog.translate(
        COALESCE(artifact_id, '') || ' ' || pg_catalog.left(COALESCE(title, ''), 4000), '-._:/@<>', '        ')))
$$;

-- The whole searchable text of a version: its id and title, and the string values of its
-- content, whatever JSON that is (an object, an array, a bare string, null; keys are not
-- text). Content whose JSON text exceeds 256 KiB is indexed from its first 100,000
-- characters of JSON text instead (keys included, escapes blanked), so the cost of an
-- insert stays bounded whatever another service stores. jsonb_to_tsvector and jsonb's text
-- output walk a value without recursion: no depth is too deep for them. Positions are
-- stripped: searches match words, they do not rank by proximity.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_doc(artifact_id TEXT, title TEXT, content JSONB)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.strip(
        pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, pg_catalog.translate(
            COALESCE(artifact_id, '') || ' ' || pg_catalog.left(COALESCE(title, ''), 4000), '-._:/@<>', '        '))
        || CASE WHEN content IS NULL THEN ''::tsvector
                WHEN pg_catalog.octet_length(content::text) <= 262144
                    THEN pg_catalog.jsonb_to_tsvector('pg_catalog.simple'::regconfig, content, '["string"]'::jsonb)
                ELSE pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, pg_catalog.regexp_replace(
                         pg_catalog.left(content::text, 100000), E'\\\\(u[0-9a-fA-F]{4}|.)', ' ', 'g'))
           END)
$$;

-- A notebook cell's source (code or markdown), split like ids so that `sc.tl.leiden` and
-- `run_de` are words; its first 100,000 characters (a source may hold 1 MiB).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_code(code TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.strip(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig,
        pg_catalog.translate(pg_catalog.left(COALESCE(code, ''), 100000), '-._:/@<>', '        ')))
$$;

-- What a user typed, as a tsquery built from the words the same parser finds in it; the
-- text is never read as tsquery syntax (every lexeme is quoted). Every whitespace-separated
-- chunk must match, read both as the parser reads running text (so `NB-12` finds the text
-- "NB-12", where the parser sees `nb` and the number `-12`) and split like ids (so it finds
-- the id `NB-12`). Within a chunk the last word is a prefix (it may still be being typed);
-- the words before it were ended by a separator and match whole words, so `H-89` does not
-- ask for every word that starts with h. NULL when the text holds no word at all.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_query(q TEXT) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH chunks AS (
        SELECT c.chunk, c.n
          FROM pg_catalog.regexp_split_to_table(pg_catalog.left(COALESCE(q, ''), 1000), E'\\s+')
               WITH ORDINALITY AS c(chunk, n)
         WHERE c.chunk <> ''
    ), lexemes AS (
        SELECT c.n, f.form, l.lexeme, (SELECT max(p) FROM unnest(l.positions) p) AS last_at
          FROM chunks c
         CROSS JOIN LATERAL (VALUES (1, c.chunk),
                                    (2, pg_catalog.translate(c.chunk, '-._:/@<>', '        '))) AS f(form, text)
         CROSS JOIN LATERAL unnest(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, f.text)) AS l
    ), marked AS (
        SELECT *, max(last_at) OVER (PARTITION BY n, form) AS chunk_end FROM lexemes
    ), forms AS (
        SELECT n, form,
               string_agg(E'\'' || replace(replace(lexeme, E'\\', E'\\\\'), E'\'', E'\'\'') || E'\''
                          || CASE WHEN last_at = chunk_end THEN ':*' ELSE '' END, ' & ' ORDER BY lexeme) AS conj
          FROM marked GROUP BY n, form
    ), terms AS (
        SELECT n, '(' || string_agg(DISTINCT '(' || conj || ')', ' | ') || ')' AS term FROM forms GROUP BY n
    )
    SELECT string_agg(term, ' & ' ORDER BY n)::tsquery FROM terms
$$;

-- One row per latest version (what the list shows; older versions are not searched).
CREATE TABLE IF NOT EXISTS jupyter_artifacts_search (
    id            TEXT PRIMARY KEY,   -- artifacts.id of a version whose is_latest is true
    artifact_id   TEXT NOT NULL,
    artifact_type TEXT,
    created_at    TIMESTAMPTZ,
    head          tsvector NOT NULL,  -- jupyter_artifacts_search_head(artifact_id, title)
    doc           tsvector NOT NULL   -- jupyter_artifacts_search_doc(artifact_id, title, content)
);

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE jupyter_artifacts_search;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM jupyter_artifacts_search WHERE id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.is_latest THEN
        INSERT INTO jupyter_artifacts_search (id, artifact_id, artifact_type, created_at, head, doc)
        VALUES (NEW.id, NEW.artifact_id, NEW.artifact_type, NEW.created_at,
                jupyter_artifacts_search_head(NEW.artifact_id, NEW.title),
                jupyter_artifacts_search_doc(NEW.artifact_id, NEW.title, NEW.content))
        ON CONFLICT (id) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, artifact_type = EXCLUDED.artifact_type,
                                       created_at = EXCLUDED.created_at, head = EXCLUDED.head, doc = EXCLUDED.doc;
    END IF;
    RETURN NULL;
END
$$;
-- Every writer: a new latest version (the extension's, another service's), a demotion, a
-- legacy row another service edits in place, a deletion.
DROP TRIGGER IF EXISTS jupyter_artifacts_search_insert ON artifacts;
CREATE TRIGGER jupyter_artifacts_search_insert AFTER INSERT ON artifacts
    FOR EACH ROW WHEN (NEW.is_latest) EXECUTE FUNCTION jupyter_artifacts_search_sync();
DROP TRIGGER IF EXISTS jupyter_artifacts_search_update ON artifacts;
CREATE TRIGGER jupyter_artifacts_search_update
    AFTER UPDATE OF id, artifact_id, artifact_type, title, content, created_at, is_latest ON artifacts
    FOR EACH ROW WHEN ((OLD.is_latest OR NEW.is_latest) AND
                       (OLD.is_latest, OLD.id, OLD.artifact_id, OLD.artifact_type, OLD.created_at, OLD.title, OLD.content)
                       IS DISTINCT FROM
                       (NEW.is_latest, NEW.id, NEW.artifact_id, NEW.artifact_type, NEW.created_at, NEW.title, NEW.content))
    EXECUTE FUNCTION jupyter_artifacts_search_sync();
DROP TRIGGER IF EXISTS jupyter_artifacts_search_delete ON artifacts;
CREATE TRIGGER jupyter_artifacts_search_delete AFTER DELETE ON artifacts
    FOR EACH ROW WHEN (OLD.is_latest) EXECUTE FUNCTION jupyter_artifacts_search_sync();
DROP TRIGGER IF EXISTS jupyter_artifacts_search_truncate ON artifacts;
CREATE TRIGGER jupyter_artifacts_search_truncate AFTER TRUNCATE ON artifacts
    FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_search_sync();

-- Every cell, with the artifact id (lineage key) of the version that owns it: cells are
-- immutable and a notebook version's cells are its chain's, so every cell of a notebook
-- belongs to its latest version. A cell whose owner is unknown is not searchable.
CREATE TABLE IF NOT EXISTS jupyter_artifacts_search_cells (
    notebook_id TEXT NOT NULL,
    cell_index  INTEGER NOT NULL,
    artifact_id TEXT NOT NULL,
    code        tsvector NOT NULL,  -- jupyter_artifacts_search_code(code)
    PRIMARY KEY (notebook_id, cell_index)
);

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_sync_cell() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE jupyter_artifacts_search_cells;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM jupyter_artifacts_search_cells WHERE notebook_id = OLD.notebook_id AND cell_index = OLD.cell_index;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO jupyter_artifacts_search_cells (notebook_id, cell_index, artifact_id, code)
        SELECT NEW.notebook_id, NEW.cell_index, o.artifact_id, jupyter_artifacts_search_code(NEW.code)
          FROM artifacts o WHERE o.id = NEW.notebook_artifact_id
        ON CONFLICT (notebook_id, cell_index) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, code = EXCLUDED.code;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_search_cell ON notebook_cells;
CREATE TRIGGER jupyter_artifacts_search_cell
    AFTER INSERT OR DELETE OR UPDATE OF notebook_id, cell_index, code, notebook_artifact_id ON notebook_cells
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_search_sync_cell();
DROP TRIGGER IF EXISTS jupyter_artifacts_search_cells_truncate ON notebook_cells;
CREATE TRIGGER jupyter_artifacts_search_cells_truncate AFTER TRUNCATE ON notebook_cells
    FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_search_sync_cell();

-- Brings both tables in line with `artifacts` and `notebook_cells`, set-based and idempotent:
-- the migration fills them with it, and an operator who loaded rows with triggers disabled
-- (session_replication_role = replica) runs `SELECT jupyter_artifacts_search_refresh()`.
-- Returns the rows written.
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

    DELETE FROM jupyter_artifacts_search_cells s
     WHERE NOT EXISTS (SELECT 1 FROM notebook_cells c JOIN artifacts o ON o.id = c.notebook_artifact_id
                        WHERE c.notebook_id = s.notebook_id AND c.cell_index = s.cell_index);
    INSERT INTO jupyter_artifacts_search_cells AS s (notebook_id, cell_index, artifact_id, code)
    SELECT c.notebook_id, c.cell_index, o.artifact_id, jupyter_artifacts_search_code(c.code)
      FROM notebook_cells c JOIN artifacts o ON o.id = c.notebook_artifact_id
    ON CONFLICT (notebook_id, cell_index) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, code = EXCLUDED.code
     WHERE (s.artifact_id, s.code) IS DISTINCT FROM (EXCLUDED.artifact_id, EXCLUDED.code);
    GET DIAGNOSTICS cells = ROW_COUNT;
    RETURN written + cells;
END
$$;

-- The rows already there, the indexes (after the rows, which builds them faster) and the
-- planner's statistics: the online part (0008_search.py), in batches, so that the writers the
-- triggers above now serve are never held back for long.
