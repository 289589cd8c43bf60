"""`step` on read routes (API.md's version object; issue 17's information scent): the
processing step that made each version, over a real server and PostgreSQL."""

from __future__ import annotations

import copy

from tests_helpers import notebook

CELL_APPEND = {"step_type": "cell_append", "method": "differential-expression"}


async def ok(api, method: str, path: str, body=None, params=None, status=(200, 201)) -> dict:
    r = await api(method, path, body, params=params)
    assert r.status in status, r
    return r.json


async def steps_everywhere(api, ref: str) -> list:
    """The version's `step` as every read route gives it: they must agree."""
    artifact_id, n = ref.split("@v")
    seen = [(await ok(api, "GET", f"api/artifacts/{ref}"))["step"],
            (await ok(api, "GET", f"api/artifacts/{artifact_id}/versions/{n}"))["step"]]
    versions = (await ok(api, "GET", f"api/artifacts/{artifact_id}/versions"))["versions"]
    seen += [v["step"] for v in versions if v["ref"] == ref]
    listed = (await ok(api, "GET", "api/artifacts", params={"limit": 500}))["items"]
    seen += [v["step"] for v in listed if v["ref"] == ref]
    searched = (await ok(api, "GET", "api/artifacts", params={"q": artifact_id, "limit": 500}))["items"]
    seen += [v["step"] for v in searched if v["ref"] == ref]
    return seen


async def test_each_way_of_making_a_version_names_its_step(api):
    nb = notebook("a = 1", "b = 2")
    await ok(api, "POST", "api/notebooks", {"id": "NB-1", "title": "Steps", "notebook": nb})
    await ok(api, "POST", "api/notebooks/NB-1/cells", {"source": "c = 3", "agent_id": "ed-lein",
                                                       "method": "differential-expression"})
    head = await ok(api, "GET", "api/artifacts/NB-1")
    edited = copy.deepcopy(head["content"])
    edited["cells"][0]["source"] = "a = 10"
    await ok(api, "POST", "api/notebooks/NB-1/versions", {"notebook": edited})            # NB-1@v3
    await ok(api, "POST", "api/artifacts/NB-1/fork", {"new_id": "NB-1-fork"})              # NB-1-fork@v1
    forked = await ok(api, "GET", "api/artifacts/NB-1-fork")
    changed = copy.deepcopy(forked["content"])
    changed["cells"][1]["source"] = "b = 20"
    await ok(api, "POST", "api/notebooks/NB-1-fork/versions", {"notebook": changed, "method": "tidy"})
    await ok(api, "POST", "api/notebooks/NB-1/merge", {"other": "NB-1-fork"})              # NB-1@v4
    await ok(api, "POST", "api/notebooks/NB-1/split", {"cells": [0], "new_id": "NB-1-split"})
    await ok(api, "POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "H"})
    await ok(api, "POST", "api/artifacts/H-1/versions", {"title": "H, revised", "method": "reword"})
    # A later link does not make a version 1 that was registered into a derived one.
    await ok(api, "POST", "api/artifact-links", {"source": "H-1@v1", "target": "NB-1@v1",
                                                 "link_type": "derives_from"})

    expected = {
        "NB-1@v1": None,                                                   # registered
        "NB-1@v2": CELL_APPEND,
        "NB-1@v3": {"step_type": "derive", "method": "manual-edit"},       # a commit
        "NB-1-fork@v1": {"step_type": "fork", "method": "fork"},
        "NB-1-fork@v2": {"step_type": "derive", "method": "tidy"},
        "NB-1@v4": {"step_type": "merge", "method": "nbdime-merge"},       # the first of its two steps
        "NB-1-split@v1": {"step_type": "split", "method": "split"},
        "H-1@v1": None,
        "H-1@v2": {"step_type": "derive", "method": "reword"},
    }
    LATEST = {"NB-1@v4", "NB-1-fork@v2", "NB-1-split@v1", "H-1@v2"}
    for ref, step in expected.items():
        seen = await steps_everywhere(api, ref)
        # The item, the version, the history; for a latest version also the list and the search.
        assert len(seen) == (5 if ref in LATEST else 3), (ref, seen)
        assert all(s == step for s in seen), (ref, seen)


async def test_write_replies_leave_step_out_and_reads_put_it_in(api):
    created = await ok(api, "POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "H"})
    assert "step" not in created and "match" not in created
    listed = (await ok(api, "GET", "api/artifacts"))["items"][0]
    assert listed["step"] is None and "match" not in listed  # no q: no match


async def test_steps_come_with_the_page_through_the_target_index(api, sql):
    """The steps of a page come in the query that lists it, one probe of the target index per row."""
    for i in range(3):
        await ok(api, "POST", "api/artifacts", {"id": f"H-{i}", "artifact_type": "hypothesis", "title": "H"})
        await ok(api, "POST", f"api/artifacts/H-{i}/versions", {"title": "again", "method": "m"})
    from jupyter_artifacts.db.artifacts import _FROM, _read

    sql("SET enable_seqscan = off")  # a tiny table would be scanned; the plan must be able to probe
    plan = "\n".join(r["QUERY PLAN"] for r in sql(
        f"EXPLAIN SELECT {_read(False)} FROM {_FROM} WHERE a.is_latest ORDER BY a.created_at DESC LIMIT 50"))
    assert "processing_steps_target_idx" in plan, plan
    items = (await ok(api, "GET", "api/artifacts"))["items"]
    assert [i["step"] for i in items] == [{"step_type": "derive", "method": "m"}] * 3
