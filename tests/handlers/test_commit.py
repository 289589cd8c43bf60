"""Commit of an edited notebook over a real server, PostgreSQL and nbdime (API.md, "Commit, fork,
merge, split")."""

from __future__ import annotations

import asyncio
import copy

import nbformat
from nbdime.diffing.notebooks import diff_notebooks as nbdime_diff

from tests_helpers import expected_hash, notebook, register

TABLES = ("artifacts", "notebook_cells", "artifact_links", "processing_steps", "chamber_artifacts",
          "notebook_snapshots", "notebooks")


def counts(sql) -> dict:
    return {t: sql(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in TABLES}


async def head(api, nb_id="NB-1") -> dict:
    r = await api("GET", f"api/artifacts/{nb_id}")
    assert r.status == 200, r
    return r.json


def edited(content: dict, index: int, source: str) -> dict:
    nb = copy.deepcopy(content)
    nb["cells"][index]["source"] = source
    return nb


async def test_commit_records_an_edit_as_the_next_version(api, sql):
    await register(api, nb=notebook("x = 1", "y = x + 1", "z = 3"))
    await api("POST", "api/notebooks/NB-1/cells", {"source": "w = 4"})
    v2 = await head(api)
    nb = edited(v2["content"], 1, "y = x + 10")
    r = await api("POST", "api/notebooks/NB-1/versions", {
        "notebook": nb, "parent_version": 2, "agent_id": "ed-lein", "rationale": "Fix the offset",
        "parameters": {"ticket": 7}})
    assert r.status == 201, r
    c = r.json
    assert (c["ref"], c["version_number"], c["parent_ref"], c["is_latest"]) == ("NB-1@v3", 3, "NB-1@v2", True)
    assert c["summary"] == {"added": [], "removed": [], "modified": [1], "unchanged_count": 3}
    assert "content" not in c
    v3 = await head(api)
    # The same cells, the same ids: the edited cell is the same cell, modified.
    assert [x["id"] for x in v3["content"]["cells"]] == [x["id"] for x in v2["content"]["cells"]]
    assert [x["source"] for x in v3["content"]["cells"]] == ["x = 1", "y = x + 10", "z = 3", "w = 4"]
    assert v3["content_hash"] == c["content_hash"] == expected_hash(v3)
    # v3 stores only the edited cell (owned by v3, after every earlier row of the notebook) and
    # lists the others where they are.
    owned = sql("SELECT cell_index, code FROM notebook_cells WHERE notebook_artifact_id = 'NB-1@v3'")
    assert owned == [{"cell_index": 4, "code": "y = x + 10"}]
    assert sql("SELECT version_number, notebook_id, cells FROM notebook_snapshots") == [
        {"version_number": 3, "notebook_id": "NB-1", "cells": [0, 4, 2, 3]}]
    assert sql("SELECT notebook_artifact_id FROM notebooks") == [{"notebook_artifact_id": "NB-1@v3"}]
    # Older versions still read as they were.
    assert (await head(api, "NB-1@v2"))["content"] == v2["content"]
    # The derives_from link and its derive step (one step for the link).
    link = sql("SELECT id, source_artifact_id, target_artifact_id, link_type FROM artifact_links "
               "WHERE source_artifact_id = 'NB-1@v3'")
    assert [(x["target_artifact_id"], x["link_type"]) for x in link] == [("NB-1@v2", "derives_from")]
    step = sql("SELECT * FROM processing_steps WHERE target_version_number = 3")
    assert len(step) == 1 and step[0]["link_id"] == link[0]["id"]
    s = step[0]
    assert (s["step_type"], s["method"], s["actor_type"], s["actor_id"]) == (
        "derive", "manual-edit", "agent", "ed-lein")
    assert s["parameters"] == {"ticket": 7, "rationale": "Fix the offset"}
    # The diff of the two versions is nbdime's.
    d = (await api("GET", "api/notebooks/NB-1/diff", params={"from": 2, "to": 3})).json
    assert d["diff"] == nbdime_diff(nbformat.from_dict(v2["content"]), nbformat.from_dict(v3["content"]))
    assert d["summary"] == c["summary"]


async def test_an_append_after_a_commit_builds_on_the_committed_cells(api, sql):
    await register(api, nb=notebook("alpha = 1", "beta = 2"))
    v1 = await head(api)
    nb = copy.deepcopy(v1["content"])
    del nb["cells"][0]
    r = await api("POST", "api/notebooks/NB-1/versions", {"notebook": nb})
    assert r.status == 201 and r.json["summary"]["removed"] == [0], r
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "gamma = 3", "parent_version": 2})
    assert r.status == 201, r
    assert r.json["cell_index"] == 1  # the position in v3, not the stored index
    v3 = await head(api)
    assert [x["source"] for x in v3["content"]["cells"]] == ["beta = 2", "gamma = 3"]
    assert v3["content_hash"] == r.json["content_hash"] == expected_hash(v3)
    info = (await api("GET", "api/notebooks/NB-1")).json
    assert info["cell_count"] == 2 and info["latest_version"] == 3
    # Other readers get each version's cells from the view, in order.
    rows = sql("SELECT version_number, position, code FROM jupyter_artifacts_version_cells ORDER BY 1, 2")
    assert [(x["version_number"], x["position"], x["code"]) for x in rows] == [
        (1, 0, "alpha = 1"), (1, 1, "beta = 2"), (2, 0, "beta = 2"), (3, 0, "beta = 2"), (3, 1, "gamma = 3")]
    # Search sees the latest cells only.
    found = (await api("GET", "api/artifacts", params={"q": "alpha"})).json["items"]
    assert found == []
    found = (await api("GET", "api/artifacts", params={"q": "gamma"})).json["items"]
    assert [i["artifact_id"] for i in found] == ["NB-1"]


async def test_an_unchanged_notebook_creates_nothing(api, sql):
    await register(api, nb=notebook("x = 1"))
    v1 = await head(api)
    before = counts(sql)
    for body in ({"notebook": v1["content"]}, {"notebook": v1["content"], "parent_version": 1}):
        r = await api("POST", "api/notebooks/NB-1/versions", body)
        assert r.status == 200, r
        assert r.json["ref"] == "NB-1@v1" and r.json["summary"]["unchanged_count"] == 1
    # Sent with the metadata the plugin keeps in it: still the same notebook.
    mine = copy.deepcopy(v1["content"])
    mine["metadata"]["jupyter_artifacts"] = {"artifact_id": "NB-1", "version_number": 1}
    assert (await api("POST", "api/notebooks/NB-1/versions", {"notebook": mine})).status == 200
    assert counts(sql) == before


async def test_stale_parent_is_checked_first(api, sql):
    await register(api, nb=notebook("x = 1"))
    await api("POST", "api/notebooks/NB-1/cells", {"source": "y = 2"})
    before = counts(sql)
    v1 = (await api("GET", "api/artifacts/NB-1@v1")).json["content"]
    for nb in (v1, edited(v1, 0, "x = 2"), {"nbformat": 4, "cells": "not a notebook"}):
        r = await api("POST", "api/notebooks/NB-1/versions", {"notebook": nb, "parent_version": 1})
        assert r.status == 409, r
        assert r.json["reason"] == "stale_parent"
        assert (r.json["current_version"], r.json["current_ref"]) == (2, "NB-1@v2")
    assert counts(sql) == before


async def test_commit_refuses_bad_input_and_stores_nothing(api, sql):
    await register(api, nb=notebook("x = 1"))
    await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})
    closed = sql("INSERT INTO chambers (name, purpose, closed_at) VALUES ('c', 'debate', now()) "
                 "RETURNING id::text AS id")[0]["id"]
    v1 = (await head(api))["content"]
    deep: dict = {}
    node = deep
    for _ in range(70):
        node["x"] = {}
        node = node["x"]
    before = counts(sql)
    cases = [
        ("NB-1", {"notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}},
         400, "invalid"),
        ("NB-1", {"notebook": {"cells": []}}, 400, "invalid"),
        ("NB-1", {"notebook": {**v1, "metadata": deep}}, 400, "invalid"),
        ("NB-1", {"notebook": v1, "path": "a.ipynb"}, 400, "invalid"),
        ("NB-1", {}, 400, "invalid"),
        ("NB-1", {"path": "missing.ipynb"}, 404, "not_found"),
        ("NB-1", {"path": "../x.ipynb"}, 400, "invalid"),
        ("NB-1@v1", {"notebook": v1}, 400, "invalid"),
        ("NB-404", {"notebook": v1}, 404, "not_found"),
        ("H-1", {"notebook": v1}, 404, "not_found"),
        ("NB-1", {"notebook": edited(v1, 0, "q"), "chamber_id": closed}, 409, "closed"),
        ("NB-1", {"notebook": edited(v1, 0, "q"), "chamber_id": "00000000-0000-4000-8000-000000000000"}, 404,
         "not_found"),
    ]
    for nb_id, body, status, reason in cases:
        r = await api("POST", f"api/notebooks/{nb_id}/versions", body)
        assert (r.status, r.json and r.json["reason"]) == (status, reason), (nb_id, list(body), r)
        assert r.json["message"].endswith(".")
    assert counts(sql) == before


async def test_commit_from_a_path_with_an_old_file_keeps_cell_identity(api, jp_root_dir, sql):
    old = notebook("import math", "r = 2", "area = math.pi * r ** 2", minor=4)
    (jp_root_dir / "circle.ipynb").write_text(nbformat.writes(nbformat.from_dict(old)))
    reg = (await api("POST", "api/notebooks", {"id": "NB-1", "path": "circle.ipynb"})).json
    assert reg["cell_count"] == 3
    # The same 4.4 file, edited in another editor: still no ids.
    old["cells"][1]["source"] = "r = 3"
    old["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# Circle"})
    (jp_root_dir / "circle.ipynb").write_text(nbformat.writes(nbformat.from_dict(old)))
    r = await api("POST", "api/notebooks/NB-1/versions", {"path": "circle.ipynb", "parent_version": 1})
    assert r.status == 201, r
    assert r.json["summary"] == {"added": [0], "removed": [], "modified": [2], "unchanged_count": 2}
    v1, v2 = (await api("GET", "api/artifacts/NB-1@v1")).json, await head(api)
    assert [c["id"] for c in v2["content"]["cells"][1:]] == [c["id"] for c in v1["content"]["cells"]]


async def test_idempotent_commits(api, sql):
    await register(api, nb=notebook("x = 1"))
    v1 = (await head(api))["content"]
    body = {"notebook": edited(v1, 0, "x = 2"), "idempotency_key": "k-1", "parent_version": 1}
    first = await api("POST", "api/notebooks/NB-1/versions", body)
    assert first.status == 201
    again = await api("POST", "api/notebooks/NB-1/versions", body)
    assert again.status == 201 and again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert sql("SELECT count(*) AS n FROM artifacts")[0]["n"] == 2
    other = await api("POST", "api/notebooks/NB-1/versions", {**body, "notebook": edited(v1, 0, "x = 3")})
    assert other.status == 422 and other.json["reason"] == "idempotency_mismatch"
    # A key of an append is not a commit's.
    await api("POST", "api/notebooks/NB-1/cells", {"source": "y", "idempotency_key": "k-2"})
    r = await api("POST", "api/notebooks/NB-1/versions", {"notebook": v1, "idempotency_key": "k-2"})
    assert r.status == 422 and r.json["reason"] == "idempotency_mismatch"
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "z", "idempotency_key": "k-1"})
    assert r.status == 422 and r.json["reason"] == "idempotency_mismatch"
    assert sql("SELECT count(*) AS n FROM artifacts")[0]["n"] == 3


async def test_the_artifacts_route_commits_a_notebook(api, sql):
    await register(api, nb=notebook("x = 1"))
    v1 = (await head(api))["content"]
    r = await api("POST", "api/artifacts/NB-1/versions", {
        "content": edited(v1, 0, "x = 2"), "title": "Renamed", "changelog": "a fix", "parent_version": 1,
        "method": "typo-fix"})
    assert r.status == 201, r
    assert r.json["title"] == "Renamed" and r.json["content"]["cells"][0]["source"] == "x = 2"
    assert r.json["content_hash"] == expected_hash(r.json) and r.json["changelog"] == "a fix"
    step = sql("SELECT step_type, method FROM processing_steps")
    assert step == [{"step_type": "derive", "method": "typo-fix"}]
    r = await api("POST", "api/artifacts/NB-1/versions", {"content": r.json["content"], "title": "Renamed"})
    assert r.status == 200 and r.json["ref"] == "NB-1@v2"
    r = await api("POST", "api/artifacts/NB-1/versions", {"content": "not a notebook"})
    assert r.status == 400 and r.json["reason"] == "invalid"


async def test_concurrent_commits_and_appends_all_land_without_gaps(api, sql):
    await register(api, nb=notebook("x = 0"))
    v1 = (await head(api))["content"]
    calls = []
    for i in range(6):
        calls.append(api("POST", "api/notebooks/NB-1/versions", {"notebook": edited(v1, 0, f"x = {i + 1}")}))
        calls.append(api("POST", "api/notebooks/NB-1/cells", {"source": f"y{i} = {i}"}))
    calls.append(api("POST", "api/notebooks/NB-1/versions", {"notebook": edited(v1, 0, "late"), "parent_version": 1}))
    replies = await asyncio.gather(*calls)
    assert sorted(r.status for r in replies[:-1]) == [201] * 12
    assert replies[-1].status == 409 and replies[-1].json["reason"] == "stale_parent"
    rows = sql("SELECT version_number, is_latest FROM artifacts ORDER BY version_number")
    assert [r["version_number"] for r in rows] == list(range(1, 14))
    assert [r["version_number"] for r in rows if r["is_latest"]] == [13]
    for n in range(1, 14):  # every version reads back with the hash it was given
        v = (await api("GET", f"api/artifacts/NB-1@v{n}")).json
        assert v["content_hash"] == expected_hash(v), n


async def test_snapshots_store_only_what_changed_and_keep_every_version_readable(api, sql):
    """Cells moved, removed (the highest stored one too) and re-added: each version reads back as
    committed, appends after a snapshot land after every stored row, and nothing is stored twice."""
    await register(api, nb=notebook("a = 1", "b = 2", "c = 3"))
    await api("POST", "api/notebooks/NB-1/cells", {"source": "d = 4"})            # v2: d stored at 3
    v2 = (await head(api))["content"]
    moved = copy.deepcopy(v2)
    moved["cells"] = [moved["cells"][i] for i in (3, 0, 1)]                     # v3: d first, c gone
    assert (await api("POST", "api/notebooks/NB-1/versions", {"notebook": moved})).status == 201
    assert sql("SELECT count(*) AS n FROM notebook_cells WHERE notebook_artifact_id = 'NB-1@v3'")[0]["n"] == 0
    assert sql("SELECT cells FROM notebook_snapshots")[0]["cells"] == [3, 0, 1]
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "e = 5"})       # v4: after row 3, not at 2
    assert r.status == 201 and r.json["cell_index"] == 3, r
    trimmed = copy.deepcopy((await head(api))["content"])
    trimmed["cells"] = trimmed["cells"][:2] + [edited(v2, 2, "c = 30")["cells"][2]]  # v5: e gone, c back, edited
    assert (await api("POST", "api/notebooks/NB-1/versions", {"notebook": trimmed})).status == 201
    assert (await api("POST", "api/notebooks/NB-1/cells", {"source": "f = 6"})).status == 201  # v6
    want = {1: ["a = 1", "b = 2", "c = 3"], 2: ["a = 1", "b = 2", "c = 3", "d = 4"], 3: ["d = 4", "a = 1", "b = 2"],
            4: ["d = 4", "a = 1", "b = 2", "e = 5"], 5: ["d = 4", "a = 1", "c = 30"],
            6: ["d = 4", "a = 1", "c = 30", "f = 6"]}
    for n, sources in want.items():
        v = (await api("GET", f"api/artifacts/NB-1@v{n}")).json
        assert [c["source"] for c in v["content"]["cells"]] == sources, n
        assert v["content_hash"] == expected_hash(v), n
        rows = sql("SELECT code FROM jupyter_artifacts_version_cells WHERE version_number = %s ORDER BY position", (n,))
        assert [r["code"] for r in rows] == sources, n
    # One row per cell ever written: 3 registered, 3 appended, 1 edited.
    assert sql("SELECT count(*) AS n FROM notebook_cells")[0]["n"] == 7
    d = (await api("GET", "api/notebooks/NB-1/diff", params={"from": 2, "to": 5})).json
    v2c = (await api("GET", "api/artifacts/NB-1@v2")).json["content"]
    v5c = (await api("GET", "api/artifacts/NB-1@v5")).json["content"]
    assert d["diff"] == nbdime_diff(nbformat.from_dict(v2c), nbformat.from_dict(v5c))
    # Search knows the latest cells only.
    assert [i["artifact_id"] for i in (await api("GET", "api/artifacts", params={"q": "f"})).json["items"]] == ["NB-1"]


async def test_an_append_with_the_editors_cell_id_commits_as_the_same_cell(api, sql):
    """The plugin sends the id the open notebook gave the cell: the working copy and the version
    then agree, and a commit of the working copy changes nothing."""
    await register(api, nb=notebook("x = 1"))
    v1 = (await head(api))["content"]
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "y = 2", "cell_id": "jl-7f3a"})
    assert r.status == 201 and r.json["cell_id"] == "jl-7f3a", r
    working = copy.deepcopy(v1)
    working["cells"].append({"id": "jl-7f3a", "cell_type": "code", "metadata": {}, "source": "y = 2",
                             "outputs": [], "execution_count": None})
    assert (await api("POST", "api/notebooks/NB-1/versions", {"notebook": working})).status == 200
    before = counts(sql)
    for body in ({"source": "z", "cell_id": "jl-7f3a"}, {"source": "z", "cell_id": v1["cells"][0]["id"]},
                 {"source": "z", "cell_id": "bad id!"}):
        r = await api("POST", "api/notebooks/NB-1/cells", body)
        assert r.status in (400, 409) and r.json["message"], (body, r)
    assert counts(sql) == before
