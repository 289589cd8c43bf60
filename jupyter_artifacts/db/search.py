"""SQL of the search (migrations 0008, 0012 and 0016), `GET /api/artifacts?q=`: the tiers of
db/search_parts.py read newest first, a page at a time."""

from __future__ import annotations

from typing import Any

from . import search_stats
from .artifacts import _FROM, _read
from .search_parts import (  # noqa: F401 (SEARCH_TIERS, CELLS: the tiers, for services/search.py)
    CELLS,
    DOC,
    EXACT,
    FRAGMENT,
    HEAD,
    LITERAL_TIER,
    SEARCH_TIERS,
    TIER_VECTOR,
    Part,
    chunk_params,
    shared_alone,
    shared_reads,
    tier_match,
    tier_parts,
)
from .search_query import Chunk, query_chunks  # noqa: F401 (query_chunks: the search's first step)

# How a tier is read, whatever the words: first a window of the newest latest versions (after
# the cursor), each checked; a common word fills the page there and stops. If the window
# holds too few matches, the rest come from the GIN indexes: every match (without the cursor
# or the window's end, which a bulk import's tied timestamps make the planner misjudge: it
# would walk the recency index through every row to fill a page), then those older than the
# window, sorted; where they are many, a walk on from the window first (WALK, DENSE). The
# window is the newest rows whatever their type (the tag is checked with the
# words), so it reads neighbouring rows on few pages; a search filtered by type reads that type's
# newest rows (migration 0021's index), and the notebook tier notebooks alone, and fewer of
# them, as checking one reads its larger vector. The search runs
# with sequential scans off (services/search.py): the planner has no statistics for a prefix
# (`word:*`) and would otherwise scan the table for a common-looking one.

SEARCH_WINDOW = {HEAD: 4000, FRAGMENT: 4000, DOC: 4000, CELLS: 256, LITERAL_TIER: 4000}  # rows a window checks
# A window's first part, before the GIN reads are counted. The fragment tier checks its whole
# window first: a fragment inside a common word (`icrogl` in every `microglia` title: 112,467
# rows) fills its page from the window, while counting its GIN matches reads them all (65 ms at
# 10 M versions, tied created_at: `icrogl` 86 -> 33 ms, `omi` 99 -> 39); a rare one pays the
# window's checks (strpos on the id and title: `xqz` 18 -> 26 ms, `crystalline` 25 -> 34).
FIRST_WINDOW = {HEAD: 500, FRAGMENT: 4000, DOC: 500, CELLS: 64, LITERAL_TIER: 500}
FEW = 1000  # a tier with at most this many matches is read through the GIN indexes alone
# Rows a tier of words checks newest first before it turns to GIN: first when the statistics
# call its words common (COMMON_SHARE, search_stats), else after the window when more than FEW
# match. 4x what a page of 50 takes at the tier's least common share, and a bound on a wrong
# estimate's cost. The cells tier checks each notebook's whole vector (every cell's words): a
# shorter walk, for words in a tenth of the notebooks or more.
# Fragments, and the id-and-title tier of a query with a number, walk only when the window showed
# their matches dense among the newest rows (DENSE): ids are numbered as they are made, so the ids
# holding a fragment (`r-p-7`: 27,132 papers numbered 7…) were made together, often long ago, and
# a walk of the newest rows found none (99 ms at 10 M versions; `H-89`, the ids
# `hypothesis-H-89…`: 60 ms with the walk, 34 without). Where the window holds many, the same
# matches are spread through the rows (one bulk import's tied created_at orders them by a hash
# of the id), and the walk fills the page where GIN would fetch and sort all 27,132. The other
# tiers of a query with a number, and words the statistics say cannot fill a page, never walk.
WALK = {HEAD: 20_000, FRAGMENT: 20_000, DOC: 20_000, CELLS: 2_000}
COMMON_SHARE = {HEAD: search_stats.COMMON_SHARE, DOC: search_stats.COMMON_SHARE, CELLS: 0.1}
TIER_SCOPE = {CELLS: "s.artifact_type = 'notebook'"}  # only notebooks have cells
# Newest first; rows of one created_at (a bulk import's) by a hash of their id, then the id: in
# id order, ids of one kind (`paper-…`, `hypothesis-…`) come in long runs, so a window of the
# newest rows could hold none of a word common in another kind and send it to the GIN reads of
# every match (migration 0016's indexes serve this order).
_NEWEST = "ORDER BY s.created_at DESC, hashtext(s.id) DESC, s.id DESC"
_KEY = "(s.created_at, hashtext(s.id), s.id)"
# (The cursor as a subquery: the planner cannot estimate the rows after it from created_at's
# histogram, which with tied timestamps says 1 and walked the recency index filtering by type,
# 42,061 rows read for 51 at 10 M versions, instead of the type's own index.)
_AFTER = f"{_KEY} < (SELECT %(after_at)s::timestamptz, hashtext(%(after_id)s::text), %(after_id)s::text)"


def _tier_reads(tier: int, match: list[str], *, parts: list[Part], scope: list[str],
                resume: list[str], whole: Chunk, n: int, common: bool = False,
                walk_on: bool = True, dense: bool = False) -> tuple[list[str], list[str]]:
    """A tier's reads, as branches of search_tiers()'s UNION ALL (each its newest first), and the
    CTEs they need (branch `n`'s is named every{n}). `match`: the tier's condition, then the
    filters (exact ids, type, tag)."""
    tag = f"SELECT s.id, s.created_at, {tier} AS tier"
    if tier == EXACT:
        return [f"{tag} FROM jupyter_artifacts_search s WHERE {_and(*scope, *match, *resume)} {_NEWEST} LIMIT %(limit)s"], []

    # (The lengths of windows, walks and offsets are subqueries, unknown to the planner, which then
    # assumes a tenth of the rows: where one could pass every row of a type (a walk of 20,000,
    # 19,667 personas at 1 M versions), it fetched them all and sorted them (70 ms) rather than
    # walk the type's index for the ~3,600 rows it reads.)
    def end(rows: str) -> str:  # the row `rows` down from the cursor: a window's end (none past the last row)
        return f"""(SELECT e.created_at, hashtext(e.id), e.id FROM jupyter_artifacts_search e
                     WHERE {_and(*scope, *resume).replace('s.', 'e.')} {_NEWEST.replace('s.', 'e.')}
                    OFFSET (SELECT ({rows}) - 1) LIMIT 1)"""

    def window(rows: str, after: list[str], gate: list[str]) -> str:  # the next `rows` rows, each checked
        return f"""{tag} FROM (SELECT s.* FROM jupyter_artifacts_search s WHERE {_and(*scope, *resume, *after)}
                                {_NEWEST} LIMIT (SELECT ({rows})::int)) s
                    WHERE {_and(*match, *gate)} {_NEWEST} LIMIT %(limit)s"""

    first, full = f"%(first{tier})s", f"%(window{tier})s"
    after_first, after_full = f"{_KEY} < {end(first)}", f"{_KEY} < {end(full)}"
    if tier == LITERAL_TIER and not whole.grams:
        # Under 3 characters no index helps: the window, then the older rows in order.
        return [window(full, [], []),
                f"{tag} FROM jupyter_artifacts_search s WHERE {_and(*scope, *match, after_full)} {_NEWEST} LIMIT %(limit)s"], []
    # The matches through the GIN indexes, MATERIALIZED: computed only as far as they are read,
    # never planned as a walk along the recency index (a plan that cannot depend on how
    # created_at is spread). After a first small window (a common word's page fills there and
    # nothing else runs), reading FEW + 1 of them tells a rare word, whose matches are all read
    # and sorted, from a common one: the rest of the window, a walk, then every match older.
    few = f"(SELECT count(*) FROM (SELECT 1 FROM every{n} LIMIT {FEW + 1}) x) <= {FEW}"
    def filters(p: Part) -> list[str]:
        return [*p.checks, *scope, *(match[1:] if p.decides else match)]  # (match[0]: the tier's condition)

    # (OFFSET 0: the part's condition is the one index condition, its checks and the tier's the
    # filter after it.)
    def every_of(p: Part) -> str:
        if shared_alone(p, filters(p)):  # (no row fetched)
            return f"SELECT s.id, s.created_at FROM {p.shared} s WHERE {_and(*filters(p))}"
        return f"SELECT s.id, s.created_at FROM ({p.rows()} OFFSET 0) s WHERE {_and(*filters(p))}"
    every = " UNION ALL ".join(map(every_of, parts)) or "SELECT NULL::text, NULL::timestamptz WHERE FALSE"
    # Matches that only filter a shared read's CTE are not stored a second time: each use reads
    # that CTE again (`r-P-7`'s 27,132 rows at 10 M versions: 53.4 ms a search stored twice,
    # 47.1 not).
    stored = "NOT MATERIALIZED" if parts and all(shared_alone(p, filters(p)) for p in parts) else "MATERIALIZED"

    def walk(after: list[str], gate: list[str]) -> str:
        # Up to WALK rows newest first along the recency index, each checked, until the page is
        # full (the hash in the inner select list makes the index's order the outer one: no
        # sort, nothing read ahead).
        return f"""{tag} FROM (SELECT s.*, hashtext(s.id) AS h FROM jupyter_artifacts_search s
                                WHERE {_and(*scope, *resume, *after)} {_NEWEST} LIMIT (SELECT %(walk{tier})s::int)) s
                     WHERE {_and(*match, *gate)} ORDER BY s.created_at DESC, s.h DESC, s.id DESC LIMIT %(limit)s"""

    if common:
        # Words the statistics call common (COMMON_SHARE): the walk first; should the statistics
        # be wrong, the matches older than its end through GIN.
        return [walk([], []),
                f"{tag} FROM every{n} s WHERE {_and(*resume)} AND {_KEY} < {end(f'%(walk{tier})s')} {_NEWEST} LIMIT %(limit)s"
                ], [f"every{n} AS {stored} ({every})"]
    walk_end = f"{_KEY} < {end(f'{full} + %(walk{tier})s')}"
    if dense and tier in WALK:
        # The window's two parts as CTEs, to count the matches they found. Its first part DENSE
        # with them: the rest of the window, without counting GIN's matches (`P-7`'s count built a
        # bitmap of every number starting with 7 first, 25 ms at 10 M versions). The whole window
        # DENSE: the walk; else GIN's every match older than the window. (Each decision a CTE of
        # one row, computed once, where the branches refer to it: planned once, not per branch.)
        past, dense_ = f"(SELECT past FROM gate{n})", f"(SELECT dense FROM gate{n}b)"
        seen = f"(SELECT count(*) FROM seen{n}a)"
        gate = f"gate{n} AS MATERIALIZED (SELECT CASE WHEN {seen} >= %(dense_first{tier})s THEN TRUE ELSE NOT {few} END AS past)"
        gate_b = f"gate{n}b AS MATERIALIZED (SELECT {seen} + (SELECT count(*) FROM seen{n}b) >= %(dense{tier})s AS dense)"
        return [f"SELECT * FROM seen{n}a s {_NEWEST}",
                f"{tag} FROM every{n} s WHERE {_and(f'NOT {past}', *resume, after_first)} {_NEWEST} LIMIT %(limit)s",
                f"SELECT * FROM seen{n}b s {_NEWEST}",
                walk([after_full], [past, dense_]),
                f"{tag} FROM every{n} s WHERE {past} AND {dense_} AND {walk_end} {_NEWEST} LIMIT %(limit)s",
                f"{tag} FROM every{n} s WHERE {past} AND NOT {dense_} AND {after_full} {_NEWEST} LIMIT %(limit)s"
                ], [f"every{n} AS {stored} ({every})", f"seen{n}a AS MATERIALIZED ({window(first, [], [])})",
                    gate, f"seen{n}b AS MATERIALIZED ({window(f'{full} - {first}', [after_first], [past])})", gate_b]
    reads = [window(first, [], []),
             f"{tag} FROM every{n} s WHERE {_and(few, *resume, after_first)} {_NEWEST} LIMIT %(limit)s",
             window(f"{full} - {first}", [after_first], [f"NOT {few}"])]
    ctes = [f"every{n} AS {stored} ({every})"]
    if tier not in WALK or not walk_on:  # (see WALK)
        return reads + [f"{tag} FROM every{n} s WHERE NOT {few} AND {after_full} {_NEWEST} LIMIT %(limit)s"], ctes
    # More than FEW matches, and the window did not fill the page: a walk on from the window's
    # end before GIN reads and sorts every match older than that. Words in 0.1-1 % of the rows
    # fill a page there (`banedila` in 0.33 % of the titles: its GIN read fetched 8,200 matches,
    # each on its own page of the table, and sorted them, 31 ms at 10 M versions).
    return reads + [walk([after_full], [f"NOT {few}"]),
                    f"{tag} FROM every{n} s WHERE NOT {few} AND {walk_end} {_NEWEST} LIMIT %(limit)s"], ctes


def dense_at(tier: int, limit: int, rows: int) -> int:
    """DENSE: the matches the first `rows` of a tier's window must hold for a walk that WALK does
    not allow outright: at their density, the window and the walk together hold twice the page."""
    return max(1, -(-2 * limit * rows // (SEARCH_WINDOW[tier] + WALK[tier])))


async def search_tiers(conn, tiers: list[int], *, chunks: list[Chunk], whole: Chunk, exact: list[str],
                       artifact_type: str | None, tag: str | None, after: tuple | None, limit: int) -> list[dict]:
    """The next `limit` rows of the search (see above): the tiers' reads as the branches of a
    UNION ALL, which PostgreSQL runs in order and stops once `limit` rows came (a common word's
    page fills from its first window; the GIN reads of the tiers below never run), in two
    statements (_statements()). `after` = (search_at, id), the last row already listed, in the first tier of
    `tiers`. Rows carry `tier` and `search_at`, the time the tier is ordered by. `chunks` and
    `whole` come from query_chunks()."""
    params: dict[str, Any] = {"exact": exact, "limit": limit, "type": artifact_type, "tag": tag,
                              **{f"walk{t}": w for t, w in WALK.items()},
                              **{f"dense{t}": dense_at(t, limit, SEARCH_WINDOW[t]) for t in WALK},
                              **{f"dense_first{t}": dense_at(t, limit, min(FIRST_WINDOW[t], SEARCH_WINDOW[t])) for t in WALK},
                              **{f"window{t}": w for t, w in SEARCH_WINDOW.items()},
                              **{f"first{t}": min(w, SEARCH_WINDOW[t]) for t, w in FIRST_WINDOW.items()}, **chunk_params(chunks, whole)}
    if after:
        params["after_at"], params["after_id"] = after
    common = await _common_tiers(conn, chunks, whole) if tag is None else set()
    numbered = any(lexeme.lstrip("-")[:1].isdigit() for c in chunks if c.term
                   for lexeme, _ in search_stats.lexemes(c.term))
    short = await _short_walks(conn, chunks, whole, limit)
    conditions = {t: "s.artifact_id = ANY(%(exact)s)" if t == EXACT else tier_match(t, chunks, whole) for t in tiers}
    cursor_tier = tiers[0] if after and tiers else None
    tiers = [t for t in tiers if conditions[t] is not None
             and not (t in TIER_SCOPE and artifact_type not in (None, "notebook"))]  # (only notebooks have cells)

    def statement(group: list[int]) -> str:
        reads, ctes = [], []
        parts, shared = shared_reads({t: tier_parts(t, chunks, whole) for t in group})
        ctes += shared
        for tier in group:
            match = [conditions[tier]]
            if tier != EXACT and exact:
                match.append("s.artifact_id <> ALL(%(exact)s)")  # listed in the exact tier
            if artifact_type:
                match.append("s.artifact_type = %(type)s")
            if tag:
                match.append("EXISTS (SELECT 1 FROM artifact_tags t WHERE t.artifact_id = s.artifact_id "
                             "AND t.tag = %(tag)s)")
            more, needs = _tier_reads(tier, match, parts=parts[tier],
                                      scope=(["s.artifact_type = %(type)s"] if artifact_type else
                                             [TIER_SCOPE[tier]] if tier in TIER_SCOPE else []),
                                      resume=[_AFTER] if tier == cursor_tier else [], whole=whole, n=len(ctes),
                                      common=tier in common, walk_on=not numbered and tier not in short,
                                      dense=tier == FRAGMENT or (numbered and tier == HEAD))
            reads += more
            ctes += needs
        with_ = f"WITH {', '.join(ctes)}" if ctes else ""
        union = " UNION ALL ".join(f"({r})" for r in reads)
        # (`SELECT * FROM (…) u`: a single read in parentheses cannot take a second LIMIT.)
        return f"""
            {with_}
            SELECT {_read(False)}, hit.created_at AS search_at, hit.tier
              FROM (SELECT * FROM ({union}) u LIMIT %(limit)s) hit
              JOIN {_FROM} ON a.id = hit.id
             ORDER BY hit.tier DESC, hit.created_at DESC, hashtext(hit.id) DESC, hit.id DESC"""

    found: list[dict] = []
    for group in _statements(tiers):
        if len(found) >= limit:
            break
        # Planned for the words at hand, never as a generic plan (psycopg prepares repeated queries).
        cur = await conn.execute(statement(group), {**params, "limit": limit - len(found)}, prepare=False)
        found += await cur.fetchall()
    return found


def _statements(tiers: list[int]) -> list[list[int]]:
    """The tiers in the statements that read them, in order: the exact id and the id-and-title
    words, then (only when those did not fill the page) the tiers below. Planning a tier's reads
    costs whether or not they run (`P-7`, filled by its id words at 10 M versions: 2.9 ms to
    plan all tiers); a page that goes on below pays a second statement."""
    return [g for g in ([t for t in tiers if t >= HEAD], [t for t in tiers if t < HEAD]) if g]


async def _common_tiers(conn, chunks: list[Chunk], whole: Chunk) -> set[int]:
    """The tiers whose rows are common enough to walk newest first (COMMON_SHARE): the
    id-and-title tier by the words' share in `head`, the content tier by their share in `doc`
    less that in `head` (the rows of the tier above are not its own), the cells tier by their
    share in `whole` less that in `doc`. A search filtered by type walks that type's rows, where
    the words are taken to be as common as in all."""
    if not chunks or not all(c.term for c in chunks):
        return set()
    est = await search_stats.together(conn, whole.key, [c.term for c in chunks])
    if "head" not in est or "doc" not in est:
        return set()
    shares = {HEAD: est["head"], DOC: est["doc"] - est["head"]}
    if "whole" in est:
        # (`whole`'s statistics are of the notebooks with cells, `doc`'s of all rows: a word of
        # notebooks' titles looks common in their cells too; WALK[CELLS] bounds what that costs.)
        shares[CELLS] = est["whole"] - est["doc"]
    return {t for t, share in shares.items() if share >= COMMON_SHARE[t]}


async def _short_walks(conn, chunks: list[Chunk], whole: Chunk, limit: int) -> set[int]:
    """The tiers whose walk after the window the statistics say cannot fill a page: the words'
    share in the vector the tier reads (`head`, `doc`, `whole`: at least the tier's own share; a
    word not among the most common taken as half the least common's share, words as independent)
    times WALK is under `limit`. Their matches go to GIN at once: `kariri`,
    in 1,575 of 2.5 M titles at 10 M versions, walked 20,000 rows for 6 (67 ms, one created_at
    for all: each row on a page of its own), where GIN read and sorted all 1,575 in ~20 ms."""
    if not chunks or not all(c.term for c in chunks):
        return set()
    est = await search_stats.together(conn, whole.key, [c.term for c in chunks], known=False)
    return {t for t in WALK if TIER_VECTOR[t] in est and est[TIER_VECTOR[t]] * WALK[t] < limit}


def _and(*conditions: str) -> str:
    return " AND ".join(conditions) or "TRUE"

