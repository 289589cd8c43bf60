"""Three-way merges with nbdime over a real server and PostgreSQL (API.md, "Commit, fork, merge,
split"): the result is nbdime's own `merge_notebooks`, conflicts are a 409 that stores nothing."""

from __future__ import annotations

import asyncio
import json
import copy

import nbformat
from nbdime.merging.notebooks import decide_notebook_merge, merge_notebooks

from tests_helpers import expected_hash, notebook, register

TABLES = ("artifacts", "notebook_cells", "artifact_links", "processing_steps", "notebook_snapshots")


def counts(sql) -> dict:
    return {t: sql(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in TABLES}


async def content(api, ref: str) -> dict:
    r = await api("GET", f"api/artifacts/{ref}")
    assert r.status == 200, r
    return r.json["content"]


async def commit_edit(api, nb_id: str, index: int, source: str) -> dict:
    nb = copy.deepcopy(await content(api, nb_id))
    nb["cells"][index]["source"] = source
    r = await api("POST", f"api/notebooks/{nb_id}/versions", {"notebook": nb})
    assert r.status == 201, r
    return r.json


def nbdime_merge(base: dict, local: dict, remote: dict) -> dict:
    merged, _ = merge_notebooks(*(nbformat.from_dict(copy.deepcopy(x)) for x in (base, local, remote)))
    return merged


async def fork(api, ref="NB-1", new_id="NB-1-fork") -> dict:
    r = await api("POST", f"api/artifacts/{ref}/fork", {"new_id": new_id, "agent_id": "bob"})
    assert r.status == 201, r
    return r.json


async def test_a_fork_and_its_merge_back(api, sql):
    await register(api, nb=notebook("a = 1", "b = 2", "c = 3"))
    await fork(api)
    await commit_edit(api, "NB-1", 0, "a = 10")          # NB-1@v2 (local)
    await commit_edit(api, "NB-1-fork", 2, "c = 30")     # NB-1-fork@v2 (remote)
    base, local, remote = [await content(api, r) for r in ("NB-1@v1", "NB-1@v2", "NB-1-fork@v2")]
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork", "parent_version": 2,
                                                        "agent_id": "ed-lein", "rationale": "bring c back"})
    assert r.status == 201, r
    m = r.json
    assert (m["ref"], m["parent_ref"]) == ("NB-1@v3", "NB-1@v2")
    assert m["summary"] == {"added": [], "removed": [], "modified": [2], "unchanged_count": 2}
    merged = await content(api, "NB-1@v3")
    assert merged == nbdime_merge(base, local, remote)
    assert [c["source"] for c in merged["cells"]] == ["a = 10", "b = 2", "c = 30"]
    v3 = (await api("GET", "api/artifacts/NB-1@v3")).json
    assert v3["content_hash"] == expected_hash(v3)
    # Exactly two merge steps into the new version: from the head and from the other version.
    steps = sql("SELECT source_artifact_id AS a, source_version_number AS v, step_type, method, parameters, actor_id "
                "FROM processing_steps WHERE target_artifact_id = 'NB-1' AND target_version_number = 3 ORDER BY 1")
    assert [(s["a"], s["v"], s["step_type"], s["method"]) for s in steps] == [
        ("NB-1", 2, "merge", "nbdime-merge"), ("NB-1-fork", 2, "merge", "nbdime-merge")]
    assert steps[0]["parameters"] == {"base": "NB-1@v1", "local": "NB-1@v2", "remote": "NB-1-fork@v2",
                                      "conflicts": 0, "rationale": "bring c back"}
    # The lineage shows both parents of the merge.
    lineage = (await api("GET", "api/artifacts/NB-1@v3/lineage", params={"direction": "ancestors"})).json
    into = sorted((e["source"], e["step_type"]) for e in lineage["edges"] if e["target"] == "NB-1@v3")
    assert into == [("NB-1-fork@v2", "merge"), ("NB-1@v2", "merge")]
    # Merging the same version again changes nothing: it is already in the head.
    before = counts(sql)
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork@v2"})
    assert r.status == 200 and r.json["ref"] == "NB-1@v3"
    assert counts(sql) == before
    # The fork goes on; the next merge's base is the version merged last time.
    await commit_edit(api, "NB-1-fork", 1, "b = 20")     # NB-1-fork@v3
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork"})
    assert r.status == 201, r
    assert [c["source"] for c in (await content(api, "NB-1"))["cells"]] == ["a = 10", "b = 20", "c = 30"]
    params = sql("SELECT parameters FROM processing_steps WHERE target_version_number = 4 AND step_type = 'merge'")
    assert params[0]["parameters"]["base"] == "NB-1-fork@v2"


async def test_a_merge_within_one_notebook(api, sql):
    """Merging an older version of the notebook itself: its ancestor is on the same chain."""
    await register(api, nb=notebook("a = 1", "b = 2"))
    await commit_edit(api, "NB-1", 0, "a = 10")
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1@v1"})
    assert r.status == 200 and r.json["ref"] == "NB-1@v2"  # v1 is an ancestor: nothing to merge
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1"})
    assert r.status == 200 and r.json["ref"] == "NB-1@v2"


async def test_conflicts_are_a_409_with_what_resolving_needs(api, sql):
    await register(api, nb=notebook("a = 1", "b = 2"))
    await fork(api)
    await commit_edit(api, "NB-1", 1, "b = 'mine'")
    await commit_edit(api, "NB-1-fork", 1, "b = 'theirs'")
    base, local, remote = [await content(api, r) for r in ("NB-1@v1", "NB-1@v2", "NB-1-fork@v2")]
    before = counts(sql)
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork"})
    assert r.status == 409, r
    c = r.json
    assert c["reason"] == "merge_conflict" and "1 place" in c["message"]
    assert (c["base_ref"], c["local_ref"], c["remote_ref"], c["conflicts"]) == (
        "NB-1@v1", "NB-1@v2", "NB-1-fork@v2", 1)
    assert (c["base"], c["local"], c["remote"]) == (base, local, remote)
    expected = decide_notebook_merge(*(nbformat.from_dict(copy.deepcopy(x)) for x in (base, local, remote)))
    assert c["merge_decisions"] == json.loads(json.dumps(expected))
    assert any(d["conflict"] for d in c["merge_decisions"])
    assert counts(sql) == before
    # The resolution: stored as sent, conditional on the head it was made for.
    resolved = copy.deepcopy(local)
    resolved["cells"][1]["source"] = "b = 'both'"
    bad = [({"other": "NB-1-fork", "resolved": {"cells": []}}, 400, "invalid"),
           ({"other": "NB-1-fork", "resolved": resolved, "parent_version": 1}, 409, "stale_parent"),
           ({"other": "NB-404", "resolved": resolved}, 404, "not_found"),
           ({"other": "NB-1-fork@v9", "resolved": resolved}, 404, "not_found"),
           ({"other": "NB-1-fork", "base": "NB-1@v7"}, 404, "not_found")]
    for body, status, reason in bad:
        r = await api("POST", "api/notebooks/NB-1/merge", body)
        assert (r.status, r.json["reason"]) == (status, reason), (body, r)
    assert counts(sql) == before
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork", "resolved": resolved,
                                                        "parent_version": 2, "rationale": "kept both"})
    assert r.status == 201, r
    assert await content(api, "NB-1@v3") == resolved
    steps = sql("SELECT step_type, parameters FROM processing_steps WHERE target_version_number = 3 "
                "AND target_artifact_id = 'NB-1'")
    assert len(steps) == 2 and {s["step_type"] for s in steps} == {"merge"}
    assert steps[0]["parameters"]["conflicts"] == 1


async def test_no_common_ancestor(api, sql):
    await register(api, nb=notebook("a = 1"))
    await register(api, "NB-2", nb=notebook("z = 1"))
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-2"})
    assert r.status == 409 and r.json["reason"] == "no_common_ancestor", r
    # Named explicitly, any version can be the base.
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-2", "base": "NB-1@v1"})
    assert r.status == 201, r
    await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "H-1"})
    assert r.status == 404 and r.json["reason"] == "not_found"


async def test_a_merge_racing_appends_is_based_on_the_head_it_wrote_on(api, sql):
    await register(api, nb=notebook("a = 1", "b = 2"))
    await fork(api)
    await commit_edit(api, "NB-1-fork", 0, "a = 100")
    appends = [api("POST", "api/notebooks/NB-1/cells", {"source": f"x{i} = {i}"}) for i in range(5)]
    replies = await asyncio.gather(api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork"}), *appends)
    assert all(r.status == 201 for r in replies[1:])
    merge = replies[0]
    if merge.status == 409:
        return  # refused: the head kept moving (allowed by the contract)
    assert merge.status == 201, merge
    n = merge.json["version_number"]
    merged, parent = await content(api, f"NB-1@v{n}"), await content(api, f"NB-1@v{n - 1}")
    # Based on the head it was written on: every cell of that head is in it.
    assert [c["id"] for c in parent["cells"]] == [c["id"] for c in merged["cells"]][: len(parent["cells"])]
    assert merged["cells"][0]["source"] == "a = 100"
    rows = sql("SELECT version_number FROM artifacts WHERE artifact_id = 'NB-1' ORDER BY 1")
    assert [r["version_number"] for r in rows] == list(range(1, 8))


async def test_merge_preview_of_an_edited_copy(api, sql):
    """The plugin's `stale_parent` path: a working copy made from v1, while the head moved to v2."""
    await register(api, nb=notebook("a = 1", "b = 2"))
    v1 = await content(api, "NB-1")
    await api("POST", "api/notebooks/NB-1/cells", {"source": "c = 3"})
    copy_ = copy.deepcopy(v1)
    copy_["cells"][0]["source"] = "a = 'edited'"
    before = counts(sql)
    r = await api("POST", "api/notebooks/NB-1/merge-preview", {"notebook": copy_, "base": "NB-1@v1"})
    assert r.status == 200, r
    p = r.json
    assert (p["base_ref"], p["local_ref"], p["remote_ref"], p["conflicts"]) == ("NB-1@v1", "NB-1@v2", None, 0)
    assert [c["source"] for c in p["merged"]["cells"]] == ["a = 'edited'", "b = 2", "c = 3"]
    assert counts(sql) == before
    r = await api("POST", "api/notebooks/NB-1/merge-preview", {"notebook": copy_})
    assert r.status == 400


async def test_outputs_added_on_both_sides_conflict_instead_of_failing(api, sql):
    """nbdime's default strategy raises on this one (notebooks/merge.py): still a clean 409."""
    ran = notebook("print(1)")
    ran["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    await register(api, nb=ran)
    await fork(api)
    for nb_id, text in (("NB-1", "mine\n"), ("NB-1-fork", "theirs\n")):
        nb = copy.deepcopy(await content(api, nb_id))
        nb["cells"][0]["outputs"].append({"output_type": "stream", "name": "stdout", "text": text})
        assert (await api("POST", f"api/notebooks/{nb_id}/versions", {"notebook": nb})).status == 201
    before = counts(sql)
    r = await api("POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork"})
    assert r.status == 409 and r.json["reason"] == "merge_conflict", r
    assert r.json["merge_decisions"][0]["common_path"] == ["cells", 0, "outputs"]
    assert counts(sql) == before
