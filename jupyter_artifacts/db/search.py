"""SQL of the search (migrations 0008, 0012 and 0016): `GET /api/artifacts?q=` and its `match`."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from . import search_stats
from .artifacts import _FROM, _read
from .search_query import Chunk, query_chunks  # noqa: F401 (query_chunks: the search's first step)

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
#
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

EXACT, HEAD, FRAGMENT, DOC, CELLS = 5, 4, 3, 2, 1
SEARCH_TIERS = (EXACT, HEAD, FRAGMENT, DOC, CELLS)
LITERAL_TIER = 0  # a text without any word (`%_`, `→`): ids and titles holding it, newest first
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
TIER_VECTOR = {HEAD: "head", FRAGMENT: "head", DOC: "doc", CELLS: "whole"}  # the vector a tier's words are read in
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
    # (OFFSET 0: the part's condition is the one index condition, its checks and the tier's the
    # filter after it.)
    def every_of(p: Part) -> str:
        filters = [*p.checks, *scope, *(match[1:] if p.decides else match)]  # (match[0]: the tier's condition)
        if p.shared and all(c in _SMALL for f in filters for c in _COLUMN.findall(f)):  # (no row fetched)
            return f"SELECT s.id, s.created_at FROM {p.shared} s WHERE {_and(*filters)}"
        return f"SELECT s.id, s.created_at FROM ({p.rows()} OFFSET 0) s WHERE {_and(*filters)}"
    every = " UNION ALL ".join(map(every_of, parts)) or "SELECT NULL::text, NULL::timestamptz WHERE FALSE"

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
                ], [f"every{n} AS MATERIALIZED ({every})"]
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
                ], [f"every{n} AS MATERIALIZED ({every})", f"seen{n}a AS MATERIALIZED ({window(first, [], [])})",
                    gate, f"seen{n}b AS MATERIALIZED ({window(f'{full} - {first}', [after_first], [past])})", gate_b]
    reads = [window(first, [], []),
             f"{tag} FROM every{n} s WHERE {_and(few, *resume, after_first)} {_NEWEST} LIMIT %(limit)s",
             window(f"{full} - {first}", [after_first], [f"NOT {few}"])]
    ctes = [f"every{n} AS MATERIALIZED ({every})"]
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

