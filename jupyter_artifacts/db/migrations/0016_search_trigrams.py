"""Fragments of ids and titles through a trigram side column (API.md, `GET /api/artifacts?q=`: "a
fragment of 3 or more characters of an id or title matches too"), with no extension: the
embedded server ships no pg_trgm, and one code path must give the same answers everywhere.

Each row of jupyter_artifacts_search (one per latest version) gets
* `folded`: its artifact id and title (the title's first 4,000 characters), lower-cased, joined
  by a newline: what a fragment is looked for in (`strpos`, so `%`, `_` and `\\` are plain
  characters), without reading the wide version row;
* `grams`: the hashes (`hashtext`) of every 3-character substring of the id and of the title
  (none spans the newline), with a GIN index. A fragment's own trigrams must all be there
  (`grams @> ...`), then `strpos` on `folded` confirms. Unpadded, unlike pg_trgm's word
  trigrams: a fragment may start or end anywhere in a word, or span a separator (`P-7` in
  `HYP-77`). Hashes, not the trigrams as text: an int4 array holds 4 bytes a trigram where a
  text array holds 8 (each element carries a header and alignment); a collision only adds a
  candidate that `strpos` then drops.
A BEFORE trigger on jupyter_artifacts_search computes both from the version row whenever a row
is inserted or its `head` written, so every writer of that table (migration 0008's trigger on
artifacts for every writer of versions, the refresh) keeps them without knowing of them.

Migration 0012's suffix fragments (`\\x01...` lexemes in `head`, `doc` and `whole`) are dropped:
every fragment they found is a substring the trigrams find, and they made up most of `head`. The
existing vectors lose them in online(), in batches, with the trigram columns filled at the same
time; the GIN index is built after.
"""

from __future__ import annotations

import functools

from .. import online as work

DDL = r"""
ALTER TABLE jupyter_artifacts_search ADD COLUMN IF NOT EXISTS folded TEXT;      -- lower(id) \n lower(title)
ALTER TABLE jupyter_artifacts_search ADD COLUMN IF NOT EXISTS grams INTEGER[];  -- hashes of its trigrams

CREATE OR REPLACE FUNCTION jupyter_artifacts_search_folded(artifact_id TEXT, title TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.lower(COALESCE(artifact_id, '')) || E'\n'
           || pg_catalog.lower(pg_catalog.left(COALESCE(title, ''), 4000))
$$;

-- The hashes of every 3-character substring of a folded text (or of a fragment) that holds no
-- newline: the id's and the title's, never one across them. A substring that may start inside
-- a word (after a letter or digit, or after any character beyond ASCII) is hashed a second
-- time marked with U+0001 (which no query holds): a query chunk whose words match no word of
-- the row, yet which the row holds, holds it inside a word, and that first trigram is rare
-- (db/search.py reads such rows by it instead of every row holding the chunk).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_grams(t TEXT) RETURNS INTEGER[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT h.hash), '{}')
      FROM pg_catalog.generate_series(1, pg_catalog.char_length(t) - 2) AS i
     CROSS JOIN LATERAL (SELECT pg_catalog.substr(t, i, 3) AS gram,
                                CASE WHEN i > 1 THEN pg_catalog.substr(t, i - 1, 1) END AS before) g
     CROSS JOIN LATERAL (VALUES (pg_catalog.hashtext(g.gram)),
                                (CASE WHEN pg_catalog.ascii(g.before) > 127 OR g.before ~ '[A-Za-z0-9]'
                                      THEN pg_catalog.hashtext(E'\x01' || g.gram) END)) AS h(hash)
     WHERE pg_catalog.strpos(g.gram, E'\n') = 0 AND h.hash IS NOT NULL
$$;

-- The version row's folded id and title, and their trigrams, for a search row being written (the
-- row of artifacts is there: the writers are migration 0008's AFTER trigger and the refresh).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_fold() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.folded := COALESCE((SELECT jupyter_artifacts_search_folded(a.artifact_id, a.title) FROM artifacts a
                             WHERE a.id = NEW.id),
                           jupyter_artifacts_search_folded(NEW.artifact_id, NULL));
    NEW.grams := jupyter_artifacts_search_grams(NEW.folded);
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS jupyter_artifacts_search_fold ON jupyter_artifacts_search;
CREATE TRIGGER jupyter_artifacts_search_fold BEFORE INSERT OR UPDATE OF head ON jupyter_artifacts_search
    FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_search_fold();

-- Ids and titles: their words only (0012 added the suffix fragments the trigrams replace).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_head(artifact_id TEXT, title TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.strip(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, jupyter_artifacts_search_split(
               COALESCE(artifact_id, '') || ' ' || pg_catalog.left(COALESCE(title, ''), 4000))))
$$;

-- A vector without 0012's fragment lexemes (those starting with U+0001).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_unfragment(v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.ts_delete(v, ARRAY(SELECT l.lexeme FROM pg_catalog.unnest(v) AS l
                                          WHERE pg_catalog.left(l.lexeme, 1) = E'\x01'))
$$;

-- A query, one row per whitespace-separated chunk that can match (numbered from 1): `term`, its
-- words as a tsquery (0008's rule: read as running text and split like ids, the last word of
-- the chunk a prefix; NULL for a chunk without a word), and for a chunk of 3 or more characters
-- `fragment`, the chunk lower-cased, with `grams`, its trigrams. A chunk with neither (`→`) is
-- left out.
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_chunks(q TEXT)
RETURNS TABLE (n INTEGER, term tsquery, fragment TEXT, grams INTEGER[])
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
        SELECT *, max(last_at) OVER (PARTITION BY n, form) AS chunk_end FROM lexemes
    ), forms AS (
        SELECT n, form,
               string_agg(E'\'' || replace(replace(lexeme, E'\\', E'\\\\'), E'\'', E'\'\'') || E'\''
                          || CASE WHEN last_at = chunk_end THEN ':*' ELSE '' END, ' & ' ORDER BY lexeme) AS conj
          FROM marked GROUP BY n, form
    ), terms AS (
        SELECT n, ('(' || string_agg(DISTINCT '(' || conj || ')', ' | ') || ')')::tsquery AS term
          FROM forms GROUP BY n
    )
    SELECT (row_number() OVER (ORDER BY c.n))::int, t.term, f.fragment,
           CASE WHEN f.fragment IS NOT NULL THEN jupyter_artifacts_search_grams(f.fragment) END
      FROM chunks c
      LEFT JOIN terms t ON t.n = c.n
     CROSS JOIN LATERAL (SELECT CASE WHEN pg_catalog.char_length(c.chunk) >= 3
                                     THEN pg_catalog.lower(c.chunk) END AS fragment) f
     WHERE t.term IS NOT NULL OR f.fragment IS NOT NULL
$$;

-- Every word of the query, as one tsquery (NULL when it holds no word).
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_query(q TEXT) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT string_agg('(' || term::text || ')', ' & ' ORDER BY n)::tsquery
      FROM jupyter_artifacts_search_chunks(q) WHERE term IS NOT NULL
$$;

-- The refresh (0012's, kept under another name) also brings `folded` and `grams` in line: a
-- title another service changed with the triggers off, in its punctuation alone, leaves `head`
-- as it was.
DO $$
BEGIN
    IF to_regprocedure('jupyter_artifacts_search_refresh_words()') IS NULL THEN
        ALTER FUNCTION jupyter_artifacts_search_refresh() RENAME TO jupyter_artifacts_search_refresh_words;
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION jupyter_artifacts_search_refresh() RETURNS BIGINT
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n_words  BIGINT;
    n_folded BIGINT;
BEGIN
    n_words := jupyter_artifacts_search_refresh_words();
    UPDATE jupyter_artifacts_search s SET folded = x.folded, grams = jupyter_artifacts_search_grams(x.folded)
      FROM (SELECT a.id, jupyter_artifacts_search_folded(a.artifact_id, a.title) AS folded
              FROM artifacts a WHERE a.is_latest) x
     WHERE s.id = x.id AND s.folded IS DISTINCT FROM x.folded;
    GET DIAGNOSTICS n_folded = ROW_COUNT;
    RETURN n_words + n_folded;
END
$$;
"""

# One batch of the rows written before this migration (`folded` still NULL), the next BATCH_ROWS
# by id (a walk along the primary key, so no batch re-reads the rows before it): 0012's
# fragments out of their vectors; writing `head` makes the trigger above fill `folded` and `grams`.
BATCH = """
    WITH b AS (SELECT id FROM jupyter_artifacts_search WHERE id > %(after)s ORDER BY id LIMIT %(size)s),
         done AS (
             UPDATE jupyter_artifacts_search s
                SET head = jupyter_artifacts_search_unfragment(s.head), doc = jupyter_artifacts_search_unfragment(s.doc),
                    whole = jupyter_artifacts_search_unfragment(s.whole)
               FROM b WHERE s.id = b.id AND s.folded IS NULL
             RETURNING 1)
    SELECT (SELECT max(id) FROM b) AS last, (SELECT count(*) FROM done) AS n"""
BATCH_ROWS = 500  # rows a batch rewrites, with their GIN entries (1,000: 0.23 s median, 0.88 s worst, loaded machine)


async def migrate(conn) -> None:
    await conn.execute(DDL)


async def _batch(conn, after: str) -> str | None:
    async with conn.transaction():
        await conn.execute(f"SET LOCAL lock_timeout = {int(work.LOCK_TIMEOUT_MS)}")
        cur = await conn.execute(BATCH, {"after": after, "size": BATCH_ROWS})
        row = await cur.fetchone()
    return row["last"] if isinstance(row, dict) else row[0]


async def online(conn) -> None:
    # Each batch its own short transaction; a crash half-way leaves the rows done done (the
    # next run skips them: their `folded` is set).
    after: str | None = ""
    while after is not None:
        after = await work.retrying("search trigrams", functools.partial(_batch, conn, after))
    await work.create_index(conn, "jupyter_artifacts_search_grams_idx", "ON jupyter_artifacts_search USING gin (grams)")
    # The search's order (db/search.py): newest first, one created_at's rows by a hash of the id.
    await work.create_index(conn, "jupyter_artifacts_search_newest_idx",
                            "ON jupyter_artifacts_search (created_at DESC, hashtext(id) DESC, id DESC)")
    await work.create_index(conn, "jupyter_artifacts_search_newest_notebooks_idx",
                            "ON jupyter_artifacts_search (created_at DESC, hashtext(id) DESC, id DESC) "
                            "WHERE artifact_type = 'notebook'")
    await conn.execute("ANALYZE jupyter_artifacts_search")
