"""Search over the latest versions (`GET /api/artifacts?q=`): the tiers of db/search_parts.py, read by db/search.py, and
each listed item's `match` (which field matched best, a snippet, the matched words in it)."""

from __future__ import annotations

import re

from ..db import search as search_store
from ..db import search_match
from ..models import artifacts as m
from ..models.common import SearchMatch, VersionPage
from ..refs import ID_PATTERN
from .cursors import decode_cursor, encode_cursor
from .versions import to_version

# Control characters (NUL above all, which PostgreSQL text cannot hold) separate words.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LOOKS_LIKE_REF = re.compile(rf"^(?P<base>{ID_PATTERN})(?:@v[0-9]{{1,9}})?$")
_MARKS = re.compile(f"([{search_match.START}{search_match.STOP}])")
SNIPPET_MAX = 240  # code points of a snippet at most; the text around its first matched word


def search_text(q: str | None) -> str | None:
    """The text to search for, or None when `q` is absent or blank (a plain list)."""
    text = _CONTROL.sub(" ", q or "").strip()
    return text or None


def exact_ids(text: str) -> list[str]:
    """The artifact ids the search text may name exactly (as typed, lower or upper case)."""
    found = _LOOKS_LIKE_REF.match(text)
    if not found:
        return []
    base = found.group("base")
    return list(dict.fromkeys([base, base.lower(), base.upper()]))


async def search(db, text: str, query: m.ListArtifacts) -> VersionPage:
    """Best matches first: the tiers of db/search_parts.py, each newest first. A page takes the rest
    of the cursor's tier, then the tiers below, until it is full. A text without any word
    (`%_`) matches the ids and titles that contain it as it is, newest first."""
    tiers_known = (*search_store.SEARCH_TIERS, search_store.LITERAL_TIER)
    start, *after = (decode_cursor(query.cursor, tiers=tiers_known) if query.cursor
                     else (search_store.SEARCH_TIERS[0],))
    exact = exact_ids(text)
    async with db.connection() as conn, conn.transaction():
        # One snapshot for every tier, so a version committed meanwhile cannot show twice; through
        # the indexes whatever the planner guesses (db/search.py): a tier's matches come from a
        # window of the newest rows or from the GIN indexes, never from a scan. (No JIT:
        # compiling costs more than these short queries.)
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                           "SET LOCAL jit = off; SET LOCAL enable_seqscan = off")
        chunks, whole = await search_store.query_chunks(conn, text)
        if not chunks:
            tiers = [search_store.LITERAL_TIER]
        else:
            tiers = [t for t in search_store.SEARCH_TIERS if t <= start and (t != search_store.EXACT or exact)
                     and (t != search_store.CELLS or query.type in (None, "notebook"))]  # cells: notebooks'
        found = [(r["tier"], r) for r in await search_store.search_tiers(
            conn, tiers, chunks=chunks, whole=whole, exact=exact, artifact_type=query.type, tag=query.tag,
            after=tuple(after) if after and tiers and tiers[0] == start else None, limit=query.limit + 1)]
        more = len(found) > query.limit
        found = found[: query.limit]
        rows = [r for _, r in found]
        matches = (literal_matches(text, rows) if not chunks else await page_matches(conn, text, rows))
    return VersionPage(items=[to_version(r, match=mt) for r, mt in zip(rows, matches)],
                       next_cursor=encode_cursor(found[-1][1], found[-1][0]) if more else None)


# -- match ------------------------------------------------------------------------------------

def pick_field(fields: dict) -> tuple[str, list[int]]:
    """API.md's `field`: the title when it holds every chunk of the query. Otherwise the field
    that explains the most of the chunks the title does not hold (the row shows the title
    already: `microglia TREM2` on a notebook titled "Microglia…" points at the cell with TREM2):
    a cell or the content (the cell on a tie: a notebook's content is its metadata); else the
    title, else the id. Returns the field and the numbers of the chunks it holds.

    `fields` comes from db/search_match.py match_fields() (an id or a title holds a chunk by its
    words or as a fragment)."""
    in_id, in_title = list(fields["in_id"] or []), list(fields["in_title"] or [])
    if in_title and len(set(in_title)) >= len(fields["fragments"]):
        return "title", in_title
    # Content chunks: those of id, title and content together that neither the id nor the title holds.
    content = [t for t in fields["in_doc"] or [] if t not in in_id and t not in in_title]
    cell = fields["in_cell"] or []
    beyond_title = [len([t for t in terms if t not in in_title]) for terms in (cell, content)]
    if cell and beyond_title[0] >= max(beyond_title[1], 1 if in_title else 0):
        return "cell", cell
    if content and (beyond_title[1] or not in_title):
        return "content", content
    if in_title:
        return "title", in_title
    if cell and len(cell) >= len(content):
        return "cell", cell
    return "id", in_id


async def page_matches(conn, text: str, rows: list[dict]) -> list[SearchMatch]:
    """The `match` of each row listed (two queries for the whole page)."""
    if not rows:
        return []
    fields = await search_match.match_fields(conn, text, [r["id"] for r in rows])
    picks = []
    for r in rows:
        f = fields.get(r["id"]) or {"in_id": [], "in_title": [], "in_doc": [], "in_cell": [], "fragments": [],
                                    "frag_id": [], "frag_title": []}
        field, terms = pick_field(f)
        # Chunks found in the field as fragments only: ts_headline marks words, these are marked here.
        by_fragment = {"id": f["frag_id"], "title": f["frag_title"]}.get(field) or []
        picks.append({"id": r["id"], "field": field, "terms": terms,
                      "fragments": [f["fragments"][n - 1] for n in by_fragment if n in terms],
                      "notebook_id": f.get("notebook_id") if field == "cell" else None,
                      "cell_index": f.get("cell_index") if field == "cell" else None})
    lines = await search_match.headlines(conn, text, [p for p in picks if p["terms"]], SNIPPET_MAX)
    out, it = [], iter(lines)
    for r, p in zip(rows, picks):
        if not p["terms"]:
            # No chunk in any one field (an exact id with odd characters): the id as it is.
            out.append(SearchMatch(field="id", snippet=r["artifact_id"],
                                   ranges=[[0, len(r["artifact_id"])]] if r["artifact_id"] else []))
            continue
        line = next(it)
        snippet, ranges = from_headline(line["headline"] or "", line["original"], line["before"])
        if p["fragments"]:
            ranges = merge(ranges + fragment_ranges(snippet, p["fragments"]))
        snippet, ranges = trim(snippet, ranges)
        extra = {}
        if p["field"] == "cell":
            extra["cell_index"] = line["position"] if line["position"] is not None else p["cell_index"]
        out.append(SearchMatch(field=p["field"], snippet=snippet, ranges=ranges, **extra))
    return out


def from_headline(headline: str, original: str | None, before: str | None = None) -> tuple[str, list[list[int]]]:
    """The snippet and the code-point ranges of the words ts_headline marked. The headline is
    cut from the searched text (separators blanked); `original`, the same stretch as stored,
    has the same length (one character for one), so the ranges hold for it. `before`: the
    stored text before it, whose last words lead into the snippet."""
    plain, ranges, at, start = [], [], 0, None
    for piece in _MARKS.split(headline):  # (by stretches: a page has 50 of them)
        if piece == search_match.START:
            start = at
        elif piece == search_match.STOP:
            if start is not None and at > start:
                ranges.append([start, at])
            start = None
        else:
            plain.append(piece)
            at += len(piece)
    text = "".join(plain)
    if original is None or len(original) != len(text):
        return text, ranges
    lead = before or ""
    if len(lead) >= search_match.BEFORE:  # cut: start at a word
        parts = re.split(r"(\s+)", lead, maxsplit=1)
        lead = "".join(parts[2:]) if len(parts) == 3 else ""
    return lead + original, [[s + len(lead), e + len(lead)] for s, e in ranges]


def _fold(text: str) -> str:
    # Lower case one character for one (a character whose lower case is longer stays), so an
    # offset in the folded text is an offset in the text.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def fragment_ranges(snippet: str, fragments: list[str]) -> list[list[int]]:
    """Where the query's fragments (chunks of 3+ characters found inside an id or a title, any
    case) occur in the snippet: ts_headline marks whole words only."""
    folded = _fold(snippet)
    found = []
    for raw in set(fragments):
        if not raw:
            continue
        at = folded.find(raw)
        while at >= 0:
            found.append([at, at + len(raw)])
            at = folded.find(raw, at + 1)
    return found


def merge(ranges: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def trim(snippet: str, ranges: list[list[int]]) -> tuple[str, list[list[int]]]:
    """Leading and trailing blanks off, and at most SNIPPET_MAX code points (from a little before
    the first matched word), the ranges moved and clipped along."""
    lead = len(snippet) - len(snippet.lstrip())
    snippet = snippet.strip()
    begin = 0
    if len(snippet) > SNIPPET_MAX:
        first = min((s for s, _ in ranges), default=lead) - lead
        begin = max(0, min(first - SNIPPET_MAX // 4, len(snippet) - SNIPPET_MAX))
        snippet = snippet[begin: begin + SNIPPET_MAX]
    shift = lead + begin
    kept = []
    for s, e in ranges:
        s, e = max(s - shift, 0), min(e - shift, len(snippet))
        if e > s:
            kept.append([s, e])
    return snippet, kept


def literal_matches(text: str, rows: list[dict]) -> list[SearchMatch]:
    """A text without words matched ids and titles as it is: where it is in the title, else the id."""
    needle = _fold(text)
    out = []
    for r in rows:
        title = r["title"] or ""
        field, value = ("title", title) if needle in _fold(title) else ("id", r["artifact_id"])
        folded, ranges, at = _fold(value), [], _fold(value).find(needle)
        while at >= 0 and needle:
            ranges.append([at, at + len(needle)])
            at = folded.find(needle, at + len(needle))
        snippet, ranges = trim(value, merge(ranges))
        out.append(SearchMatch(field=field, snippet=snippet, ranges=ranges))
    return out
