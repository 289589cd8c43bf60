"""A search query as db/search.py reads it: its chunks (migration 0016's
jupyter_artifacts_search_chunks()), each with the trigrams a GIN read of its fragment looks up
(search_stats), its words as the id, title and content vectors hold them (search_words), and
how common they are."""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import search_stats, search_words
from .artifacts import _all


@dataclass(frozen=True)
class Chunk:
    n: int
    term: str | None      # its words, a tsquery's text
    fragment: str | None  # lower-cased, when it has 3 or more characters
    grams: list[int] | None
    lead: int | None = None  # a chunk with words: its first trigram inside a word (migration 0016)
    shares: dict | None = None  # the share of rows its words match, per vector (search_stats)
    key: tuple | None = None  # on `whole`: the search table's statistics (search_stats)
    keys: list[int] | None = None  # the trigram hashes a GIN read of it looks up (search_stats.rare_grams)
    narrow: str | None = None  # its words as `head` and `doc` hold them (search_words; "" none), None: `term`

    def words(self, vector: str) -> str | None:
        """Its words as a tsquery's text for a read of `vector`, None when that vector holds none."""
        if vector in search_words.VECTORS and self.narrow is not None:
            return self.narrow or None
        return self.term

    def param(self, vector: str) -> str:
        """The name of the parameter holding words(vector)."""
        return f"v{self.n}" if vector in search_words.VECTORS and self.narrow is not None else f"w{self.n}"


async def query_chunks(conn, q: str) -> tuple[list[Chunk], Chunk]:
    """The chunks of what a user typed (none when it holds no word), and the whole text as one
    fragment (`n` 0), which a text without any word is matched by."""
    # (`seq`: a fragment's trigram hashes by position, each marked as jupyter_artifacts_search_grams
    # marks one that a letter or digit precedes: what a row holding the fragment holds.)
    rows = await _all(conn, """
        SELECT c.*, ARRAY(SELECT hashtext(CASE WHEN i > 1 AND (ascii(substr(c.fragment, i - 1, 1)) > 127
                                                             OR substr(c.fragment, i - 1, 1) ~ '[A-Za-z0-9]')
                                               THEN E'\\x01' ELSE '' END || substr(c.fragment, i, 3))
                            FROM generate_series(1, char_length(c.fragment) - 2) AS i
                           WHERE strpos(substr(c.fragment, i, 3), E'\\n') = 0 ORDER BY i) AS seq
          FROM (SELECT n, term::text AS term, fragment, grams,
                       CASE WHEN term IS NOT NULL AND fragment IS NOT NULL
                            THEN hashtext(E'\\x01' || left(fragment, 3)) END AS lead, NULL::oid AS relid, NULL AS analyzed
                  FROM jupyter_artifacts_search_chunks(%(q)s)
                UNION ALL
                SELECT 0, NULL, lower(%(q)s), CASE WHEN char_length(%(q)s) >= 3
                                                   THEN jupyter_artifacts_search_grams(lower(%(q)s)) END, NULL, t.relid,
                       greatest(pg_stat_get_last_analyze_time(t.relid), pg_stat_get_last_autoanalyze_time(t.relid))
                  FROM (SELECT to_regclass('jupyter_artifacts_search')::oid AS relid) t) c
         ORDER BY 1""", {"q": q})
    key = (rows[0]["relid"], rows[0]["analyzed"])
    chunks = [Chunk(**{k: v for k, v in r.items() if k not in ("relid", "analyzed", "seq")}) for r in rows]
    chunks = [replace(c, keys=await search_stats.rare_grams(conn, key, c.lead, r["seq"]) if c.grams else None)
              for c, r in zip(chunks, rows)]
    whole, chunks = replace(chunks[0], key=key), chunks[1:]
    narrowed = await search_words.narrow(conn, [c.term for c in chunks])
    if narrowed is not None:
        chunks = [replace(c, narrow=t) for c, t in zip(chunks, narrowed)]
    if sum(1 for c in chunks if c.term) < 2:
        return (chunks if any(c.term for c in chunks) else []), whole
    # Several chunks with words: how common each is, for tier_parts() to leave a common prefix
    # out of a GIN read (search_stats).
    found = await search_stats.shares(conn, key, [c.term or "" for c in chunks])
    if found:
        chunks = [replace(c, shares=f) for c, f in zip(chunks, found)]
    return chunks, whole
