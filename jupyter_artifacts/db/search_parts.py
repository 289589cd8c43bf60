"""What a search tier matches, as SQL over the search table (migrations 0008, 0012 and 0016), and
the GIN reads its matches are found by; db/search.py reads the tiers newest first."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from . import search_stats
from .search_query import Chunk

# A query is its whitespace-separated chunks (jupyter_artifacts_search_chunks(), migration
# 0016): each must match somewhere, by its words (`term`) or, for a chunk of 3 or more
# characters, as a fragment of the id or the title (`fragment`: a substring, any case).
# A search lists latest versions in tiers, best first, newest first within a tier:
#   5  the artifact id is what was typed
#   4  every chunk's words are in the id or the title
#   3  every chunk is in the id or the title, by its words or as a fragment (some only so)
#   2  every chunk is in the id, title or content (the content's words; fragments as above)
#   1  ... or in a cell of the notebook's latest version (a title word and a cell word together)
# The tiers are disjoint, so a page is the next rows of its tier, then of the tiers below.
# Recency inside a tier (rather than ts_rank over every match) keeps a common word as cheap
# as a rare one: nothing has to score every match before the first page.

EXACT, HEAD, FRAGMENT, DOC, CELLS = 5, 4, 3, 2, 1
SEARCH_TIERS = (EXACT, HEAD, FRAGMENT, DOC, CELLS)
LITERAL_TIER = 0  # a text without any word (`%_`, `→`): ids and titles holding it, newest first
TIER_VECTOR = {HEAD: "head", FRAGMENT: "head", DOC: "doc", CELLS: "whole"}  # the vector a tier's words are read in


def _fragment(c: Chunk) -> str:
    # (A row's check: strpos alone decides. The trigrams are for the GIN reads, _inside(): checked
    # first on every row of a window, an array containment cost more than the substring search.)
    return f"strpos(s.folded, %(f{c.n})s) > 0"


def _each(vector: str, chunks: list[Chunk], fragments: bool) -> str | None:
    """Every chunk in `vector` (head, doc, whole) by its words, or (with `fragments`) in the id
    or title as a fragment; None when some chunk cannot match that way."""
    parts = []
    for c in chunks:
        arms = [f"s.{vector} @@ %({c.param(vector)})s::tsquery"] if c.words(vector) else []
        if fragments and c.fragment:
            arms.append(_fragment(c))
        if not arms:
            return None
        parts.append("(" + " OR ".join(arms) + ")")
    return " AND ".join(parts)


def tier_match(tier: int, chunks: list[Chunk], whole: Chunk) -> str | None:
    """The condition of a tier (below the exact id), None when no row can be in it. The tiers
    below exclude the ones above null-safely (`IS NOT TRUE`: trigram columns are NULL on rows
    migration 0016 has not reached yet)."""
    if tier == LITERAL_TIER:
        return _fragment(whole)
    words_in_head = _each("head", chunks, False)
    in_head = _each("head", chunks, True)
    if tier == HEAD:
        return words_in_head
    if tier == FRAGMENT:
        if not any(c.fragment for c in chunks):
            return None
        return in_head if words_in_head is None else f"{in_head} AND ({words_in_head}) IS NOT TRUE"
    if tier == DOC:
        return _but_not(_each('doc', chunks, True), in_head)
    return _but_not(_each('whole', chunks, True), _each('doc', chunks, True))


def _but_not(condition: str | None, above: str | None) -> str | None:
    """`condition` on rows outside the tier above (which no row is in when its own is None: a
    chunk none of whose words that vector holds, search_words)."""
    if condition is None or above is None:
        return condition
    return f"{condition} AND ({above}) IS NOT TRUE"


class Part(NamedTuple):
    """One GIN read of a tier's matches: its index condition, the checks after it, and whether
    that condition is the tier's own (then not checked again: `P-7`'s 27,132 matches at 10 M
    versions, each `head @@` of a row just read for it, took 4-5 ms). The read decides exactly:
    the query's words carry no weights, the one thing that makes GIN ask for a recheck of
    `@@`, and a lossy bitmap page is rechecked by the heap scan itself. `shared`: its CTE (shared_reads())."""

    read: str
    checks: list[str]
    decides: bool = False
    shared: str | None = None

    def rows(self) -> str:
        if self.shared:  # (by their ctids, in one scan)
            return f"SELECT s.* FROM jupyter_artifacts_search s WHERE s.ctid = ANY(ARRAY(SELECT t FROM {self.shared}))"
        return f"SELECT s.* FROM jupyter_artifacts_search s WHERE {self.read}"


def tier_parts(tier: int, chunks: list[Chunk], whole: Chunk) -> list[Part]:
    """What a tier's matches are read through the GIN indexes by, in disjoint parts, each one
    index condition and the checks after it (with the tier's condition): every chunk by its
    words, one tsquery (GIN intersects the words' lists itself, skipping along the rarest: `ORs` of a word and a
    fragment per chunk would make the planner build and AND a bitmap of every row holding any
    of them); then for each chunk k with a fragment, the rows whose first chunk not matched by
    its words is k, through k's trigrams."""
    if tier == EXACT:
        return []
    if tier == LITERAL_TIER:
        return [Part(_inside(whole), [])]
    vector = TIER_VECTOR[tier]
    parts: list[Part] = []
    if tier != FRAGMENT and all(c.words(vector) for c in chunks):  # (the fragment tier lacks a word by definition)
        # (A common prefix is left out: checked on the rows the others find, search_stats.)
        read = search_stats.indexed(chunks, vector)
        parts.append(Part(" AND ".join(f"s.{vector} @@ %({c.param(vector)})s::tsquery" for c in read), [],
                          decides=tier == HEAD and len(read) == len(chunks)))  # (HEAD's condition: these words)
    if tier == HEAD:
        return parts
    unworded = [c for c in chunks if not c.words(vector)]
    if unworded:
        # A chunk whose words no row's `vector` holds (or with none): every row of the tier holds
        # it as a fragment of its id or title, so its trigrams alone find them all, each row then
        # checked (`microglia TREM2 adata`: `adata`, a word of cells only, is in no title; one
        # read of its trigrams, where a read per chunk took 11.7 ms at 10 M versions).
        c = max(unworded, key=lambda c: len(c.fragment or ""))  # (one chunk: the read is the fragment tier's condition)
        return [Part(_inside(c), [], decides=tier == FRAGMENT and len(chunks) == 1)] if c.fragment else []
    for k, c in enumerate(chunks):
        if c.fragment:
            # A chunk with words that they do not match is a fragment inside a word of the id or
            # title wherever it occurs (at a word's start its words would match): its first
            # trigram is among the row's trigrams inside words (`lead`), which few rows hold.
            # The words (its own, not matching; the chunks' before it, matching: the parts are
            # disjoint) are checked after its trigrams' read, never ANDed with it as bitmaps:
            # `microglia TREM2 adata` spent 53 ms of its 220 at 10 M versions on such a bitmap.
            word = [f"(s.{vector} @@ %({c.param(vector)})s::tsquery) IS NOT TRUE"] if c.words(vector) else []
            parts.append(Part(_inside(c), word + [f"s.{vector} @@ %({b.param(vector)})s::tsquery" for b in chunks[:k]]))
        if not c.words(vector):
            break  # no later chunk can be the first one matched by a fragment only
    return parts


def _inside(c: Chunk) -> str:
    """A GIN read of a chunk's fragment by its rare trigrams (search_stats.rare_grams), checked."""
    return f"(s.grams @> %(m{c.n})s::int4[] AND strpos(s.folded, %(f{c.n})s) > 0)"


def chunk_params(chunks: list[Chunk], whole: Chunk) -> dict:
    params: dict[str, Any] = {}
    for c in (*chunks, whole):
        params.update({f"w{c.n}": c.term, f"v{c.n}": c.narrow or None, f"f{c.n}": c.fragment, f"m{c.n}": c.keys})
    return params


_SMALL = ("id", "created_at", "artifact_id", "artifact_type")  # a shared read's columns besides the ctid
_COLUMN = re.compile(r"\bs\.(\w+)")  # a column a check reads (any but _SMALL: the row is fetched)


def shared_reads(parts: dict[int, list[Part]]) -> tuple[dict[int, list[Part]], list[str]]:
    """The tiers' parts, a GIN read several tiers make (`adata`, a word of cells only: the fragment,
    content and cells tiers read its trigrams, 7.5 ms each at 10 M versions) made once, as a CTE of
    the rows' ctids and small columns (run where a tier first reads it); and those CTEs. A tier
    whose checks need only those columns reads the CTE alone (a fragment's tier: `r-P-7`'s 27,132
    rows); the others fetch its rows again by ctid, in one scan."""
    seen: dict[str, int] = {}
    for tier_parts_ in parts.values():
        for read in {p.read for p in tier_parts_}:
            seen[read] = seen.get(read, 0) + 1
    names = {read: f"read{k}" for k, read in enumerate(r for r, n in seen.items() if n > 1)}
    ctes = [f"{name} AS MATERIALIZED (SELECT s.ctid AS t, {', '.join(f's.{c}' for c in _SMALL)} FROM jupyter_artifacts_search s WHERE {read})"
            for read, name in names.items()]
    return {t: [p._replace(shared=names.get(p.read)) for p in ps] for t, ps in parts.items()}, ctes


def shared_alone(p: Part, filters: list[str]) -> bool:
    """Whether a tier reads a shared read's CTE alone, with no row fetched: every column its
    filters name is one the CTE holds (an allow-list: a check on any other column fetches the row)."""
    return bool(p.shared) and all(c in _SMALL for f in filters for c in _COLUMN.findall(f))
