"""Text search over the latest versions, `GET /api/artifacts?q=` (API.md, "Artifacts"), and
the sidebar's type filter, `GET /api/artifact-types`, over a real server and PostgreSQL."""

from __future__ import annotations

import base64
import json

import pytest

from jupyter_artifacts.db import search as store
from jupyter_artifacts.json_limits import MAX_DEPTH


@pytest.fixture(autouse=True, params=["few", "window", "index"])
def tier_reading(request, monkeypatch):
    """Every test three times: as a rare query is read (its few matches straight from the GIN
    indexes), as a common one in a small database (all rows fit in the window of newest rows),
    and as one in a large database (a tiny window, the rest through the GIN indexes)."""
    if request.param != "few":
        monkeypatch.setattr(store, "FEW", 0)
    if request.param == "index":
        monkeypatch.setattr(store, "SEARCH_WINDOW", {4: 1, 3: 2, 2: 2, 1: 1, 0: 1})
        monkeypatch.setattr(store, "WALK", {4: 1, 2: 2, 1: 1})  # (and a short walk after it)
    return request.param


async def create(api, artifact_id: str, title: str, content=None, artifact_type: str = "hypothesis") -> dict:
    body = {"id": artifact_id, "artifact_type": artifact_type, "title": title}
    if content is not None:
        body["content"] = content
    r = await api("POST", "api/artifacts", body)
    assert r.status == 201, r
    return r.json


async def search(api, q: str, **params) -> list[str]:
    """Refs listed for `q`, best first (one page of up to 500)."""
    r = await api("GET", "api/artifacts", params={"q": q, "limit": 500, **params})
    assert r.status == 200, (q, r)
    return [item["ref"] for item in r.json["items"]]


def notebook(*sources: str) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
                      for s in sources]}


async def register(api, nb_id: str, title: str, *sources: str) -> None:
    r = await api("POST", "api/notebooks", {"id": nb_id, "title": title, "notebook": notebook(*sources)})
    assert r.status == 201, r


async def append(api, nb_id: str, source: str, cell_type: str = "code") -> None:
    r = await api("POST", f"api/notebooks/{nb_id}/cells", {"source": source, "cell_type": cell_type})
    assert r.status == 201, r


# -- what is found --------------------------------------------------------------------------

async def test_finds_title_words_id_fragments_and_prefixes(api):
    await create(api, "hypothesis-H-89", "TREM2 loss raises plaque load")
    await create(api, "hypothesis-H-890", "Unrelated idea")
    await create(api, "GSE123.v2", "A dataset of plaques", artifact_type="dataset")
    await register(api, "NB-12", "Plaque counts")
    await register(api, "NB-120", "Other counts")

    assert await search(api, "plaque") == ["NB-12@v1", "GSE123.v2@v1", "hypothesis-H-89@v1"]
    assert await search(api, "PLAQUE load") == ["hypothesis-H-89@v1"]  # every word, any case
    assert await search(api, "pla") == await search(api, "plaque")  # the last word is a prefix
    assert await search(api, "TREM") == ["hypothesis-H-89@v1"]
    assert await search(api, "trem2 pla") == ["hypothesis-H-89@v1"]
    # Ids, by any part of them; the id itself first.
    assert await search(api, "H-89") == ["hypothesis-H-890@v1", "hypothesis-H-89@v1"]
    assert (await search(api, "hypothesis-H-89"))[0] == "hypothesis-H-89@v1"
    assert await search(api, "NB-12") == ["NB-12@v1", "NB-120@v1"]
    assert await search(api, "nb-12") == ["NB-12@v1", "NB-120@v1"]
    assert await search(api, "NB-12@v1") == ["NB-12@v1"]
    assert await search(api, "NB") == ["NB-120@v1", "NB-12@v1"]
    assert await search(api, "v2") == ["GSE123.v2@v1"]
    assert await search(api, "GSE123.v2") == ["GSE123.v2@v1"]
    assert await search(api, "89") == ["hypothesis-H-890@v1", "hypothesis-H-89@v1"]
    # Words before a separator are whole: `H-8` is h and 8-something, not every h-word.
    assert await search(api, "H-8") == ["hypothesis-H-890@v1", "hypothesis-H-89@v1"]
    assert await search(api, "nothing-like-this") == []


async def test_titles_with_angle_brackets_are_words_not_markup(api):
    # The parser reads `<...>` as markup and would index none of these titles' words.
    await create(api, "hyp-x", "<script>window.__pwned = 1</script> APOE <b>bold</b>")
    await create(api, "hyp-y", "<img src=x onerror=alert(1)> TREM2")
    assert await search(api, "APOE") == ["hyp-x@v1"]
    assert await search(api, "bold") == ["hyp-x@v1"]
    assert await search(api, "TREM2") == ["hyp-y@v1"]
    assert await search(api, "onerror") == ["hyp-y@v1"]


async def test_finds_words_only_in_content(api):
    await create(api, "H-1", "A hypothesis", {"statement": "Microglial phagocytosis clears amyloid",
                                              "evidence": [{"note": "see fig. 3"}], "confidence": 0.7})
    paper_text = " ".join(["the cohort was followed for ten years"] * 500) + " with a xenotropic control"
    await create(api, "P-1", "A paper", {"abstract": "short", "text": paper_text}, artifact_type="paper")
    await create(api, "D-1", "A dataset", ["a list", {"of": ["nested", "strings", 42, None, True]}],
                 artifact_type="dataset")
    await create(api, "S-1", "A bare string", "content that is just zygomorphic text", artifact_type="note")
    await create(api, "N-1", "No content at all")

    assert await search(api, "phagocytosis") == ["H-1@v1"]
    assert await search(api, "phago amyloid") == ["H-1@v1"]
    assert await search(api, "fig") == ["H-1@v1"]
    assert await search(api, "xenotropic") == ["P-1@v1"]  # after 18,000 characters of paper text
    assert await search(api, "nested strings") == ["D-1@v1"]
    assert await search(api, "zygomorphic") == ["S-1@v1"]
    # Keys and numbers of the JSON are not text; a word spread over title and content matches.
    assert await search(api, "statement") == []
    assert await search(api, "confidence") == []
    assert await search(api, "hypothesis microglial") == ["H-1@v1"]


async def test_finds_a_notebook_by_a_word_only_in_a_cell(api):
    await register(api, "NB-1", "Single-cell analysis", "import scanpy as sc")
    await append(api, "NB-1", "import leidenalg\nsc.tl.leiden(adata, resolution=0.5)")
    await append(api, "NB-1", "## Results\n\nThe clusters separate **disease-associated** microglia",
                 cell_type="markdown")
    await register(api, "NB-2", "Another notebook", "print('hello')")
    await create(api, "H-1", "Mentions scanpy in its title")

    # The latest version lists, whichever version's cell holds the word.
    assert await search(api, "leidenalg") == ["NB-1@v3"]
    assert await search(api, "sc.tl.leiden") == ["NB-1@v3"]
    assert await search(api, "leiden") == ["NB-1@v3"]
    assert await search(api, "disease-associated") == ["NB-1@v3"]
    assert await search(api, "hello") == ["NB-2@v1"]
    # A title match ranks above a cell-only match.
    assert await search(api, "scanpy") == ["H-1@v1", "NB-1@v3"]
    assert await search(api, "leidenalg", type="notebook") == ["NB-1@v3"]
    assert await search(api, "leidenalg", type="hypothesis") == []


async def test_ranking_id_then_title_then_content_then_cells_newest_first(api):
    await create(api, "microglia", "The id itself", artifact_type="term")
    await create(api, "T-old", "Microglia in aging")
    await register(api, "NB-cells", "A notebook", "# microglia counts")
    await create(api, "C-1", "First content match", {"statement": "microglia respond"})
    await create(api, "T-new", "Activated microglia")
    await create(api, "C-2", "Second content match", {"statement": "more microglia"})
    await register(api, "NB-skeleton", "Microglia notebook", "x = 1")

    assert await search(api, "microglia") == [
        "microglia@v1",                                  # the id is what was typed
        "NB-skeleton@v1", "T-new@v1", "T-old@v1",        # id or title, newest first
        "C-2@v1", "C-1@v1",                              # content, newest first
        "NB-cells@v1",                                   # a cell only
    ]
    # A new version moves an artifact to the top of its tier (newest first), and a title that
    # loses the word moves it to the tier its content earns.
    assert (await api("POST", "api/artifacts/T-old/versions", {"title": "Microglia in aging, revised"})).status == 201
    assert (await api("POST", "api/artifacts/T-new/versions", {"title": "Activated cells",
                                                               "content": {"about": "microglia"}})).status == 201
    assert await search(api, "microglia") == [
        "microglia@v1", "T-old@v2", "NB-skeleton@v1", "T-new@v2", "C-2@v1", "C-1@v1", "NB-cells@v1"]


async def test_type_and_tag_filters_combine_with_q(api):
    await create(api, "H-1", "Plaque hypothesis")
    await create(api, "H-2", "Another plaque hypothesis")
    await create(api, "P-1", "Plaque paper", artifact_type="paper")
    await create(api, "P-2", "Paper", {"text": "plaque in content"}, artifact_type="paper")
    await create(api, "P-3", "Unrelated paper", artifact_type="paper")
    for ref in ("H-1", "P-2", "P-3"):
        assert (await api("POST", f"api/artifacts/{ref}/versions/1/tags", {"tag": "reviewed"})).status == 201

    assert await search(api, "plaque", type="paper") == ["P-1@v1", "P-2@v1"]
    assert await search(api, "plaque", tag="reviewed") == ["H-1@v1", "P-2@v1"]
    assert await search(api, "plaque", type="paper", tag="reviewed") == ["P-2@v1"]
    assert await search(api, "plaque", type="dataset") == []
    assert await search(api, "plaque", tag="nobody-uses-this") == []


async def test_pagination_over_a_ranked_result_skips_and_repeats_nothing(api, sql):
    for i in range(7):
        await create(api, f"T-{i}", f"Astrocyte study {i}")
        await create(api, f"C-{i}", f"Study {i}", {"statement": f"astrocyte reactivity {i}"})
    for i in range(3):
        await register(api, f"NB-{i}", f"Notebook {i}", f"# astrocytes, run {i}")
    await create(api, "astrocyte", "The id", artifact_type="term")
    # Rows another service wrote in one statement share a timestamp: the id breaks the tie.
    sql("INSERT INTO artifacts (id, artifact_type, title, version_number, created_at) "
        "SELECT 'F-' || i, 'hypothesis', 'Astrocyte tie ' || i, 1, '2020-01-01T00:00:00Z' FROM generate_series(1, 3) i")

    everything = await search(api, "astrocyte")
    assert len(everything) == len(set(everything)) == 21
    assert everything[0] == "astrocyte@v1" and everything[-3:] == ["NB-2@v1", "NB-1@v1", "NB-0@v1"]
    tied = [r["id"] + "@v1" for r in sql("SELECT id FROM unnest(ARRAY['F-1', 'F-2', 'F-3']) id "
                                         "ORDER BY hashtext(id) DESC, id DESC")]  # one created_at
    assert everything[6:11] == ["T-1@v1", "T-0@v1", *tied]
    for limit in (1, 2, 3, 5, 7, 20, 21):
        seen, cursor, pages = [], None, 0
        while True:
            params = {"q": "astrocyte", "limit": limit, **({"cursor": cursor} if cursor else {})}
            r = await api("GET", "api/artifacts", params=params)
            assert r.status == 200, r
            assert len(r.json["items"]) <= limit
            seen += [item["ref"] for item in r.json["items"]]
            cursor, pages = r.json["next_cursor"], pages + 1
            if not cursor:
                break
        assert seen == everything, limit
        assert pages == -(-21 // limit)


async def test_cursors_belong_to_their_kind_of_list(api):
    for i in range(3):
        await create(api, f"H-{i}", f"Tau {i}")
    plain = (await api("GET", "api/artifacts", params={"limit": 1})).json["next_cursor"]
    searched = (await api("GET", "api/artifacts", params={"q": "tau", "limit": 1})).json["next_cursor"]
    assert plain and searched
    tier9 = base64.urlsafe_b64encode(json.dumps([9, "2026-01-01T00:00:00+00:00", "x"]).encode()).decode()
    for params in ({"q": "tau", "cursor": plain}, {"cursor": searched}, {"q": "tau", "cursor": "garbage!"},
                   {"q": "tau", "cursor": tier9}):
        r = await api("GET", "api/artifacts", params=params)
        assert r.status == 400 and r.json["reason"] == "invalid" and "cursor" in r.json["message"], (params, r)


async def test_only_latest_versions_are_searched(api):
    """Decision: a search reads the latest versions only, as the list shows them. A word only an
    older version has does not match (the row listed would not show it); a word every version
    has lists the artifact once, as its latest version."""
    await create(api, "H-1", "Zebrafish draft", {"statement": "an early axolotl idea"})
    assert (await api("POST", "api/artifacts/H-1/versions",
                      {"title": "Zebrafish final", "content": {"statement": "a later idea"}})).status == 201
    assert (await api("POST", "api/artifacts/H-1/versions", {"title": "Medaka final"})).status == 201
    assert await search(api, "zebrafish") == []
    assert await search(api, "draft") == []
    assert await search(api, "axolotl") == []
    assert await search(api, "final") == ["H-1@v3"]
    assert await search(api, "later idea") == ["H-1@v3"]
    assert await search(api, "H-1") == ["H-1@v3"]


async def test_text_without_words_matches_ids_and_titles_literally(api):
    await create(api, "Q-1", "100%_literal")
    await create(api, "Q-2", "Arrows → and more")
    await create(api, "Q-3", "Nothing special")
    assert await search(api, "%_") == ["Q-1@v1"]
    assert await search(api, "→") == ["Q-2@v1"]
    assert await search(api, "!!!") == []
    # A blank q is no search at all: the plain list, newest first.
    assert [i["ref"] for i in (await api("GET", "api/artifacts", params={"q": "   "})).json["items"]] == [
        "Q-3@v1", "Q-2@v1", "Q-1@v1"]


HOSTILE = [
    "& | ! ( ) : * '", "'", "''", "\\", "\\\\", "a & b", "a | b", "!a", "a:*", "a:*A", "a:B", "'a' & 'b'",
    "(((((", ")))))", "a <-> b", "a <2> b", "foo'bar", "foo\\'bar", "foo\\", "\\'", "'\\'", ":*", "*:", "&&&&",
    "-12", "--", "a--b", "@v1", "x@v", "@", "a@b.c", "https://example.org/a?b=c&d", "\x00", "a\x00b", "\t\n\r",
    "\u200b", "ü", "İstanbul", "ǅ", "日本語の検索", "مرحبا", "🧬🦠", "a" * 200, "& " * 100, "\\" * 200, "'" * 200,
    "é" * 200, "🧬" * 200, "a " * 100, "1 " * 100, "-" * 200, "x:*" * 66, " ".join(["a-b-c-d-e-f"] * 16),
    "%", "_", "%_%", "\\%", "[a-z]", ".*", "NULL", "'; DROP TABLE artifacts; --", "$$", "$1", "%s", "%(q)s",
]


async def test_hostile_input_never_fails(api, sql):
    await create(api, "H-1", "TREM2 loss raises plaque load", {"statement": "O'Brien et al. \\ path"})
    await create(api, "U-1", "İstanbul ǅ and 🧬 emoji", {"text": "日本語の検索 مرحبا"})
    for q in HOSTILE:
        for extra in ({}, {"type": "hypothesis"}, {"limit": 1}):
            r = await api("GET", "api/artifacts", params={"q": q, **extra})
            assert r.status in (200, 400), (q, extra, r)
            if r.status == 400:
                assert r.json["reason"] == "invalid" and r.json["message"] and len(r.text) < 1000, (q, r)
            else:
                assert isinstance(r.json["items"], list)
                # Following the cursor works as well.
                if r.json["next_cursor"]:
                    more = await api("GET", "api/artifacts", params={"q": q, **extra, "cursor": r.json["next_cursor"]})
                    assert more.status == 200, (q, more)
    assert (await api("GET", "api/artifacts", params={"q": "a" * 201})).status == 400
    assert await search(api, "O'Brien") == ["H-1@v1"]
    assert await search(api, "istanbul") == ["U-1@v1"]
    assert await search(api, "🧬 istanbul") == ["U-1@v1"]
    assert sql("SELECT count(*) AS n FROM artifacts")[0]["n"] == 2


# -- rows other services write ----------------------------------------------------------------

def nested(depth: int, leaf: str) -> str:
    opens = "".join('{"k": ' if i % 2 == 0 else "[" for i in range(depth))
    closes = "".join("}" if i % 2 == 0 else "]" for i in reversed(range(depth)))
    return opens + leaf + closes


async def test_rows_other_services_write_never_break_inserts_or_search(api, sql):
    await create(api, "H-1", "Ours")  # migrates the schema; from here on another service writes
    # An adopted database may have a nullable title; a service may leave title and content NULL.
    sql("ALTER TABLE artifacts ALTER COLUMN title DROP NOT NULL")
    sql("INSERT INTO artifacts (id, artifact_type, title, content, version_number) "
        "VALUES ('F-null', 'hypothesis', NULL, NULL, 1)")
    sql("INSERT INTO artifacts (id, artifact_type, title, content, version_number) "
        "VALUES ('F-json-null', 'hypothesis', 'JSON null content', 'null'::jsonb, 1)")
    sql("INSERT INTO artifacts (id, artifact_type, title, content, version_number) "
        "VALUES ('F-scalar', 'hypothesis', 'Scalar pelagic', '12.5'::jsonb, 1)")
    # 3000 levels deep, with a word at the bottom (far deeper than this server ever writes).
    sql("INSERT INTO artifacts (id, artifact_type, title, content, version_number) "
        "VALUES ('F-deep', 'dataset', 'Deep', %s::jsonb, 1)", (nested(3000, '"abyssal"'),))
    # Content whose words alone would overflow a tsvector (1 MB): the insert still succeeds, and
    # the start of it is searchable.
    many = " ".join(f"w{i:07d}x" for i in range(160_000))
    sql("INSERT INTO artifacts (id, artifact_type, title, content, version_number) "
        "VALUES ('F-huge', 'dataset', 'Huge', %s::jsonb, 1)", (json.dumps({"text": "bathypelagic " + many}),))
    sql("INSERT INTO artifacts (id, artifact_type, title, content, version_number) "
        "VALUES ('F-title', 'paper', %s, '{}'::jsonb, 1)", ("hadal " + "x" * 100_000,))
    # A later version written directly: the trigger demotes the first, the search follows.
    sql("INSERT INTO artifacts (id, artifact_type, title, content, version_number, parent_version_id) "
        "VALUES ('F-deep-v2', 'dataset', 'Deep, again', %s::jsonb, 2, 'F-deep')", (nested(3000, '"benthic"'),))

    assert await search(api, "abyssal") == []  # only in the demoted version
    assert await search(api, "benthic") == ["F-deep@v2"]
    assert await search(api, "F-deep") == ["F-deep@v2"]
    assert await search(api, "bathypelagic") == ["F-huge@v1"]
    assert await search(api, "w0000001x") == ["F-huge@v1"]
    assert await search(api, "hadal") == ["F-title@v1"]
    assert await search(api, "F-null") == ["F-null@v1", "F-json-null@v1"]  # the id itself first
    assert await search(api, "pelagic") == ["F-scalar@v1"]
    assert await search(api, "content") == ["F-json-null@v1"]
    listed = await api("GET", "api/artifacts", params={"q": "F", "limit": 500})
    assert listed.status == 200
    assert sorted(i["ref"] for i in json.loads(listed.text)["items"]) == [
        "F-deep@v2", "F-huge@v1", "F-json-null@v1", "F-null@v1", "F-scalar@v1", "F-title@v1"]
    # Rows another service edits in place (legacy rows are not immutable) and deletes.
    sql("UPDATE artifacts SET title = 'Renamed to hydrothermal' WHERE id = 'F-scalar'")
    assert await search(api, "pelagic") == []
    assert await search(api, "hydrothermal") == ["F-scalar@v1"]
    sql("UPDATE artifacts SET content = '{\"note\": \"chemosynthetic\"}'::jsonb WHERE id = 'F-json-null'")
    assert await search(api, "chemosynthetic") == ["F-json-null@v1"]
    sql("DELETE FROM artifacts WHERE id = 'F-title'")
    assert await search(api, "hadal") == []
    # The table agrees with what a full refresh computes.
    before = sql("SELECT id, artifact_id, artifact_type, created_at, head::text, doc::text "
                 "FROM jupyter_artifacts_search ORDER BY id")
    assert sql("SELECT jupyter_artifacts_search_refresh() AS n")[0]["n"] == 0
    assert sql("SELECT id, artifact_id, artifact_type, created_at, head::text, doc::text "
               "FROM jupyter_artifacts_search ORDER BY id") == before
    assert [r["id"] for r in before] == sorted(
        r["id"] for r in sql("SELECT id FROM artifacts WHERE is_latest"))


async def test_cells_other_services_write_are_searched(api, sql):
    await register(api, "NB-1", "Ours", "x = 1")
    sql("INSERT INTO notebooks (id, title) VALUES ('FN-1', 'Foreign notebook')")
    sql("INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code) VALUES "
        "('FN-1', 0, 'code', 'import opentrons'), ('FN-1', 1, 'code', NULL)")
    assert await search(api, "opentrons") == ["FN-1@v1"]
    big = "import numpy\n" + "y = 1\n" * 300_000
    sql("INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code) VALUES ('FN-1', 2, 'code', %s)",
        (big,))
    assert await search(api, "numpy") == ["FN-1@v1"]
    sql("UPDATE notebook_cells SET code = 'import pipettes' WHERE notebook_id = 'FN-1' AND cell_index = 0")
    assert await search(api, "opentrons") == []
    assert await search(api, "pipettes") == ["FN-1@v1"]
    sql("DELETE FROM notebook_cells WHERE notebook_id = 'FN-1' AND cell_index = 2")
    assert await search(api, "numpy") == []
    assert sql("SELECT jupyter_artifacts_search_refresh() AS n")[0]["n"] == 0  # the triggers kept up
    assert sql("SELECT count(*) AS n FROM jupyter_artifacts_search_cells")[0]["n"] == 3  # x = 1, and FN-1's two


async def test_adopted_database_is_searchable(legacy_database_url, api):
    assert await search(api, "aged mice") == ["hyp-7@v3"]
    assert await search(api, "TREM2") == ["hyp-7@v3", "paper-31@v1"]
    assert await search(api, "hyp-7") == ["hyp-7@v3"]
    assert await search(api, "sum") == ["nb-legacy-1@v2"]  # a legacy cell of its adopted notebook
    assert await search(api, "hello") == ["nb-orphan@v1"]


# -- GET /api/artifact-types ----------------------------------------------------------------

async def test_artifact_types_counts_latest_versions_most_common_first(api, sql):
    assert (await api("GET", "api/artifact-types")).json == {"types": []}
    for i in range(3):
        await create(api, f"H-{i}", "h")
    await create(api, "P-1", "p", artifact_type="paper")
    await create(api, "D-1", "d", artifact_type="dataset")
    await create(api, "D-2", "d", artifact_type="dataset")
    await register(api, "NB-1", "n", "x = 1")
    await append(api, "NB-1", "y = 2")
    for _ in range(2):
        assert (await api("POST", "api/artifacts/H-0/versions", {"title": "again"})).status == 201
    r = await api("GET", "api/artifact-types")
    assert r.status == 200, r
    assert r.json == {"types": [{"artifact_type": "hypothesis", "count": 3}, {"artifact_type": "dataset", "count": 2},
                                {"artifact_type": "notebook", "count": 1}, {"artifact_type": "paper", "count": 1}]}
    # Rows another service writes count too.
    sql("INSERT INTO artifacts (id, artifact_type, title, version_number) VALUES ('F-1', 'paper', 'f', 1)")
    types = {t["artifact_type"]: t["count"] for t in (await api("GET", "api/artifact-types")).json["types"]}
    assert types == {"hypothesis": 3, "dataset": 2, "notebook": 1, "paper": 2}


@pytest.mark.parametrize(("path", "params"), [("api/artifact-types", None), ("api/artifacts", {"q": "plaque"})])
async def test_search_routes_need_authentication(api, path, params):
    r = await api("GET", path, params=params, headers={"Authorization": ""})
    assert r.status == 401 and r.json["reason"] == "unauthorized"


async def test_the_limit_depth_is_searchable_through_the_api(api):
    deep = json.loads(nested(MAX_DEPTH - 1, '"trench"'))
    await create(api, "D-1", "At the limit", deep, artifact_type="dataset")
    assert await search(api, "trench") == ["D-1@v1"]
