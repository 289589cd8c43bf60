"""How common a query chunk's words are in the search vectors, from PostgreSQL's own column
statistics (pg_stats' most common elements of `head`, `doc` and `whole`, and of `grams`), for
db/search.py to pick the chunks (and a fragment's trigrams) a GIN read looks up.

Why: GIN reads a prefix (`microglia:*`, the last word of every chunk) by collecting every row of
every word it begins into a bitmap before it returns anything, even when another chunk of the
same condition has no row at all. `microglia TREM2 adata` spent ~25 ms of its 60 at 1 M versions
(and 10x that at 10 M) building the bitmaps of `microglia:*` and `trem2:*` in `doc`, where
`adata` (a word of cells) never occurs. Whole words are read lazily, skipping along the rarest.

The statistics are read once per table and ANALYZE, never per search (the key query_chunks()
returns: the table and the time of its last analysis)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import accumulate

VECTORS = ("head", "doc", "whole")
GRAMS = "grams"  # the ids' and titles' trigram hashes (migration 0016), an int4[]
# A chunk's words go in the GIN condition when they are no prefix (read lazily) or when they hold
# at most this many times the rows of the rarest chunk: past that, building their bitmap costs
# more than checking them on the rarest chunk's rows (~10x a bitmap entry's cost per row).
PREFIX_SPREAD = 10.0
# A tier whose rows match at least this share of the table is read newest first along the recency
# index, each row checked (a page of 50 in about 5,000 rows), before any GIN read: a one-word query
# is a prefix (`disease:*`), and GIN builds its whole bitmap (390,000 rows at 10 M versions)
# before it returns a row. Below it, the walk could cross the table for a rare word.
COMMON_SHARE = 0.01
# Trigram hashes of a fragment (besides its lead) a GIN read looks up: rare_grams().
RARE_GRAMS = 2
_CACHE_SIZE = 32
_LEXEME = re.compile(r"'((?:[^']|'')*)'(:\*)?")


@dataclass(frozen=True)
class Elements:
    """One vector's most common lexemes in code-point order, the running sum of their shares
    of the rows, and the least share (a lexeme not among them holds less)."""
    lexemes: list[str]
    upto: list[float]
    least: float

    def share(self, lexeme: str, prefix: bool, known: bool = False) -> float:
        """The share of rows holding `lexeme` (or a lexeme it begins); one not among the most
        common counts as half the least share, or with `known` as none."""
        lo = bisect.bisect_left(self.lexemes, lexeme)
        if prefix:
            hi = bisect.bisect_left(self.lexemes, lexeme + "\U0010ffff")
            total = self.upto[hi] - self.upto[lo]
        else:
            found = lo < len(self.lexemes) and self.lexemes[lo] == lexeme
            total = self.upto[lo + 1] - self.upto[lo] if found else 0.0
        return total if total > 0 or known else self.least / 2


_stats: dict[tuple, dict[str, Elements]] = {}


def lexemes(term: str) -> list[tuple[str, bool]]:
    """The lexemes of a tsquery's text, each with whether it is a prefix (`:*`)."""
    return [(m.group(1).replace("''", "'").replace("\\\\", "\\"), bool(m.group(2)))
            for m in _LEXEME.finditer(term)]


async def _elements(conn, key: tuple) -> dict[str, Elements]:
    if key not in _stats:
        if len(_stats) >= _CACHE_SIZE:
            _stats.clear()
        cur = await conn.execute("""
            SELECT p.attname::text AS v, p.most_common_elems::text::text[] AS e, p.most_common_elem_freqs AS f
              FROM pg_catalog.pg_stats p JOIN pg_catalog.pg_class c ON c.relname = p.tablename
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = p.schemaname
             WHERE c.oid = %(relid)s AND p.attname = ANY(%(vectors)s) AND p.most_common_elems IS NOT NULL""",
                                 {"relid": key[0], "vectors": [*VECTORS, GRAMS]})
        found = {}
        for row in await cur.fetchall():
            row = row if isinstance(row, dict) else dict(zip(("v", "e", "f"), row))
            pairs = sorted(zip(row["e"], row["f"]))
            found[row["v"]] = Elements([e for e, _ in pairs], [0.0, *accumulate(f for _, f in pairs)],
                                       min((f for _, f in pairs), default=0.0))
        _stats[key] = found
    return _stats[key]


async def shares(conn, key: tuple | None, terms: list[str]) -> list[dict[str, float]] | None:
    """For each term (a chunk's words): the share of rows its words match in each vector that
    has statistics (an estimate: the most common of its lexemes; a prefix sums the lexemes it
    begins). None without a key or statistics."""
    if key is None or key[0] is None:
        return None
    stats = await _elements(conn, key)
    if not stats:
        return None
    return [{v: max((e.share(lex, prefix) for lex, prefix in lexemes(term)), default=0.0)
             for v, e in stats.items() if v in VECTORS} for term in terms]


async def rare_grams(conn, key: tuple | None, lead: int | None, seq: list[int]) -> list[int]:
    """The trigram hashes a GIN read of a fragment looks up (its own check, strpos, decides on
    the rows they find): `lead` (its first trigram inside a word, for a chunk whose words did
    not match) and the RARE_GRAMS rarest of its others (`seq`, by position: the first one only
    without a lead), rarest by the most common elements of `grams` (one not among them counts
    as rarer than any there), later ones first among equals (furthest from the lead).

    Why: GIN intersects every hash's posting list, decoding each page a probe steps onto, and a
    common word's trigrams fill hundreds of pages at 10 M versions: `disease` inside a word took
    22.5 ms with its 10 hashes, 5.5 ms with the lead and its two rarest, for the same 453 rows;
    `microglia` 23.1 ms with its 14, 3.9 ms with three (index scans, EXPLAIN ANALYZE)."""
    found = (await _elements(conn, key)).get(GRAMS) if key is not None and key[0] is not None else None
    others = {}
    for pos, g in enumerate(seq):
        if (pos > 0 or lead is None) and g != lead:
            others[g] = max(others.get(g, pos), pos)
    rank = sorted(others, key=lambda g: (found.share(str(g), False) if found else 0.0, -others[g]))
    return sorted({*([lead] if lead is not None else []), *rank[:RARE_GRAMS]})


def indexed(chunks: list, vector: str) -> list:
    """The chunks (each with `shares` and its words in `vector`, db/search_query.py's Chunk) whose words
    a GIN read of `vector` looks up: all of them, but a prefix many times as common as the
    rarest chunk (a prefix search_words turned into whole words stays: they are read lazily)."""
    known = [c.shares[vector] for c in chunks if c.shares and vector in c.shares]
    if len(chunks) < 2 or len(known) < len(chunks):
        return chunks
    rarest = min(known)
    return [c for c in chunks if c.shares[vector] <= PREFIX_SPREAD * rarest
            or not any(prefix for _, prefix in lexemes(c.words(vector) or ""))]


async def together(conn, key: tuple | None, terms: list[str], known: bool = True) -> dict[str, float]:
    """Per vector with statistics: an estimate of the share of rows holding every term's words.
    Lexemes are taken as independent, so words that go together
    come out rarer than they are, and one not among the most common as absent (`known`; else as
    half the least common's share): a tier is walked (COMMON_SHARE) only when its words are known
    to be common. Empty without statistics, or when some term has no words."""
    if key is None or key[0] is None or not terms or not all(terms):
        return {}
    stats = await _elements(conn, key)
    found = {}
    for v, e in stats.items():
        if v not in VECTORS:
            continue
        share = 1.0
        for term in terms:
            for lexeme, prefix in lexemes(term):
                share *= e.share(lexeme, prefix, known=known)
        found[v] = share
    return found
