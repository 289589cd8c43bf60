"""db/search.py's GIN reads of a tier: the id-and-title tier's read by its words is the tier's own
condition, and the rows it returns are not checked against it again; a read that leaves a word
out (a common prefix) is."""

from __future__ import annotations

import pytest
from test_search_dense import expected, search_and_plan, small_reads, world  # noqa: F401 (small_reads: a fixture)

from jupyter_artifacts.db import search_stats


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
