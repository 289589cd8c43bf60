"""Fragments of ids and titles (API.md, `GET /api/artifacts?q=`: "a fragment of 3 or more
characters of an id or title matches too"; migration 0016's trigram side column), pagination
over tied timestamps, and cells tokenised as code, over a real server and PostgreSQL."""

from __future__ import annotations

import importlib

# The helpers, and every test twice (a small database's window, a large one's GIN indexes).
from test_search_across import create, found, marked, refs, tier_reading  # noqa: F401

from jupyter_artifacts.db.pool import Database

trigrams = importlib.import_module("jupyter_artifacts.db.migrations.0016_search_trigrams")


async def test_fragments_of_ids_and_titles_match_in_any_case(api):
    await create(api, "HYP-77", "Tau spreading")
    await create(api, "hypothesis-73191", "Microglia prune synapses")
    await create(api, "HYP-8", "Unrelated", {"statement": "xP-7y: content is cut into words, not fragments"})
    await create(api, "P-1", "Astrocytes", {"text": "microglial cells in content"})

    assert await refs(api, "P-7") == ["HYP-77@v1"]                 # across the `-` of an id
    assert await refs(api, "p-77") == ["HYP-77@v1"]
    assert await refs(api, "icrogl") == ["hypothesis-73191@v1"]    # mid-word, in the title only
    assert await refs(api, "ICROGL") == ["hypothesis-73191@v1"]
    assert await refs(api, "s-73191") == ["hypothesis-73191@v1"]
    assert await refs(api, "e-73191") == []  # not a substring of `hypothesis-73191`
    assert await refs(api, "sis-7319") == ["hypothesis-73191@v1"]
    assert await refs(api, "yp-") == ["HYP-8@v1", "HYP-77@v1"]     # three characters, no word at all
    assert await refs(api, "e-7319x") == []
    # The id and the title are two texts: a fragment never spans them.
    assert await refs(api, "73191microglia") == []
    assert await refs(api, "73191 microglia") == ["hypothesis-73191@v1"]

    [hit] = await found(api, "s-73191")
    assert hit["match"]["field"] == "id" and marked(hit["match"]) == ["s-73191"]
    [hit] = await found(api, "icrogl")
    assert hit["match"] == {"field": "title", "snippet": "Microglia prune synapses", "ranges": [[1, 7]]}


async def test_words_rank_above_fragments(api):
    await create(api, "T-1", "A restaurant review")   # `tau` inside a word only
    await create(api, "T-2", "Tau tangles")            # the word
    await create(api, "T-3", "Something", {"statement": "tau in content"})
    await create(api, "T-4", "Tau again")
    # Words of ids and titles, then fragments of them, then content; newest first in each.
    assert await refs(api, "tau") == ["T-4@v1", "T-2@v1", "T-1@v1", "T-3@v1"]
    items = {i["ref"]: i["match"] for i in await found(api, "tau")}
    assert marked(items["T-1@v1"]) == ["tau"] and marked(items["T-2@v1"]) == ["Tau"]
    # A fragment and a content word together: every chunk somewhere.
    assert await refs(api, "staur review") == ["T-1@v1"]
    assert await refs(api, "angle content") == []
    assert await refs(api, "omethin content") == ["T-3@v1"]


async def test_like_wildcards_and_backslashes_are_plain_characters(api):
    await create(api, "Q-1", "100%_done")
    await create(api, "Q-2", "100 done")
    await create(api, "Q-3", "back\\slash path")
    await create(api, "Q-4", "backslash path")
    await create(api, "Q-5", "50%%% off")
    await create(api, "Q-6", "50% off")
    assert await refs(api, "0%_d") == ["Q-1@v1"]
    assert await refs(api, "k\\s") == ["Q-3@v1"]
    assert await refs(api, "ck\\sl") == ["Q-3@v1"]
    assert await refs(api, "%%%") == ["Q-5@v1"]          # no word at all: the literal tier, by trigrams
    assert await refs(api, "%_") == ["Q-1@v1"]           # under 3 characters: the literal tier, read in order
    [hit] = await found(api, "%%%")
    assert hit["match"] == {"field": "title", "snippet": "50%%% off", "ranges": [[2, 5]]}


async def test_non_ascii_titles(api):
    await create(api, "U-1", "Über die Mikroglia — Ästhetik")
    await create(api, "J-1", "日本語の検索について")
    await create(api, "E-1", "🧬 Genomik 🦠 und mehr")
    assert await refs(api, "ÜBER") == ["U-1@v1"]
    assert await refs(api, "sthet") == ["U-1@v1"]
    assert await refs(api, "ÄSTHET") == ["U-1@v1"]
    assert await refs(api, "— ä") == ["U-1@v1"]          # `—` alone is no chunk; `ä` a word's prefix
    assert await refs(api, "u-1") == ["U-1@v1"]
    assert await refs(api, "本語の") == ["J-1@v1"]
    assert await refs(api, "🧬 G") == ["E-1@v1"]
    assert await refs(api, "k 🦠 u") == []
    assert await refs(api, "🦠 und") == ["E-1@v1"]
    [hit] = await found(api, "本語の")
    assert hit["match"] == {"field": "title", "snippet": "日本語の検索について", "ranges": [[1, 4]]}


async def test_pages_over_tied_timestamps_list_every_match_once(api, sql):
    await create(api, "H-0", "Own row")  # migrates the schema
    # 40 rows another service wrote in one statement: one created_at, in every tier.
    sql("""INSERT INTO artifacts (id, artifact_type, title, content, version_number, created_at)
           SELECT 'tie-' || i, CASE WHEN i % 3 = 0 THEN 'notebook' ELSE 'hypothesis' END,
                  CASE i % 4 WHEN 0 THEN 'Cortex zebra ' || i WHEN 1 THEN 'Cortex azebrafish ' || i
                                   ELSE 'Cortex other ' || i END,
                  CASE WHEN i % 4 = 2 THEN '{"statement": "zebra in content"}'::jsonb ELSE '{}'::jsonb END,
                  1, '2021-03-04T05:06:07Z'
             FROM generate_series(1, 40) i""")
    by_tier = await refs(api, "zebra")
    assert len(by_tier) == len(set(by_tier)) == 30
    # The word in titles, then the fragment (`azebrafish`), then content; by id within a tier.
    def newest_first(rest: int) -> list[str]:  # one created_at: by a hash of the row id (db/search.py)
        ids = [f"tie-{i}" for i in range(1, 41) if i % 4 == rest]
        return [r["id"] + "@v1" for r in sql("SELECT id FROM unnest(%s::text[]) id ORDER BY hashtext(id) DESC, id DESC",
                                             (ids,))]

    assert by_tier == newest_first(0) + newest_first(1) + newest_first(2)
    for q, expected in (("zebra", by_tier), ("cortex", None), ("ortex", None)):
        everything = expected or await refs(api, q)
        assert len(everything) == len(set(everything)) >= 30
        for limit in (1, 2, 7):
            seen, cursor = [], None
            while True:
                params = {"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})}
                r = await api("GET", "api/artifacts", params=params)
                assert r.status == 200, r
                seen += [item["ref"] for item in r.json["items"]]
                cursor = r.json["next_cursor"]
                if not cursor:
                    break
            assert seen == everything, (q, limit)


def folded_state(sql) -> list[dict]:
    return sql("""SELECT s.id, s.folded, s.grams,
                         jupyter_artifacts_search_folded(a.artifact_id, a.title) AS want_folded,
                         jupyter_artifacts_search_grams(jupyter_artifacts_search_folded(a.artifact_id, a.title))
                             AS want_grams
                    FROM jupyter_artifacts_search s JOIN artifacts a ON a.id = s.id ORDER BY s.id""")


async def test_other_writers_keep_the_trigrams(api, sql):
    await create(api, "H-1", "Ours")
    sql("INSERT INTO artifacts (id, artifact_type, title, version_number) VALUES ('F-1', 'paper', 'Foreign Oligodendrocytes', 1)")
    assert await refs(api, "godendr") == ["F-1@v1"]
    # Edited in place, punctuation included (the words stay the same).
    sql("UPDATE artifacts SET title = 'Foreign Oligodendrocytes!?' WHERE id = 'F-1'")
    assert await refs(api, "cytes!?") == ["F-1@v1"]
    sql("UPDATE artifacts SET title = 'Renamed Ependymal' WHERE id = 'F-1'")
    assert await refs(api, "godendr") == []
    assert await refs(api, "pendym") == ["F-1@v1"]
    # A new version written directly moves is_latest: its title is searched, the old one's not.
    sql("""INSERT INTO artifacts (id, artifact_type, title, version_number, parent_version_id)
           VALUES ('F-1-v2', 'paper', 'Choroid plexus', 2, 'F-1')""")
    assert await refs(api, "pendym") == []
    assert await refs(api, "horoi") == ["F-1@v2"]
    assert (await api("POST", "api/artifacts/H-1/versions", {"title": "Leptomeningeal"})).status == 201
    assert await refs(api, "tomening") == ["H-1@v2"]
    sql("DELETE FROM artifacts WHERE id = 'F-1-v2'")
    assert await refs(api, "horoi") == []
    for row in folded_state(sql):
        assert (row["folded"], sorted(row["grams"])) == (row["want_folded"], sorted(row["want_grams"])), row
    assert sql("SELECT jupyter_artifacts_search_refresh() AS n")[0]["n"] == 0


async def test_refresh_and_the_online_fill_bring_rows_written_before_0016_in_line(api, sql, database_url):
    for i in range(7):
        await create(api, f"H-{i}", f"Perivascular macrophages {i}", {"statement": f"border cells {i}"})
    r = await api("POST", "api/notebooks", {"id": "NB-1", "title": "Vascular atlas", "notebook": {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "source": "import leidenalg", "metadata": {}, "outputs": [],
                   "execution_count": None}]}})
    assert r.status == 201, r
    want = sql("SELECT id, head::text, doc::text, whole::text, folded, grams FROM jupyter_artifacts_search ORDER BY id")
    assert all(r["folded"] and r["grams"] for r in want)
    assert not any("\\001" in r["head"] or "\x01" in r["head"] for r in want)

    # As migration 0012 left them: 0012's fragments in every vector, no trigrams, no index.
    sql("ALTER TABLE jupyter_artifacts_search DISABLE TRIGGER jupyter_artifacts_search_fold")
    sql("""UPDATE jupyter_artifacts_search s SET folded = NULL, grams = NULL,
                  head = s.head || jupyter_artifacts_search_fragments(a.artifact_id, a.title),
                  doc = s.doc || jupyter_artifacts_search_fragments(a.artifact_id, a.title),
                  whole = s.whole || jupyter_artifacts_search_fragments(a.artifact_id, a.title)
             FROM artifacts a WHERE a.id = s.id""")
    sql("ALTER TABLE jupyter_artifacts_search ENABLE TRIGGER jupyter_artifacts_search_fold")
    sql("DROP INDEX jupyter_artifacts_search_grams_idx, jupyter_artifacts_search_newest_idx")
    assert sql("SELECT count(*) AS n FROM jupyter_artifacts_search WHERE head::text LIKE E'%\\x01%'")[0]["n"] == 8
    assert await refs(api, "vascular") == ["NB-1@v1"]  # words still work meanwhile
    assert await refs(api, "ascul") == []              # fragments wait for the fill

    db = Database(database_url, max_size=2)
    try:
        async with db.connection() as conn:
            await conn.set_autocommit(True)
            await trigrams.online(conn)
            await trigrams.online(conn)  # safe to run again
    finally:
        await db.close()
    assert sql("SELECT id, head::text, doc::text, whole::text, folded, grams FROM jupyter_artifacts_search "
               "ORDER BY id") == want
    assert sql("SELECT count(*) AS n FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN "
               "('jupyter_artifacts_search_grams_idx', 'jupyter_artifacts_search_newest_idx', "
               "'jupyter_artifacts_search_newest_notebooks_idx')")[0]["n"] == 3
    assert await refs(api, "ascul") == ["NB-1@v1", *[f"H-{i}@v1" for i in reversed(range(7))]]
    assert await refs(api, "ascul leidenalg") == ["NB-1@v1"]

    # The refresh mends rows written with the triggers off.
    sql("UPDATE jupyter_artifacts_search SET folded = 'stale', grams = '{}' WHERE id = 'H-3'")
    assert sql("SELECT jupyter_artifacts_search_refresh() AS n")[0]["n"] == 1
    assert sql("SELECT id, head::text, doc::text, whole::text, folded, grams FROM jupyter_artifacts_search "
               "ORDER BY id") == want


CODE = {
    "plt.subplots(figsize=(8, 4))": ("subplots", "figsize", "plt.subplots", "8"),
    'df["col"].groupby("key").agg(total="sum")': ("groupby", "col", "agg", "total"),
    "np.random.seed(0)": ("seed", "random", "np.random.seed"),
    "x=a+b": ("x", "a", "b"),
    "arr[i,j] = value": ("arr", "value"),
    "sc.tl.leiden(adata, resolution=0.5)": ("leiden", "sc.tl.leiden", "resolution", "adata"),
    "de = run_de(adata, contrast='TREM2 vs control')": ("run_de", "run", "contrast", "trem2"),
    "!pip install scanpy": ("pip", "install", "scanpy"),
    "%matplotlib inline": ("matplotlib", "inline", "%matplotlib"),
    'fig.savefig(f"{outdir}/umap_{k:02d}.png")': ("savefig", "outdir", "umap", "png"),
    "func(*args, **kwargs)": ("args", "kwargs", "func"),
    "data.loc[mask, 'gene'] = lst[-1]": ("loc", "mask", "gene", "lst"),
}


async def test_cells_are_tokenised_as_code(api):
    for i, (source, _) in enumerate(CODE.items()):
        r = await api("POST", "api/notebooks", {"id": f"NB-{i}", "title": "Code", "notebook": {
            "nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
                       "execution_count": None}]}})
        assert r.status == 201, r
    for i, (source, words) in enumerate(CODE.items()):
        for word in words:
            hits = {item["ref"]: item["match"] for item in await found(api, word)}
            assert f"NB-{i}@v1" in hits, (source, word)
            assert hits[f"NB-{i}@v1"]["field"] == "cell" and hits[f"NB-{i}@v1"]["snippet"] == source
    # Whole words, not fragments of code: `ubplot` is inside no word of any id or title.
    assert await refs(api, "ubplot") == []
