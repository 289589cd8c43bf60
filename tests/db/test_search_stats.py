"""db/search_stats.py: a common prefix is left out of a GIN read, from the column statistics,
and the search finds the same rows either way."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from jupyter_artifacts.db import search as search_store
from jupyter_artifacts.db import search_stats, search_words
from jupyter_artifacts.db.search_stats import Elements, indexed, lexemes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers"))
from test_search_across import create, refs, tier_reading  # noqa: F401


def test_lexemes_of_a_tsquery_text():
    assert lexemes("'microglia':*") == [("microglia", True)]
    assert lexemes("'-7':* & 'p' | '7':* & 'p'") == [("-7", True), ("p", False), ("7", True), ("p", False)]
    assert lexemes("'it''s' & 'a\\\\b':*") == [("it's", False), ("a\\b", True)]


def test_shares_sum_a_prefix_and_halve_the_least_for_an_unknown_word():
    e = Elements(["micro", "microglia", "microglial", "tau"], [0.0, 0.1, 0.6, 0.75, 0.95], least=0.1)
    assert abs(e.share("microglia", True) - 0.65) < 1e-9
    assert abs(e.share("microglia", False) - 0.5) < 1e-9
    assert abs(e.share("tau", True) - 0.2) < 1e-9
    assert e.share("adata", True) == 0.05 and e.share("microglias", False) == 0.05


def test_a_common_prefix_is_left_out_but_never_every_chunk():
    def chunk(term, doc):
        return search_store.Chunk(n=0, term=term, fragment=None, grams=None, shares={"doc": doc})

    common, rare, word = chunk("'microglia':*", 0.5), chunk("'adata':*", 0.006), chunk("'the'", 0.9)
    assert indexed([common, rare, word], "doc") == [rare, word]  # a whole word is read lazily: kept
    assert indexed([common, chunk("'plaque':*", 0.2)], "doc") == [common, chunk("'plaque':*", 0.2)]
    assert indexed([common, common], "doc") == [common, common]
    assert indexed([common, rare], "head") == [common, rare]     # no statistics of `head`
    assert indexed([common], "doc") == [common]


async def test_search_with_statistics_finds_what_it_finds_without(api, sql, db, monkeypatch):
    for i in range(30):
        await create(api, f"M-{i}", f"Microglia study {i}", {"statement": "microglia and microglial cells"})
    await create(api, "Z-1", "Zebrafish microglia", {"statement": "microglia in zebrafish larvae"})
    await create(api, "Z-2", "Other", {"statement": "zebrafish only"})
    expected = {q: await refs(api, q) for q in ("microglia zebrafish", "zebrafish microglia", "microgl zebraf")}
    assert expected["microglia zebrafish"] == ["Z-1@v1"] and expected["microgl zebraf"] == ["Z-1@v1"]

    sql("ANALYZE jupyter_artifacts_search")
    search_stats._stats.clear()
    async with db.connection() as conn:
        chunks, _ = await search_store.query_chunks(conn, "microglia zebrafish")
    assert chunks[0].shares["doc"] > 10 * chunks[1].shares["doc"]
    # As whole words (search_words: microglia, microglial) both are read, lazily.
    assert [c.n for c in indexed(chunks, "doc")] == [1, 2]
    assert {q: await refs(api, q) for q in expected} == expected
    # Read as typed (the words' table not complete yet), the common prefix is left out.
    assert [c.n for c in indexed([replace(c, narrow=None) for c in chunks], "doc")] == [2]

    async def as_typed(conn, terms):
        return None
    monkeypatch.setattr(search_words, "narrow", as_typed)
    assert {q: await refs(api, q) for q in expected} == expected


async def every_page(api, q: str, limit: int, **params) -> list[str]:
    """The refs of every page of a search, following next_cursor."""
    seen, cursor = [], None
    while True:
        r = await api("GET", "api/artifacts", params={"q": q, "limit": limit, **params,
                                                      **({"cursor": cursor} if cursor else {})})
        assert r.status == 200, r
        seen += [i["ref"] for i in r.json["items"]]
        cursor = r.json["next_cursor"]
        if not cursor:
            return seen


async def test_a_common_word_is_walked_newest_first_and_finds_what_gin_finds(api, sql, db, monkeypatch):
    for i in range(40):
        await create(api, f"T-{i}", f"Microglia title {i}", {"statement": "nothing here"})
        await create(api, f"C-{i}", f"Other {i}", {"statement": "microglia in the content"},
                     artifact_type="paper")
    for i in range(20):
        await create(api, f"N-{i}", f"Neither {i}", {"statement": "zebrafish"})
    sql("ANALYZE jupyter_artifacts_search")
    search_stats._stats.clear()
    async with db.connection() as conn:
        chunks, whole = await search_store.query_chunks(conn, "microglia")
        # In the titles of 40 of 100 rows, in the content only of 40 more: both tiers are walked.
        assert await search_store._common_tiers(conn, chunks, whole) == {search_store.HEAD, search_store.DOC}
        rare, rare_whole = await search_store.query_chunks(conn, "zebrafish")
        assert await search_store._common_tiers(conn, rare, rare_whole) == {search_store.DOC}
        chunks, whole = await search_store.query_chunks(conn, "microglia zebrafish")
        # Taken as independent, though never together: WALK bounds it, then GIN says "none".
        assert await search_store._common_tiers(conn, chunks, whole) == {search_store.DOC}

    # With a type, the walk is that type's rows, the words taken as common there as in all (no
    # paper has `microglia` in its title, and there is no persona: WALK bounds such a walk).
    queries = [("microglia", {}), ("microglia", {"type": "paper"}), ("microglia", {"type": "hypothesis"}),
               ("microglia", {"type": "persona"}), ("microgl", {}), ("microglia title", {}),
               ("microglia zebrafish", {})]
    walked = {(q, str(p)): await every_page(api, q, 7, **p) for q, p in queries}
    assert len(walked[("microglia", "{}")]) == 80 and len(walked[("microglia", "{'type': 'paper'}")]) == 40
    assert walked[("microglia", "{'type': 'hypothesis'}")] == [f"T-{i}@v1" for i in reversed(range(40))]
    assert walked[("microglia", "{'type': 'persona'}")] == []
    assert walked[("microglia zebrafish", "{}")] == []
    # The same pages when the walk stops after 5 rows and GIN gives the rest, and with no walk at all.
    monkeypatch.setattr(search_store, "WALK", dict.fromkeys(search_store.WALK, 5))
    assert {(q, str(p)): await every_page(api, q, 7, **p) for q, p in queries} == walked
    monkeypatch.setattr(search_store, "COMMON_SHARE", dict.fromkeys(search_store.COMMON_SHARE, 2.0))
    assert {(q, str(p)): await every_page(api, q, 7, **p) for q, p in queries} == walked


async def notebook(api, nb_id: str, title: str, *sources: str) -> None:
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
             for s in sources]
    r = await api("POST", "api/notebooks", {"id": nb_id, "title": title, "notebook": {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}})
    assert r.status == 201, r


async def test_a_common_cell_word_walks_the_notebooks_and_finds_what_gin_finds(api, sql, db, monkeypatch):
    for i in range(24):
        await notebook(api, f"NB-{i}", f"Cortex run {i}" if i % 2 else f"Hippocampus run {i}",
                       "import scanpy as sc", f"sc.pp.neighbors(adata, n_pcs={i})")
        await create(api, f"P-{i}", f"Cortex paper {i}", {"statement": "no cells here"}, artifact_type="paper")
    await notebook(api, "NB-x", "Cortex without it", "import numpy")
    sql("ANALYZE jupyter_artifacts_search")
    search_stats._stats.clear()
    async with db.connection() as conn:
        chunks, whole = await search_store.query_chunks(conn, "cortex adata")
        # `adata` in every notebook's cells and no title or content: the cells tier is walked.
        assert search_store.CELLS in await search_store._common_tiers(conn, chunks, whole)
        chunks, whole = await search_store.query_chunks(conn, "paper")  # no notebook holds it
        assert search_store.CELLS not in await search_store._common_tiers(conn, chunks, whole)

    queries = [("cortex adata", {}), ("adata", {}), ("adata", {"type": "notebook"}), ("adata", {"type": "paper"}),
               ("run adata", {}), ("cortex neighbors", {})]
    walked = {(q, str(p)): await every_page(api, q, 5, **p) for q, p in queries}
    assert walked[("cortex adata", "{}")] == [f"NB-{i}@v1" for i in reversed(range(1, 24, 2))]
    assert len(walked[("adata", "{}")]) == 24 and walked[("adata", "{'type': 'paper'}")] == []
    monkeypatch.setattr(search_store, "WALK", dict.fromkeys(search_store.WALK, 3))
    assert {(q, str(p)): await every_page(api, q, 5, **p) for q, p in queries} == walked
    monkeypatch.setattr(search_store, "COMMON_SHARE", dict.fromkeys(search_store.COMMON_SHARE, 2.0))
    assert {(q, str(p)): await every_page(api, q, 5, **p) for q, p in queries} == walked


async def test_a_fragment_is_read_by_its_lead_and_its_rarest_later_trigrams(monkeypatch):
    stats = {search_stats.GRAMS: Elements(["11", "12"], [0.0, 0.3, 0.5], 0.2)}  # 11: 30 %, 12: 20 %

    async def elements(conn, key):
        return stats

    monkeypatch.setattr(search_stats, "_elements", elements)
    key = (1, None)
    # Not among the most common (rarer than any there) first, later ones first among equals.
    assert await search_stats.rare_grams(None, key, 99, [50, 11, 12, 13, 14]) == [13, 14, 99]
    assert await search_stats.rare_grams(None, key, 99, [50, 11, 12]) == [11, 12, 99]
    # Without a lead the first trigram may be read; a repeated trigram counts once.
    assert await search_stats.rare_grams(None, key, None, [11, 12, 11]) == [11, 12]
    assert await search_stats.rare_grams(None, key, None, [50]) == [50]
    # Without statistics: the lead and the last ones.
    assert await search_stats.rare_grams(None, (None, None), 99, [50, 11, 12, 13, 14]) == [13, 14, 99]


async def test_a_walk_the_statistics_say_cannot_fill_a_page_is_skipped(api, sql, db, monkeypatch):
    for i in range(60):
        await create(api, f"W-{i}", f"Microglia survey {i}" + (" zebrafish" if i % 20 == 0 else ""))
    sql("ANALYZE jupyter_artifacts_search")
    search_stats._stats.clear()
    monkeypatch.setattr(search_store, "WALK", dict.fromkeys(search_store.WALK, 100))
    async with db.connection() as conn:
        common, common_whole = await search_store.query_chunks(conn, "microglia")
        rare, rare_whole = await search_store.query_chunks(conn, "zebrafish")
        # `microglia` in every title: a walk of 100 rows fills a page of 8; `zebrafish`, in 3 of 60
        # and not among the most common, is taken as half the least common's share: it cannot.
        assert search_store.HEAD not in await search_store._short_walks(conn, common, common_whole, 8)
        assert search_store.HEAD in await search_store._short_walks(conn, rare, rare_whole, 8)
        assert search_store.HEAD in await search_store._short_walks(conn, common, common_whole, 101)
    # Without statistics nothing is skipped; either way the pages are the same.
    monkeypatch.setattr(search_store, "FEW", 0)
    pages = {q: await every_page(api, q, 7) for q in ("zebrafish", "microglia zebrafish", "survey")}
    assert pages["zebrafish"] == ["W-40@v1", "W-20@v1", "W-0@v1"]
    monkeypatch.setattr(search_stats, "together", no_statistics)
    async with db.connection() as conn:
        assert await search_store._short_walks(conn, rare, rare_whole, 8) == set()
    assert {q: await every_page(api, q, 7) for q in pages} == pages


async def no_statistics(*args, **kwargs) -> dict:
    return {}
