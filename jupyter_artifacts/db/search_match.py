"""SQL of a search page's `match` (db/search.py lists the rows): why each listed version
matched, and the snippets around its words."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from .artifacts import _all

# -- match: why a listed version matched (only the page's rows, never every match) -----------

_TERMS = "t AS MATERIALIZED (SELECT n, term, fragment FROM jupyter_artifacts_search_chunks(%(q)s))"


async def match_fields(conn, q: str, row_ids: list[str]) -> dict[str, dict]:
    """For each row: the numbers of the query's chunks (from 1) that its id holds (by words or
    as a fragment; `frag_id`: as a fragment only), that its title holds (likewise `frag_title`),
    that its id, title and content hold (`in_doc`), the chunks' fragments (`fragments`, by
    number from 1, None for a chunk under 3 characters), and its best cell (the cell of its
    latest version holding the most chunks' words, the first such): {id: {in_id, frag_id,
    in_title, frag_title, in_doc, fragments, notebook_id, cell_index, in_cell}}. Only short
    texts are parsed here; the rest are the stored vectors."""
    rows = await _all(conn, f"""
        WITH {_TERMS}
        SELECT a.id, ARRAY(SELECT t.fragment FROM t ORDER BY t.n) AS fragments,
               ARRAY(SELECT t.n FROM t WHERE v.id_words @@ t.term OR strpos(v.id_folded, t.fragment) > 0
                      ORDER BY t.n) AS in_id,
               ARRAY(SELECT t.n FROM t WHERE (v.id_words @@ t.term) IS NOT TRUE AND strpos(v.id_folded, t.fragment) > 0
                      ORDER BY t.n) AS frag_id,
               ARRAY(SELECT t.n FROM t WHERE v.title_words @@ t.term OR strpos(v.title_folded, t.fragment) > 0
                      ORDER BY t.n) AS in_title,
               ARRAY(SELECT t.n FROM t WHERE (v.title_words @@ t.term) IS NOT TRUE
                                            AND strpos(v.title_folded, t.fragment) > 0 ORDER BY t.n) AS frag_title,
               ARRAY(SELECT t.n FROM t WHERE s.doc @@ t.term OR strpos(v.id_folded, t.fragment) > 0
                                            OR strpos(v.title_folded, t.fragment) > 0 ORDER BY t.n) AS in_doc,
               cell.notebook_id, cell.cell_index, COALESCE(cell.hits, '{{}}') AS in_cell
          FROM unnest(%(ids)s::text[]) AS p(id)
          JOIN artifacts a ON a.id = p.id
          LEFT JOIN jupyter_artifacts_search s ON s.id = a.id
         CROSS JOIN LATERAL (  -- OFFSET 0: computed once per row, not once per term
              SELECT to_tsvector('pg_catalog.simple'::regconfig, jupyter_artifacts_search_split(a.artifact_id))
                         AS id_words,
                     to_tsvector('pg_catalog.simple'::regconfig,
                                 jupyter_artifacts_search_split(pg_catalog.left(a.title, 4000))) AS title_words,
                     lower(COALESCE(a.artifact_id, '')) AS id_folded,
                     lower(pg_catalog.left(COALESCE(a.title, ''), 4000)) AS title_folded
              OFFSET 0) v
          LEFT JOIN LATERAL (
              SELECT c.notebook_id, c.cell_index, h.hits FROM jupyter_artifacts_search_cells c
               CROSS JOIN LATERAL (SELECT ARRAY(SELECT t.n FROM t WHERE c.code @@ t.term ORDER BY t.n) AS hits) h
               WHERE c.artifact_id = a.artifact_id AND a.artifact_type = 'notebook' AND cardinality(h.hits) > 0
               ORDER BY cardinality(h.hits) DESC, c.notebook_id, c.cell_index LIMIT 1) cell ON TRUE""",
        {"q": q, "ids": row_ids})
    return {r["id"]: r for r in rows}


# ts_headline's markers: control characters no text the snippet is cut from keeps (they are
# blanked first, one for one, so offsets hold).
START, STOP = "\x02", "\x03"
# The default mode (one stretch from the best match on; MaxFragments costs ~5x more); the
# words before it come from `before`.
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=10, ShortWord=0"
BEFORE = 60  # characters of text before a headline, for context


async def headlines(conn, q: str, picks: list[dict], whole_below: int) -> list[dict]:
    """ts_headline of each pick ({id, field, notebook_id?, cell_index?, terms}: the field's text
    around the terms it holds), in order: [{headline, original, before, position}].
    `headline` is cut from the text as it was searched (ids, titles and code with their
    separators blanked; `<` and `>` blanked everywhere, or the parser would drop markup-like
    text from the headline and the stretch could not be found again) and carries START/STOP around each matched word; `original` is the same
    stretch of the text as stored (None if it could not be found), `before` the text before it
    (up to BEFORE characters); `position` a cell's place in
    the latest version (None when the version cannot tell). A text of at most `whole_below`
    characters is its own headline."""
    items = [{**p, "ord": i} for i, p in enumerate(picks)]
    rows = await _all(conn, f"""
        WITH {_TERMS},
             p AS (SELECT * FROM jsonb_to_recordset(%(items)s) AS p(ord int, id text, field text, notebook_id text,
                                                                   cell_index int, terms int[]))
        SELECT p.ord, h.headline,
               CASE WHEN at.pos > 0 THEN substr(x.original, at.pos, char_length(at.plain)) END AS original,
               CASE WHEN at.pos > 1 THEN substr(x.original, greatest(1, at.pos - %(before)s),
                                                least(at.pos - 1, %(before)s)) ELSE '' END AS before,
               CASE WHEN p.field = 'cell' AND a.version_number IS NOT NULL THEN (
                   -- The cell's place in the version (migration 0011's order, without listing the
                   -- other cells): in its latest snapshot's list, or after that list among the
                   -- cells later appends stored, by cell_index.
                   SELECT COALESCE(CASE WHEN s.notebook_id = p.notebook_id
                                        THEN array_position(s.cells, p.cell_index) - 1 END,
                                   COALESCE(cardinality(s.cells), 0) + (
                                       SELECT count(*)::int FROM artifacts o
                                         JOIN notebook_cells c ON c.notebook_artifact_id = o.id
                                        WHERE o.artifact_id = a.artifact_id AND o.version_number <= a.version_number
                                          AND o.version_number > COALESCE(s.version_number, 0)
                                          AND NOT o.adoption_exempt AND c.cell_index < p.cell_index))
                     FROM (SELECT 1) one
                     LEFT JOIN LATERAL (
                         SELECT ns.version_number, ns.notebook_id, ns.cells FROM notebook_snapshots ns
                          WHERE ns.artifact_id = a.artifact_id AND ns.version_number <= a.version_number
                          ORDER BY ns.version_number DESC LIMIT 1) s ON TRUE) END AS position
          FROM p JOIN artifacts a ON a.id = p.id
         -- Each step OFFSET 0: evaluated once per pick (flattened, every use would repeat it).
         CROSS JOIN LATERAL (SELECT CASE p.field
                 WHEN 'id' THEN a.artifact_id
                 WHEN 'title' THEN pg_catalog.left(COALESCE(a.title, ''), 4000)
                 WHEN 'content' THEN jupyter_artifacts_search_content_text(a.content)
                 ELSE (SELECT pg_catalog.left(COALESCE(c.code, ''), 100000) FROM notebook_cells c
                        WHERE c.notebook_id = p.notebook_id AND c.cell_index = p.cell_index) END AS original
                              OFFSET 0) x
         CROSS JOIN LATERAL (SELECT translate(CASE WHEN p.field = 'content' THEN translate(x.original, '<>', '  ')
                                                   ELSE jupyter_artifacts_search_split(x.original) END,
                                              %(marks)s, '  ') AS text OFFSET 0) y
         CROSS JOIN LATERAL (SELECT string_agg('(' || t.term::text || ')', ' | ')::tsquery AS query
                               FROM t WHERE t.n = ANY(p.terms) AND t.term IS NOT NULL OFFSET 0) qq
         -- (A pick whose chunks matched as fragments only has no words to mark: its text.)
         CROSS JOIN LATERAL (SELECT COALESCE(ts_headline('pg_catalog.simple'::regconfig, y.text, qq.query,
                                                         CASE WHEN char_length(y.text) <= %(whole)s
                                                              THEN %(all)s ELSE %(options)s END),
                                             y.text) AS headline
                              OFFSET 0) h
         CROSS JOIN LATERAL (SELECT strpos(y.text, translate(h.headline, %(marks)s, '')) AS pos,
                                    translate(h.headline, %(marks)s, '') AS plain OFFSET 0) at
         ORDER BY p.ord""", {"q": q, "items": Jsonb(items), "marks": START + STOP, "options": HEADLINE_OPTIONS,
                                    "all": f"StartSel={START}, StopSel={STOP}, HighlightAll=true",
                                    "whole": whole_below, "before": BEFORE})
    return rows
