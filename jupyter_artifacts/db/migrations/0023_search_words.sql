-- The words of the search's id, title and content vectors (`head`, `doc`), one row each: what
-- a prefix typed in a query (`plaque:*`, the last word of every chunk) stands for. GIN reads a
-- prefix by building a bitmap of every row of every word it begins before it returns a row
-- (~0.3 µs a row: `trem2:* & plaque:*` in titles 37.7 ms at 10 M versions, for 881 rows);
-- the same words read as whole words skip along the rarest one (`trem2 & plaque` 2.9 ms).
-- db/search.py looks a prefix's words up here and reads them as whole words when they are
-- few, and leaves a chunk whose word no id, title or content holds out of those vectors' reads.
--
-- A word stays once written (a word no row holds any more costs a read of an empty list); the
-- cells' words are not here (their tier reads its prefixes as typed). Kept by a statement
-- trigger on inserts (a bulk insert sorts its words once) and a row trigger on the updates that
-- change a row's words (a cell append rewrites its notebook's row with the same `doc`). Words
-- are inserted in order, so two writers adding the same new words cannot deadlock in one
-- statement. Until the online part has added the words of every existing row (this
-- migration's version recorded), searches read prefixes as before.
CREATE TABLE IF NOT EXISTS jupyter_artifacts_search_words (
    word TEXT COLLATE "C" PRIMARY KEY  -- a lexeme of some row's head or doc ("C": a prefix is a range)
);

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_words_added() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO jupyter_artifacts_search_words (word)
    SELECT DISTINCT w.word COLLATE "C"
      FROM jupyter_artifacts_search_new n
     CROSS JOIN LATERAL unnest(tsvector_to_array(n.head) || tsvector_to_array(n.doc)) AS w(word)
     ORDER BY 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_search_words_insert ON jupyter_artifacts_search;
CREATE TRIGGER jupyter_artifacts_search_words_insert AFTER INSERT ON jupyter_artifacts_search
    REFERENCING NEW TABLE AS jupyter_artifacts_search_new
    FOR EACH STATEMENT EXECUTE FUNCTION jupyter_artifacts_search_words_added();

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_words_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO jupyter_artifacts_search_words (word)
    SELECT DISTINCT w.word COLLATE "C"
      FROM unnest(tsvector_to_array(NEW.head) || tsvector_to_array(NEW.doc)) AS w(word)
     ORDER BY 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_search_words_update ON jupyter_artifacts_search;
CREATE TRIGGER jupyter_artifacts_search_words_update AFTER UPDATE OF head, doc ON jupyter_artifacts_search
    FOR EACH ROW WHEN (OLD.head IS DISTINCT FROM NEW.head OR OLD.doc IS DISTINCT FROM NEW.doc)
    EXECUTE FUNCTION jupyter_artifacts_search_words_changed();
