"""db/search.py's DENSE walks: the fragment tier, and the id-and-title tier of a query with a
number, walk on from their window only when the window found their matches dense; else GIN
reads and sorts every match older than the window. Both ways the page is the one every match
sorted gives."""

from __future__ import annotations

import pytest
from tests_helpers import capture_search_statements

from jupyter_artifacts.db import search as search_store

MATCHES = 60  # ids `paper-P-7…` among 300 rows


async def world(api, sql, matches_old: bool) -> None:
    """300 versions written by one statement, as a bulk import writes them: 60 papers `paper-P-7…`
    and 240 notes. With `matches_old`, the papers are older than every note; else every row has
    the same created_at (a bulk import's), and the papers are spread through the search's order
    (a hash of the id)."""
    assert (await api("GET", "api/artifacts")).status == 200  # (the server migrates on its first request)
    sql("""INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content_hash, version_number,
                                  is_latest, created_at)
           SELECT a, a, CASE WHEN i <= %(n)s THEN 'paper' ELSE 'hypothesis' END, 'Note ' || i, '{}', 'h' || i, 1,
                  true, CASE WHEN %(old)s AND i <= %(n)s THEN timestamptz '2024-01-01'
                             ELSE timestamptz '2025-01-01' END
             FROM generate_series(1, 300) i
            CROSS JOIN LATERAL (SELECT CASE WHEN i <= %(n)s THEN 'paper-P-7' || i ELSE 'note-' || i END AS a) x""",
        {"n": MATCHES, "old": matches_old})
    sql("ANALYZE jupyter_artifacts_search")


def expected(sql, fragment: str, limit: int) -> list[str]:
    """The first page: every row holding the fragment, newest first (the search's order)."""
    return [r["id"] + "@v1" for r in sql(
        """SELECT id FROM jupyter_artifacts_search WHERE strpos(folded, %s) > 0
            ORDER BY created_at DESC, hashtext(id) DESC, id DESC LIMIT %s""", (fragment, limit))]


def position(sql, ref: str) -> int:
    """Where a version comes in the search's order of all rows (from 1)."""
    return sql("""SELECT n FROM (SELECT id, row_number() OVER (ORDER BY created_at DESC, hashtext(id) DESC, id DESC) AS n
                                   FROM jupyter_artifacts_search) o WHERE id = %s""", (ref.split("@")[0],))[0]["n"]


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


async def search_and_plan(api, sql, monkeypatch, q: str, limit: int) -> tuple[list[str], list[dict]]:
    """The refs listed for `q`, and the nodes of the search statements' plans (the tiers the
    id-and-title words fill, then those below: db/search.py's _statements()), each run again under
    EXPLAIN ANALYZE, the first statement's root first."""
    statements = capture_search_statements(monkeypatch)
    r = await api("GET", "api/artifacts", params={"q": q, "limit": limit})
    assert r.status == 200, r
    sql("SET enable_seqscan = off")
    nodes = []
    for statement in (s for s in statements if "hit.tier" in s):
        (row,) = sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
        nodes += plan_nodes(row["QUERY PLAN"][0]["Plan"])
    assert nodes, "a search statement ran"
    return [i["ref"] for i in r.json["items"]], nodes


@pytest.fixture
def small_reads(monkeypatch):
    """Windows of 20 rows (their first part 10) and walks of 200, every tier past FEW: a page of 10
    walks on when the window holds 2 matches or more, and skips the count of GIN's matches when
    the first part holds 1 (dense_at)."""
    monkeypatch.setattr(search_store, "FEW", 0)
    monkeypatch.setattr(search_store, "SEARCH_WINDOW", dict.fromkeys(search_store.SEARCH_WINDOW, 20))
    monkeypatch.setattr(search_store, "FIRST_WINDOW", dict.fromkeys(search_store.FIRST_WINDOW, 10))
    monkeypatch.setattr(search_store, "WALK", dict.fromkeys(search_store.WALK, 200))
    assert search_store.dense_at(search_store.FRAGMENT, 11, 20) == 2
    assert search_store.dense_at(search_store.FRAGMENT, 11, 10) == 1


def rows_read(nodes: list[dict], node_type: str) -> int:
    """The most rows one node of that type on the search table returned."""
    return max((n["Actual Rows"] for n in nodes if n["Node Type"] == node_type
                and n.get("Relation Name") == "jupyter_artifacts_search"), default=0)


@pytest.mark.parametrize("q, fragment", [("r-P-7", "r-p-7"), ("P-7", "p-7")])
async def test_matches_dense_in_the_window_are_walked_not_all_fetched(api, sql, monkeypatch, small_reads, q, fragment):
    # (`r-P-7`: a fragment only, as no id holds the word r; `P-7`: the words p and 7… of the ids.)
    await world(api, sql, matches_old=False)
    refs, nodes = await search_and_plan(api, sql, monkeypatch, q, 10)
    assert refs == expected(sql, fragment, 10)
    # The page reaches past the window, and GIN's matches were not read, not even counted: the
    # rest came from the walk on.
    assert position(sql, refs[-1]) > 20
    assert rows_read(nodes, "Bitmap Heap Scan") == 0


@pytest.mark.parametrize("q, fragment", [("r-P-7", "r-p-7"), ("P-7", "p-7")])
async def test_matches_the_window_did_not_find_are_read_through_gin(api, sql, monkeypatch, small_reads, q, fragment):
    await world(api, sql, matches_old=True)
    refs, nodes = await search_and_plan(api, sql, monkeypatch, q, 10)
    assert refs == expected(sql, fragment, 10)
    assert rows_read(nodes, "Index Scan") <= 20  # the window only: no walk (it would read 200 rows)
    assert rows_read(nodes, "Bitmap Heap Scan") >= MATCHES  # every match, sorted
