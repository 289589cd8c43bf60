"""Chambers: pins of exact versions, all or nothing, immutable once closed (API.md, "Chambers")."""

from __future__ import annotations

import asyncio
import hashlib
import json

import psycopg
import pytest


async def make(api, artifact_id, kind="paper", versions=1):
    assert (await api("POST", "api/artifacts", {"id": artifact_id, "artifact_type": kind, "title": artifact_id,
                                                "content": {"k": artifact_id}})).status == 201
    for _ in range(versions - 1):
        await api("POST", f"api/artifacts/{artifact_id}/versions", {"content": {"k": "again"}})


async def chamber(api, **body):
    r = await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design", **body})
    assert r.status == 201, r
    return r.json


async def test_create_pull_get_close(api, sql):
    await make(api, "P", versions=2)
    await make(api, "Q")
    c = await chamber(api, owner_actor_type="agent", owner_actor_id="planner")
    assert c["artifacts"] == [] and c["closed_at"] is None and c["owner_actor_id"] == "planner"
    r = await api("POST", f"api/chambers/{c['id']}/pull", [
        {"artifact_id": "P"}, {"artifact_id": "P@v1", "role": "input"}, {"artifact_id": "Q", "version_number": 1,
                                                                        "role": "workbench"}])
    assert r.status == 200, r
    pins = {p["ref"]: p for p in r.json["artifacts"]}
    assert set(pins) == {"P@v1", "P@v2", "Q@v1"}
    assert pins["P@v2"]["role"] == "reference" and pins["P@v1"]["role"] == "input"
    assert pins["Q@v1"]["artifact_type"] == "paper" and pins["Q@v1"]["title"] == "Q"
    assert pins["P@v2"]["content_hash"] == (await api("GET", "api/artifacts/P@v2")).json["content_hash"]
    # Pulling a pinned version again changes nothing, its first role stays.
    again = await api("POST", f"api/chambers/{c['id']}/pull", [{"artifact_id": "P@v1", "role": "workbench"}])
    assert {p["ref"]: p["role"] for p in again.json["artifacts"]}["P@v1"] == "input"
    assert (await api("GET", f"api/chambers/{c['id']}")).json == again.json
    closed = await api("POST", f"api/chambers/{c['id']}/close", {"result": {
        "artifact_type": "analysis", "title": "Outcome", "content": {"answer": 42}}})
    assert closed.status == 200, closed
    body = closed.json
    result = body["result_artifact_id"]
    assert result and {p["ref"]: p["role"] for p in body["artifacts"]}[f"{result}@v1"] == "workbench"
    entries = sorted(({k: p[k] for k in ("artifact_id", "version_number", "content_hash", "role")}
                      for p in body["artifacts"]), key=lambda e: (e["artifact_id"], e["version_number"]))
    text = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert body["provenance_hash"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert body["closed_at"]
    # Closed means closed: over REST and in the database itself.
    assert (await api("POST", f"api/chambers/{c['id']}/close", {})).json["reason"] == "closed"
    r = await api("POST", f"api/chambers/{c['id']}/pull", [{"artifact_id": "Q"}])
    assert (r.status, r.json["reason"]) == (409, "closed")
    for statement in ("DELETE FROM chamber_artifacts", "UPDATE chamber_artifacts SET role = 'input'",
                      "UPDATE chambers SET name = 'x'",
                      f"INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, role) "
                      f"VALUES ('{c['id']}', 'Q', 1, 'input') ON CONFLICT DO NOTHING"):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation):
            sql(statement)


async def test_pull_is_all_or_nothing_and_errors(api, sql):
    await make(api, "P")
    c = await chamber(api)
    cases = [
        ([{"artifact_id": "P"}, {"artifact_id": "missing"}], 404),
        ([{"artifact_id": "P"}, {"artifact_id": "P@v7"}], 404),
        ([{"artifact_id": "P@v1", "version_number": 2}], 400),
        ([{"artifact_id": "P", "role": "owner"}], 400),
        ([{"artifact_id": "../P"}], 400),
        ({"artifact_id": "P"}, 400),
        ([], 400),
    ]
    for body, status in cases:
        r = await api("POST", f"api/chambers/{c['id']}/pull", body)
        assert r.status == status, (body, r)
    assert sql("SELECT count(*) AS n FROM chamber_artifacts")[0]["n"] == 0
    for path, status in [("api/chambers/not-a-uuid", 400), ("api/chambers/00000000-0000-4000-8000-000000000000", 404)]:
        assert (await api("GET", path)).status == status
    assert (await api("POST", "api/chambers/00000000-0000-4000-8000-000000000000/pull",
                      [{"artifact_id": "P"}])).status == 404
    for body in ({"name": "x", "purpose": "party"}, {"purpose": "debate"}, {"name": "x", "purpose": "debate",
                                                                            "owner_actor_type": "agent"}):
        assert (await api("POST", "api/chambers", body)).status == 400
    r = await api("POST", f"api/chambers/{c['id']}/close", {"result": {"artifact_type": "x", "title": ""}})
    assert r.status == 400 and (await api("GET", f"api/chambers/{c['id']}")).json["closed_at"] is None


async def test_list_filters_and_pages(api):
    ids = [(await chamber(api, purpose="debate" if i % 2 else "showcase_review"))["id"] for i in range(5)]
    await api("POST", f"api/chambers/{ids[0]}/close", {})
    page = (await api("GET", "api/chambers", params={"limit": 2})).json
    seen = [c["id"] for c in page["items"]]
    while page["next_cursor"]:
        page = (await api("GET", "api/chambers", params={"limit": 2, "cursor": page["next_cursor"]})).json
        seen += [c["id"] for c in page["items"]]
    assert sorted(seen) == sorted(ids)
    debates = (await api("GET", "api/chambers", params={"purpose": "debate"})).json["items"]
    assert len(debates) == 2
    closed = (await api("GET", "api/chambers", params={"status": "closed"})).json["items"]
    assert [c["id"] for c in closed] == [ids[0]]
    assert (await api("GET", "api/chambers", params={"status": "ajar"})).status == 400


async def test_concurrent_pulls_and_close(api, sql):
    for i in range(12):
        await make(api, f"A{i}")
    c = await chamber(api)
    pulls = [api("POST", f"api/chambers/{c['id']}/pull", [{"artifact_id": f"A{i}"}, {"artifact_id": f"A{(i + 1) % 12}"}])
             for i in range(12)]
    replies = await asyncio.gather(*pulls)
    assert all(r.status == 200 for r in replies)
    assert sql("SELECT count(*) AS n FROM chamber_artifacts")[0]["n"] == 12
    # A close racing with pulls: every pull lands before it or is refused after it.
    racing = [api("POST", f"api/chambers/{c['id']}/pull", [{"artifact_id": f"A{i}", "version_number": 1}])
              for i in range(6)] + [api("POST", f"api/chambers/{c['id']}/close", {})]
    results = await asyncio.gather(*racing)
    assert {r.status for r in results[:-1]} <= {200, 409} and results[-1].status == 200
    final = (await api("GET", f"api/chambers/{c['id']}")).json
    assert len(final["artifacts"]) == 12 and final["provenance_hash"] == results[-1].json["provenance_hash"]


async def test_persona_workspace(api, sql):
    await make(api, "ada", kind="persona")
    await make(api, "H", kind="hypothesis", versions=2)
    await make(api, "P1")
    await make(api, "P2")
    await make(api, "D1", kind="dataset")
    await api("POST", "api/artifact-links", {"source": "H", "target": "P2", "link_type": "cites"})
    d = (await api("POST", "api/debates", {"target_artifact_id": "H", "topic": "t"})).json
    await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "ada", "content": "See P1@v1 and D1@v1."})
    assert (await api("GET", "api/personas/ada/workspace")).status == 404
    r = await api("POST", "api/personas/ada/workspace")
    assert r.status == 201, r
    w = r.json
    assert w["purpose"] == "persona_workspace" and w["owner_actor_id"] == "ada"
    assert {p["ref"]: p["role"] for p in w["artifacts"]} == {
        "ada@v1": "reference", "H@v2": "reference", "P1@v1": "reference", "P2@v1": "reference"}
    again = await api("POST", "api/personas/ada/workspace")
    assert again.status == 200 and again.json["id"] == w["id"]
    assert (await api("GET", "api/personas/ada/workspace")).json["id"] == w["id"]
    assert (await api("POST", "api/personas/H/workspace")).status == 404
    both = await asyncio.gather(*(api("POST", "api/personas/ada/workspace") for _ in range(4)))
    assert {r.json["id"] for r in both} == {w["id"]}
