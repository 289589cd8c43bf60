"""A query chunk's words as the id, title and content vectors (`head`, `doc`) hold them, from
migration 0023's table of their words: each prefix (`plaque:*`) as the whole words it begins,
when they are few, and a conjunction with a word no row holds left out.

Why: GIN reads a prefix by building a bitmap of every row of every word it begins before it
returns a row, and the same words read whole skip along the rarest one: `trem2:* & plaque:*`
in `head` took 37.7 ms at 10 M versions, `trem2 & plaque` 2.9 ms, for the same 881 rows. A
chunk of an id (`r-P-7`: `7:* & p & r`) built the bitmap of every number starting with 7
(19 ms) to find nothing, as no id or title holds the word `r`.

The cells' vector (`whole`) keeps the chunk's words as typed: its words are not in the table."""

from __future__ import annotations

import re

from . import search_stats
from .artifacts import _all

VECTORS = ("head", "doc")  # the vectors whose words the table holds (doc holds head's)
MAX_WORDS = 32  # a prefix that begins more words than this is read as a prefix
_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')(:\*)?|&|(\|)|(\S))")
DEAD = ""  # a chunk none of whose conjunctions any id, title or content holds


def conjunctions(term: str) -> list[list[tuple[str, bool]]] | None:
    """A term (tsquery text) as its conjunctions of lexemes, each (lexeme, is a prefix): what
    jupyter_artifacts_search_chunks() makes, an OR of ANDs. None for any other shape."""
    out: list[list[tuple[str, bool]]] = [[]]
    expect_word = True
    for m in _TOKEN.finditer(term):
        quoted, prefix, or_, other = m.groups()
        if other is not None:
            return None  # parentheses, negation, phrases, weights: left as they are
        if quoted is not None:
            if not expect_word:
                return None
            ((lexeme, _),) = search_stats.lexemes(quoted)
            out[-1].append((lexeme, bool(prefix)))
            expect_word = False
        elif expect_word:
            return None
        else:
            if or_:
                out.append([])
            expect_word = True
    return out if not expect_word and all(out) else None


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


async def narrow(conn, terms: list[str | None]) -> list[str | None] | None:
    """For each term: the same words as `head` and `doc` hold them (DEAD when they hold none;
    None for a term left as it is). None when the table is not complete yet (migration 0023's
    online part still adding the words of the rows before it)."""
    shapes = [conjunctions(t) if t else None for t in terms]
    asked = sorted({lp for s in shapes if s for conj in s for lp in conj})
    if not asked:
        return [None] * len(terms)
    # (The upper bound of a prefix's range: no word holds U+10FFFF right after a prefix.)
    rows = await _all(conn, """
        SELECT l.i, CASE WHEN l.prefix
                         THEN ARRAY(SELECT w.word::text FROM jupyter_artifacts_search_words w
                                     WHERE w.word >= (l.lexeme COLLATE "C")
                                       AND w.word < (l.lexeme || chr(1114111)) COLLATE "C"
                                     ORDER BY w.word LIMIT %(most)s + 1)
                         ELSE ARRAY(SELECT w.word::text FROM jupyter_artifacts_search_words w
                                     WHERE w.word = (l.lexeme COLLATE "C")) END AS words
          FROM unnest(%(lexemes)s::text[], %(prefixes)s::bool[]) WITH ORDINALITY AS l(lexeme, prefix, i)
         WHERE EXISTS (SELECT 1 FROM jupyter_artifacts_schema_version WHERE version >= 23)""",
                                {"lexemes": [lx for lx, _ in asked], "prefixes": [p for _, p in asked],
                                 "most": MAX_WORDS})
    if not rows:
        return None
    found = {asked[r["i"] - 1]: r["words"] for r in rows}
    out: list[str | None] = []
    for term, shape in zip(terms, shapes):
        if shape is None:
            out.append(None)
            continue
        kept = []
        for conj in shape:
            parts = []
            for lexeme, prefix in conj:
                words = found[(lexeme, prefix)]
                if not words:
                    break  # no row's id, title or content holds it: the conjunction matches none
                if prefix and len(words) > MAX_WORDS:
                    parts.append(_quote(lexeme) + ":*")
                elif len(words) == 1:
                    parts.append(_quote(words[0]))
                else:
                    parts.append("( " + " | ".join(_quote(w) for w in words) + " )")
            else:
                kept.append(" & ".join(parts))
        out.append(" | ".join(kept) if kept else DEAD)
    return out
