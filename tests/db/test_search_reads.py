"""db/search.py's GIN reads of a tier: the id-and-title tier's read by its words is the tier's own
condition, and the rows it returns are not checked against it again; a read that leaves a word
out (a common prefix) is. A read that several tiers make runs once."""

from __future__ import annotations

import pytest
from test_search_dense import expected, search_and_plan, small_reads, world  # noqa: F401 (small_reads: a fixture)

from jupyter_artifacts.db import search as search_store
from jupyter_artifacts.db import search_stats
from jupyter_artifacts.db.search_parts import Part, shared_reads


def head_reads(node: dict):
    """The filters over each bitmap read of `head` in the plan (a Subquery Scan over the Bitmap
    Heap Scan, db/search.py's `every` CTEs)."""
    for child in node.get("Plans", []):
        scan = child.get("Plans", [{}])[0] if child["Node Type"] == "Subquery Scan" else {}
        if scan.get("Node Type") == "Bitmap Heap Scan" and "head @@" in scan.get("Recheck Cond", ""):
            yield child.get("Filter", "")
        yield from head_reads(child)


@pytest.mark.usefixtures("small_reads")
async def test_the_words_read_through_the_index_are_not_checked_again(api, sql, monkeypatch):
    await world(api, sql, matches_old=True)
    refs, nodes = await search_and_plan(api, sql, monkeypatch, "P-7", 11)
    assert refs == expected(sql, "p-7", 11)
    filters = list(head_reads(nodes[0]))
    assert filters, "the id-and-title tier is read through the GIN index of head"
    assert all("head @@" not in f for f in filters), filters


@pytest.mark.usefixtures("small_reads")
async def test_a_read_leaving_a_word_out_checks_it(api, sql, monkeypatch):
    await world(api, sql, matches_old=True)
    decided, _ = await search_and_plan(api, sql, monkeypatch, "Note 1", 11)
    # `Note 1` read by `note` alone (as a prefix far more common than the other word is left out).
    monkeypatch.setattr(search_stats, "indexed", lambda chunks, vector: chunks[:1])
    refs, nodes = await search_and_plan(api, sql, monkeypatch, "Note 1", 11)
    assert len(refs) == 11 and refs == decided
    filters = list(head_reads(nodes[0]))
    assert filters and all("head @@" in f for f in filters), filters


def grams_reads(nodes: list[dict]) -> int:
    """How many GIN reads of the trigram index ran (db/search_parts.py's _inside())."""
    return sum(1 for n in nodes if n.get("Index Name") == "jupyter_artifacts_search_grams_idx"
               and n.get("Actual Loops", 0) > 0)


async def cells_world(api) -> None:
    """`adata` inside a word of one title, in cells of three notebooks, and nowhere else: the fragment,
    content and cells tiers each read its trigrams (no id, title or content holds it as a word; a
    cell's row may hold it inside a word of its title)."""
    for i in range(30):
        assert (await api("POST", "api/artifacts", {"id": f"H-{i}", "artifact_type": "hypothesis",
                                                     "title": f"Plaque load {i}"})).status == 201
    assert (await api("POST", "api/artifacts", {"id": "H-db", "artifact_type": "hypothesis",
                                                 "title": "A badatabase of plaques"})).status == 201
    for i in range(3):
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "source": "adata = load()\nadata.obs", "metadata": {}, "outputs": [],
             "execution_count": None}]}
        assert (await api("POST", "api/notebooks", {"id": f"NB-{i}", "title": f"Clusters {i}",
                                                     "notebook": nb})).status == 201


@pytest.mark.usefixtures("small_reads")
async def test_a_read_several_tiers_make_runs_once(api, sql, monkeypatch):
    await cells_world(api)
    refs, nodes = await search_and_plan(api, sql, monkeypatch, "adata", 11)
    assert refs == ["H-db@v1", "NB-2@v1", "NB-1@v1", "NB-0@v1"]
    assert grams_reads(nodes) == 1, "three tiers share one read of the trigrams"
    # The content and cells tiers fetch the rows again by ctid (their checks read the vectors); the
    # fragment tier of this one chunk needs nothing the read did not decide.
    assert sum(1 for n in nodes if n["Node Type"] == "Tid Scan" and n.get("Actual Loops", 0) > 0) == 2
    # Each tier reading alone: the same page, three reads.
    monkeypatch.setattr(search_store, "shared_reads", lambda parts: (parts, []))
    alone, nodes = await search_and_plan(api, sql, monkeypatch, "adata", 11)
    assert alone == refs and grams_reads(nodes) == 3


def stored(nodes: list[dict]) -> list[str]:
    """The CTEs the plans store (a CTE not materialized is read where it is used)."""
    return sorted(n["Subplan Name"][4:] for n in nodes if n.get("Subplan Name", "").startswith("CTE "))


@pytest.mark.usefixtures("small_reads")
async def test_a_tier_reading_a_shared_read_alone_does_not_store_its_matches_again(api, sql, monkeypatch):
    # The fragment tier of `adata` only filters the shared read's CTE (read0): its matches are read
    # from that CTE wherever they are used. The content and cells tiers fetch rows and check
    # their vectors: their matches are stored once.
    await cells_world(api)
    refs, nodes = await search_and_plan(api, sql, monkeypatch, "adata", 11)
    assert refs == ["H-db@v1", "NB-2@v1", "NB-1@v1", "NB-0@v1"]
    assert "read0" in stored(nodes)
    assert len([c for c in stored(nodes) if c.startswith("every")]) == 2, stored(nodes)


def test_shared_reads_name_only_reads_made_twice():
    a, b, c = (Part(f"(s.grams @> %(m{n})s::int4[])", []) for n in (1, 2, 3))
    parts, ctes = shared_reads({3: [a, b], 2: [a._replace(checks=["x"]), c], 1: [c]})
    assert len(ctes) == 2 and "WHERE (s.grams @> %(m1)s::int4[])" in ctes[0] and "%(m3)s" in ctes[1]
    assert parts[3][1] == b and parts[2][0].checks == ["x"]
    assert parts[3][0].shared == parts[2][0].shared == "read0" and "ANY(ARRAY(SELECT t FROM read0))" in parts[3][0].rows()
    assert parts[2][1].shared == parts[1][0].shared == "read1"
    assert "WHERE (s.grams @> %(m2)s::int4[])" in b.rows()


async def test_a_shared_read_keeps_the_filters(api, sql, monkeypatch):
    """The fragment tier reads the shared CTE alone (its columns decide type, tag and exact ids);
    windows and walks of one row, so the pages come from the GIN reads."""
    monkeypatch.setattr(search_store, "FEW", 0)
    for name in ("SEARCH_WINDOW", "FIRST_WINDOW", "WALK"):
        monkeypatch.setattr(search_store, name, dict.fromkeys(getattr(search_store, name), 1))
    await cells_world(api)
    assert (await api("POST", "api/artifacts", {"id": "H-dbx", "artifact_type": "paper",
                                                 "title": "Badatabase two"})).status == 201
    for ref in ("H-db", "NB-1"):
        assert (await api("POST", f"api/artifacts/{ref}/versions/1/tags", {"tag": "kept"})).status == 201
    cases = [("adata", {"type": "hypothesis"}, ["H-db@v1"]), ("adata", {"type": "notebook"}, ["NB-2@v1", "NB-1@v1", "NB-0@v1"]),
             ("adata", {"tag": "kept"}, ["H-db@v1", "NB-1@v1"]), ("H-dbx", {}, ["H-dbx@v1"]),
             ("badatabase", {}, ["H-dbx@v1", "H-db@v1"])]
    for q, params, want in cases:
        r = await api("GET", "api/artifacts", params={"q": q, "limit": 11, **params})
        assert r.status == 200 and [i["ref"] for i in r.json["items"]] == want, (q, params, r.json)
