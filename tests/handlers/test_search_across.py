"""Search across the artifact and each item's `match` (API.md, `GET /api/artifacts?q=`; issue
17): every word somewhere in the id, title, content or a cell of the latest version, and a
snippet of the best field with the matched words' code-point ranges, over a real server."""

from __future__ import annotations

import pytest

from jupyter_artifacts.db import search as search_store


@pytest.fixture(autouse=True, params=["few", "window", "walk", "index"])
def tier_reading(request, monkeypatch):
    """As test_search.py: a rare query's reading, a small database's window, a large one's
    (a tiny window, then the walk on from it finds the rest, or a short walk and GIN)."""
    if request.param != "few":
        monkeypatch.setattr(search_store, "FEW", 0)
    if request.param in ("walk", "index"):
        monkeypatch.setattr(search_store, "SEARCH_WINDOW", {4: 1, 3: 2, 2: 2, 1: 1, 0: 1})
    if request.param == "index":
        monkeypatch.setattr(search_store, "WALK", {4: 1, 2: 2, 1: 1})
    return request.param


def notebook(*sources: str, markdown: tuple[int, ...] = ()) -> dict:
    cells = []
    for i, s in enumerate(sources):
        if i in markdown:
            cells.append({"cell_type": "markdown", "source": s, "metadata": {}})
        else:
            cells.append({"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None})
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


async def register(api, nb_id: str, title: str, *sources: str) -> None:
    r = await api("POST", "api/notebooks", {"id": nb_id, "title": title, "notebook": notebook(*sources)})
    assert r.status == 201, r


async def create(api, artifact_id: str, title: str, content=None, artifact_type: str = "hypothesis") -> None:
    body = {"id": artifact_id, "artifact_type": artifact_type, "title": title}
    if content is not None:
        body["content"] = content
    r = await api("POST", "api/artifacts", body)
    assert r.status == 201, r


async def found(api, q: str, **params) -> list[dict]:
    r = await api("GET", "api/artifacts", params={"q": q, "limit": 500, **params})
    assert r.status == 200, (q, r)
    return r.json["items"]


async def refs(api, q: str, **params) -> list[str]:
    return [i["ref"] for i in await found(api, q, **params)]


def marked(match: dict) -> list[str]:
    """The stretches of the snippet that `ranges` mark."""
    s = match["snippet"]
    for start, end in match["ranges"]:
        assert 0 <= start < end <= len(s), match
    return [s[a:b] for a, b in match["ranges"]]


async def test_words_in_different_fields_find_the_artifact(api):
    await register(api, "NB-12", "Microglia states in aged cortex",
                   "import scanpy as sc", "de = run_de(adata, genes=['TREM2', 'APOE'])")
    await create(api, "H-1", "A hypothesis", {"statement": "Plaque-associated microglia lose homeostasis"})
    await register(api, "NB-2", "Homeostasis notebook", "x = plaque_counts(adata)")
    await register(api, "atlas-NB-7", "Atlas", "import leidenalg")
    await create(api, "H-2", "Unrelated", {"statement": "Nothing to see"})

    # Title + cell: the reported failure ("microglia" in NB-12's title, "TREM2" in a cell only).
    assert await refs(api, "microglia TREM2") == ["NB-12@v1"]
    assert await refs(api, "TREM2 microglia") == ["NB-12@v1"]
    # Content + cell, id fragment + cell, id + title + cell.
    assert await refs(api, "homeostasis plaque") == ["H-1@v1", "NB-2@v1"]
    assert await refs(api, "counts homeostasis") == ["NB-2@v1"]  # a cell word and a title word
    assert await refs(api, "NB-12 APOE") == ["NB-12@v1"]
    assert await refs(api, "tlas leidenalg") == ["atlas-NB-7@v1"]  # a fragment of the id + a cell
    assert await refs(api, "B-12 scanpy") == ["NB-12@v1"]  # a fragment of the id across its `-` (migration 0016)
    assert await refs(api, "B-13 scanpy") == []
    assert await refs(api, "icrog run_de") == ["NB-12@v1"]       # a fragment of a title word + a cell
    # A word in no field at all: nothing, however well the others match.
    assert await refs(api, "microglia TREM2 zebrafish") == []
    assert await refs(api, "homeostasis nowhere") == []


async def test_fragments_of_three_or_more_characters_of_ids_and_titles(api):
    await create(api, "hypothesis-H-89", "Microglial phagocytosis")
    await create(api, "P-1", "Other", {"text": "microglial cells in content"})
    assert await refs(api, "glial") == ["hypothesis-H-89@v1"]   # inside a title word, not in content
    assert await refs(api, "pothesis") == ["hypothesis-H-89@v1"]  # inside an id word
    assert await refs(api, "cytosis") == ["hypothesis-H-89@v1"]
    assert await refs(api, "gl") == []                            # two characters: whole words only
    assert await refs(api, "ells") == []                          # content words are not cut
    assert await refs(api, "cells") == ["P-1@v1"]


async def test_cells_are_tokenised_as_code(api):
    await register(api, "NB-1", "Plots", "fig, ax = plt.subplots(2, 2)\nax[0].imshow(img)",
                   "df = df[~df.mask]\nsc.tl.leiden(adata,resolution=0.5)")
    for q in ("subplots", "plt.subplots", "imshow", "mask", "leiden", "resolution", "sc.tl.leiden", "img"):
        assert await refs(api, q) == ["NB-1@v1"], q


async def test_match_names_the_best_field_with_a_snippet_and_ranges(api):
    await register(api, "NB-12", "Microglia states", "import scanpy as sc",
                   "# differential expression\nde = run_de(adata, contrast='TREM2 vs control')\nde.head()")
    await create(api, "H-7", "A hypothesis", {"statement": "Loss of TREM2 impairs microglial phagocytosis",
                                                "notes": ["first", "second"]})
    await create(api, "term-TREM2", "Something else", artifact_type="term")

    # The row shows the title already: the snippet explains the word the title lacks.
    [nb] = await found(api, "microglia TREM2", type="notebook")
    assert nb["match"]["field"] == "cell" and nb["match"]["cell_index"] == 1
    assert marked(nb["match"]) == ["TREM2"]
    # Every word in the title: the title.
    [nb] = await found(api, "microglia states", type="notebook")
    assert nb["match"] == {"field": "title", "snippet": "Microglia states", "ranges": [[0, 9], [10, 16]]}

    items = {i["ref"]: i["match"] for i in await found(api, "TREM2")}
    assert set(items) == {"NB-12@v1", "H-7@v1", "term-TREM2@v1"}
    cell = items["NB-12@v1"]
    assert cell["field"] == "cell" and cell["cell_index"] == 1
    assert "run_de(adata, contrast='TREM2 vs control')" in cell["snippet"]  # the source as stored
    assert marked(cell) == ["TREM2"]
    content = items["H-7@v1"]
    assert content["field"] == "content" and "cell_index" not in content
    assert marked(content) == ["TREM2"] and "Loss of TREM2 impairs" in content["snippet"]
    ident = items["term-TREM2@v1"]
    assert ident == {"field": "id", "snippet": "term-TREM2", "ranges": [[5, 10]]}

    # A cell that holds more of the words wins over content holding fewer; prefixes are marked whole.
    [hit] = await found(api, "differ contr", type="notebook")
    assert hit["match"]["field"] == "cell" and hit["match"]["cell_index"] == 1
    assert marked(hit["match"]) == ["differential", "contrast", "control"]
    # Fragments are marked inside their words.
    [frag] = await found(api, "croglia")
    assert frag["match"]["field"] == "title" and marked(frag["match"]) == ["croglia"]


async def test_cell_index_is_the_place_in_the_latest_version(api):
    await register(api, "NB-1", "Cells", "zanzibar = 1", "b = 2", "c = 3")
    assert await refs(api, "zanzibar") == ["NB-1@v1"]
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "import leidenalg"})
    assert r.status == 201, r
    [hit] = await found(api, "leidenalg")
    assert hit["match"]["cell_index"] == 3
    # A commit that removes the first cell moves it to index 2 (a snapshot stores it elsewhere).
    head = (await api("GET", "api/artifacts/NB-1")).json
    nb = head["content"]
    nb["cells"] = nb["cells"][1:]
    r = await api("POST", "api/notebooks/NB-1/versions", {"notebook": nb})
    assert r.status == 201, r
    [hit] = await found(api, "leidenalg")
    assert hit["ref"] == "NB-1@v3" and hit["match"] == {
        "field": "cell", "cell_index": 2, "snippet": "import leidenalg", "ranges": [[7, 16]]}
    # The removed cell's words left the search with it.
    assert await refs(api, "zanzibar") == []
    # A cell appended after the commit comes after the commit's list.
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "import umapextra"})
    assert r.status == 201, r
    [hit] = await found(api, "umapextra")
    assert hit["ref"] == "NB-1@v4" and hit["match"]["cell_index"] == 3
    [hit] = await found(api, "leidenalg")
    assert hit["match"]["cell_index"] == 2


HOSTILE_TITLE = "<img src=x onerror=alert(1)> <b>APOE</b> &amp; \x02fake\x03 marker"


async def test_hostile_text_comes_back_verbatim_as_text(api):
    await create(api, "H-x", HOSTILE_TITLE)
    await create(api, "H-y", "Plain", {"statement": "<script>alert('APOE')</script> & more \x02APOE\x03"})
    await register(api, "NB-h", "Hostile cell", "html = '<div onclick=\"x()\">APOE</div>'")
    items = {i["ref"]: i["match"] for i in await found(api, "APOE")}
    title = items["H-x@v1"]
    assert title["field"] == "title" and title["snippet"] == HOSTILE_TITLE.strip()
    assert marked(title) == ["APOE"]
    content = items["H-y@v1"]
    assert content["field"] == "content"
    assert content["snippet"] == "<script>alert('APOE')</script> & more \x02APOE\x03"
    assert marked(content) == ["APOE", "APOE"]
    cell = items["NB-h@v1"]
    assert cell["snippet"] == "html = '<div onclick=\"x()\">APOE</div>'" and marked(cell) == ["APOE"]
    # The markers a user typed are text too, never taken for ours.
    [fake] = await found(api, "fake")
    assert fake["match"]["snippet"] == HOSTILE_TITLE.strip() and marked(fake["match"]) == ["fake"]


async def test_long_text_gives_a_short_snippet_around_the_match(api):
    text = ("<p>" + " ".join(["filler"] * 3000) + " the <b>xenotropic</b> virus \x02 "
            + " ".join(["tail"] * 3000) + "</p>")
    await create(api, "P-1", "Paper", {"text": text}, artifact_type="paper")
    [hit] = await found(api, "xenotropic")
    m = hit["match"]
    assert m["field"] == "content" and len(m["snippet"]) <= 240 and marked(m) == ["xenotropic"]
    assert "the <b>xenotropic</b> virus \x02 tail" in m["snippet"]  # verbatim, markup and all


async def test_literal_queries_and_pages_carry_matches(api):
    await create(api, "Q-1", "100%_literal")
    [hit] = await found(api, "%_")
    assert hit["match"] == {"field": "title", "snippet": "100%_literal", "ranges": [[3, 5]]}
    for i in range(5):
        await create(api, f"T-{i}", f"Astrocyte study {i}")
    r = await api("GET", "api/artifacts", params={"q": "astrocyte", "limit": 2})
    page2 = await api("GET", "api/artifacts", params={"q": "astrocyte", "limit": 2, "cursor": r.json["next_cursor"]})
    for item in r.json["items"] + page2.json["items"]:
        assert marked(item["match"]) == ["Astrocyte"] and item["step"] is None
    plain = await api("GET", "api/artifacts")
    assert all("match" not in i for i in plain.json["items"])


async def test_cells_with_more_words_than_a_vector_holds_never_fail_a_write(api, sql):
    """tsvector holds at most 1 MB of words: a notebook whose cells hold more keeps its first
    cells' words searchable, and every write succeeds (registration, append, refresh)."""
    cells = [" ".join(f"w{c:02d}x{i:06d}" for i in range(9000)) for c in range(14)]  # ~1.4 MB of distinct words
    cells[0] = "firstcellword " + cells[0]
    await register(api, "NB-big", "Big", *cells)
    r = await api("POST", "api/notebooks/NB-big/cells", {"source": "appendedword = 1"})
    assert r.status == 201, r
    assert await refs(api, "firstcellword") == ["NB-big@v2"]
    assert await refs(api, "big firstcellword") == ["NB-big@v2"]  # title and cell
    assert sql("SELECT jupyter_artifacts_search_refresh() AS n")[0]["n"] == 0  # the triggers kept up
