"""Migration 0023 and db/search_words.py: the words of every search row's id, title and
content are kept, a query's prefix is read as the whole words it begins (a conjunction with a
word no row holds left out), and the search finds exactly what it finds reading the words as
typed, whichever way a tier is read (test_search_across's tier_reading)."""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_artifacts.db import search_words
from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.db.search_words import DEAD, conjunctions, narrow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers"))
from test_migrate import migrate
from test_search_across import create, refs, register, tier_reading  # noqa: F401

QUERIES = ("plaq", "plaque", "TREM2 plaq", "r-P-7", "P-7", "zzqx plaque", "plaque adat", "quokk census",
           "paper-P-7", "plaqueformer", "load r", "adat plaqu", "laque adat", "aper-P ortex")


async def world(api) -> None:
    await create(api, "paper-P-70", "Plaque load in cortex", {"statement": "plaqueformer counts"}, artifact_type="paper")
    await create(api, "paper-P-71", "TREM2 and plaques", {"statement": "microglia"}, artifact_type="paper")
    await create(api, "paper-Q-7", "Quokka census", {"statement": "TREM2 plaque r"}, artifact_type="paper")
    await create(api, "H-1", "Plaquette", {"statement": "nothing else"})
    await register(api, "NB-1", "Plaque notebook", "adata = load()", "plaque_counts(adata)")


def test_a_term_is_read_as_its_conjunctions():
    assert conjunctions("'7':* & 'p' & 'r' | '7':* & 'p'") == [[("7", True), ("p", False), ("r", False)],
                                                                [("7", True), ("p", False)]]
    assert conjunctions("'it''s':*") == [[("it's", True)]]
    for other in ("( 'a' | 'b' ) & 'c'", "!'a'", "'a' <-> 'b'", "'a':A", "'a' &", "& 'a'", ""):
        assert conjunctions(other) is None, other


async def test_the_words_of_ids_titles_and_contents_are_kept_not_those_of_cells(api, sql):
    await world(api)
    words = {r["word"] for r in sql("SELECT word FROM jupyter_artifacts_search_words")}
    assert {"paper", "p", "70", "plaque", "load", "cortex", "plaqueformer", "counts", "quokka", "census",
            "plaquette", "nb", "notebook"} <= words
    assert "adata" not in words and "plaque_counts" not in words  # (cells: their tier reads as typed)
    # A new version with new words adds them; a cell append (same id, title, content) adds none.
    r = await api("POST", "api/artifacts/H-1/versions", {"title": "Plaquette morphometry"})
    assert r.status == 201, r
    # A search row's vectors rewritten in place (as the refresh does for a row whose words changed).
    sql("""UPDATE jupyter_artifacts_search SET doc = doc || to_tsvector('simple', 'ramifications galore')
            WHERE id = 'paper-Q-7'""")
    assert {"ramifications", "galore"} <= {r["word"] for r in sql("SELECT word FROM jupyter_artifacts_search_words")}
    before = sql("SELECT count(*) AS n FROM jupyter_artifacts_search_words")[0]["n"]
    assert "morphometry" in {r["word"] for r in sql("SELECT word FROM jupyter_artifacts_search_words")}
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "zzqx_new_word = 1"})
    assert r.status in (200, 201), r
    assert sql("SELECT count(*) AS n FROM jupyter_artifacts_search_words")[0]["n"] == before
    # Another service's bulk insert of versions: their words come with them.
    sql("""INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content_hash, version_number,
                                  is_latest, created_at)
           SELECT 'bulk-' || i, 'bulk-' || i, 'dataset', 'Bulkword' || i, '{}', 'h' || i, 1, true, now()
             FROM generate_series(1, 50) i""")
    assert sql("SELECT count(*) AS n FROM jupyter_artifacts_search_words WHERE word LIKE 'bulkword%%'")[0]["n"] == 50


async def test_a_prefix_becomes_the_words_it_begins(api, db, monkeypatch):
    await world(api)
    async with db.connection() as conn:
        assert await narrow(conn, ["'plaque':*", "'zzqx':*", "'7':* & 'p' & 'r' | '7':* & 'p' & 'zzqx'",
                                   "'quokka' & 'census':*", None]) == [
            "( 'plaque' | 'plaqueformer' | 'plaques' | 'plaquette' )", DEAD, "( '7' | '70' | '71' ) & 'p' & 'r'",
            "'quokka' & 'census'", None]
        monkeypatch.setattr(search_words, "MAX_WORDS", 3)  # more words than that: read as a prefix
        assert await narrow(conn, ["'plaque':* & 'load':*"]) == ["'plaque':* & 'load'"]


async def test_the_search_finds_what_it_finds_reading_the_words_as_typed(api, monkeypatch):
    await world(api)
    narrowed = {q: await refs(api, q) for q in QUERIES}
    assert narrowed["r-P-7"] == ["paper-P-71@v1", "paper-P-70@v1"]  # the fragment, though no id holds the word r
    assert narrowed["zzqx plaque"] == []
    assert narrowed["quokk census"] == ["paper-Q-7@v1"]
    assert set(narrowed["plaq"]) == {"paper-P-70@v1", "paper-P-71@v1", "paper-Q-7@v1", "H-1@v1", "NB-1@v1"}

    async def as_typed(conn, terms):
        return None
    monkeypatch.setattr(search_words, "narrow", as_typed)
    assert {q: await refs(api, q) for q in QUERIES} == narrowed


async def test_until_the_words_of_every_row_are_in_a_search_reads_prefixes_as_typed(api, sql, database_url):
    await world(api)
    # As a database migrated up to 0022 is while 0023's online part runs: the rows written
    # before it have no words in the table, and the version is not recorded.
    sql("DELETE FROM jupyter_artifacts_search_words")
    sql("DELETE FROM jupyter_artifacts_schema_version WHERE version >= 23")
    db = Database(database_url, auto_migrate=False)  # (another server, not migrating on its own)
    async with db.connection() as conn:
        assert await narrow(conn, ["'plaque':*"]) is None
    assert set(await refs(api, "plaq")) == {"paper-P-70@v1", "paper-P-71@v1", "paper-Q-7@v1", "H-1@v1", "NB-1@v1"}
    await migrate(database_url)  # 0023 again: its online part adds the words of every row
    assert {"quokka", "plaqueformer", "plaquette"} <= {r["word"] for r in sql("SELECT word FROM jupyter_artifacts_search_words")}
    async with db.connection() as conn:
        assert await narrow(conn, ["'quokka':*"]) == ["'quokka'"]
    await db.close()
