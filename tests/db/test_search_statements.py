"""db/search.py's statements: the exact id and the id-and-title words first, the tiers below only
when those leave the page short (planning every tier cost ~3 ms a search at 10 M versions); the
pages are the same as one statement's."""

from __future__ import annotations

from tests_helpers import capture_search_statements

from jupyter_artifacts.db import search as search_store


async def plaque_world(api) -> None:
    """Three titles with `plaque` (the id-and-title tier), four contents with it (the content tier)."""
    for i in range(3):
        r = await api("POST", "api/artifacts", {"id": f"H-{i}", "artifact_type": "hypothesis",
                                                "title": f"Plaque load {i}"})
        assert r.status == 201, r
    for i in range(4):
        r = await api("POST", "api/artifacts", {"id": f"D-{i}", "artifact_type": "dataset", "title": f"Counts {i}",
                                                "content": {"description": "amyloid plaque counts per section"}})
        assert r.status == 201, r


async def pages(api, q: str, limit: int) -> list[list[tuple[str, str]]]:
    """Each page of `q` (each item's ref and match field) until the last."""
    out, cursor = [], None
    while True:
        params = {"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await api("GET", "api/artifacts", params=params)
        assert r.status == 200, r
        out.append([(i["ref"], i["match"]["field"]) for i in r.json["items"]])
        cursor = r.json["next_cursor"]
        if not cursor:
            return out


async def test_a_page_the_title_words_fill_plans_no_tier_below(api, monkeypatch):
    await plaque_world(api)
    statements = capture_search_statements(monkeypatch)
    r = await api("GET", "api/artifacts", params={"q": "plaque", "limit": 2})
    assert [i["ref"] for i in r.json["items"]] == ["H-2@v1", "H-1@v1"]
    searched = [s for s in statements if "hit.tier" in s]
    assert len(searched) == 1 and "doc @@" not in searched[0], searched

    statements.clear()
    r = await api("GET", "api/artifacts", params={"q": "plaque", "limit": 5})
    assert [i["ref"] for i in r.json["items"]] == ["H-2@v1", "H-1@v1", "H-0@v1", "D-3@v1", "D-2@v1"]
    first, below = [s for s in statements if "hit.tier" in s]
    assert "doc @@" not in first and "doc @@" in below
    # The statement below asks only for the rows the page still lacks (3 of its 6: one more than
    # the page, to tell whether another follows).
    assert "LIMIT 3) hit" in " ".join(below.split()), below


async def test_pages_are_those_of_one_statement(api, monkeypatch):
    await plaque_world(api)
    for limit in (1, 2, 3, 4, 7, 8):
        split = await pages(api, "plaque", limit)
        with monkeypatch.context() as m:
            m.setattr(search_store, "_statements", lambda tiers: [tiers])
            assert await pages(api, "plaque", limit) == split, limit
        assert [ref for page in split for ref, _ in page] == [
            "H-2@v1", "H-1@v1", "H-0@v1", "D-3@v1", "D-2@v1", "D-1@v1", "D-0@v1"], limit
        assert {field for page in split for _, field in page} == {"title", "content"}


async def test_a_search_with_only_the_exact_tier_left_answers(api):
    # `zq` could be an id; no id, title or content holds the word, it is too short for a fragment,
    # and a type other than notebooks has no cells: the exact tier's read alone (once a syntax
    # error, a 500: one read in parentheses cannot take a second LIMIT).
    await plaque_world(api)
    for kind in ("dataset", "paper", None):
        r = await api("GET", "api/artifacts", params={"q": "zq", **({"type": kind} if kind else {})})
        assert r.status == 200, (kind, r)
        assert r.json["items"] == []
