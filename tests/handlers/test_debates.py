"""Debates: version pins, rounds with resolved citations, close, union of versions (API.md, "Debates")."""

from __future__ import annotations

import psycopg
import pytest


async def make(api, artifact_id, kind="paper", versions=1):
    assert (await api("POST", "api/artifacts", {"id": artifact_id, "artifact_type": kind, "title": artifact_id})).status == 201
    for _ in range(versions - 1):
        await api("POST", f"api/artifacts/{artifact_id}/versions", {"changelog": "next"})


async def debate(api, **body):
    r = await api("POST", "api/debates", {"topic": "t", **body})
    assert r.status == 201, r
    return r.json


async def test_create_pins_target_and_opens_a_chamber(api, sql):
    await make(api, "H", "hypothesis", versions=3)
    await make(api, "P")
    d = await debate(api, target_artifact_id="H", pull=[{"artifact_id": "P"}], debate_type="review")
    assert (d["target_artifact_version"], d["num_rounds"], d["debate_type"]) == (3, 0, "review")
    assert d["target_content_hash"] == (await api("GET", "api/artifacts/H@v3")).json["content_hash"]
    pinned = await debate(api, target_artifact_id="H@v2")
    assert pinned["target_artifact_version"] == 2
    c = (await api("GET", f"api/chambers/{d['chamber_id']}")).json
    assert {p["ref"]: p["role"] for p in c["artifacts"]} == {"H@v3": "input", "P@v1": "reference"}
    assert c["parent_session_id"] == d["id"] and c["purpose"] == "debate"
    for body, status in [({"target_artifact_id": "nope"}, 404), ({"target_artifact_id": "H@v9"}, 404),
                         ({"target_artifact_id": "H", "pull": [{"artifact_id": "nope"}]}, 404),
                         ({"target_artifact_id": "H", "topic": ""}, 400), ({"topic": "x"}, 400),
                         ({"target_artifact_id": "H", "id": d["id"]}, 409)]:
        r = await api("POST", "api/debates", {"topic": "t", **body})
        assert r.status == status, (body, r)
    assert sql("SELECT count(*) AS n FROM debate_sessions")[0]["n"] == 2
    assert sql("SELECT count(*) AS n FROM chambers")[0]["n"] == 2  # nothing half-made by the failures


async def test_rounds_resolve_citations(api, sql):
    await make(api, "NB-1", "dataset")
    await make(api, "NB-12", "dataset", versions=2)
    await make(api, "H", "hypothesis")
    d = await debate(api, target_artifact_id="H", pull=[{"artifact_id": "NB-1"}])
    prompt = "NB-12@v1 first. Then ünïcödé 🔗 NB-12@v2, (NB-1), NB-12@v99, nope@v1, NB-12 alone."
    r = await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "ada", "prompt": prompt,
                                                          "content": "**H** and H@v1.", "evidence": [
                                                              {"artifact_id": "NB-12", "version_number": 1}]})
    assert r.status == 201, r
    refs = [(x["artifact_id"], x["version_number"], x["role"], x["cited_at_offset_chars"])
            for x in r.json["referenced_artifacts"]]
    assert refs == [("NB-12", 1, "input", 0), ("NB-12", 2, "input", prompt.index("NB-12@v2")),
                    ("NB-1", 1, "input", prompt.index("NB-1)")), ("H", 1, "output", 2), ("H", 1, "output", 10),
                    ("NB-12", 1, "evidence", -1)]
    assert r.json["round_number"] == 1 and r.json["actor_type"] == "persona"
    pins = {p["ref"]: p["role"] for p in (await api("GET", f"api/chambers/{d['chamber_id']}")).json["artifacts"]}
    assert pins == {"H@v1": "input", "NB-1@v1": "reference", "NB-12@v1": "reference", "NB-12@v2": "reference"}
    # Once pinned, the bare id names the pinned version (the highest pinned).
    r2 = await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "ada", "content": "NB-12 again",
                                                           "round_number": 5})
    assert [(x["artifact_id"], x["version_number"]) for x in r2.json["referenced_artifacts"]] == [("NB-12", 2)]
    assert r2.json["round_number"] == 5
    assert (await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "ada", "content": "x",
                                                              "round_number": 5})).status == 409
    nxt = await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "ada", "content": "x"})
    assert nxt.json["round_number"] == 6
    for body, status in [({"content": "x"}, 400), ({"actor_id": "ada"}, 400),
                         ({"actor_id": "ada", "content": "x", "evidence": [{"artifact_id": "nope"}]}, 404),
                         ({"actor_id": "ada", "content": "x", "actor_type": "robot"}, 400)]:
        assert (await api("POST", f"api/debates/{d['id']}/rounds", body)).status == status
    assert (await api("POST", "api/debates/nope/rounds", {"actor_id": "a", "content": "x"})).status == 404
    session = (await api("GET", f"api/debates/{d['id']}")).json
    assert session["num_rounds"] == 3 and [r["round_number"] for r in session["rounds"]] == [1, 5, 6]


async def test_notebook_input_tag_follows_the_latest_reference(api):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    await api("POST", "api/notebooks", {"id": "NB", "notebook": nb})
    await api("POST", "api/notebooks/NB/cells", {"source": "1"})
    await make(api, "H", "hypothesis")
    d = await debate(api, target_artifact_id="H")
    tag = f"debate-{d['id']}-input"
    await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "a", "content": "NB@v1 then NB@v2"})
    assert tag in (await api("GET", "api/artifacts/NB@v2")).json["tags"]
    await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "a", "content": "back to NB@v1"})
    assert tag in (await api("GET", "api/artifacts/NB@v1")).json["tags"]
    assert tag not in (await api("GET", "api/artifacts/NB@v2")).json["tags"]


async def test_close_and_union(api):
    await make(api, "H", "hypothesis", versions=2)
    await make(api, "P")
    d = await debate(api, target_artifact_id="H@v1")
    await api("POST", f"api/debates/{d['id']}/rounds", {"actor_id": "a", "content": "P@v1 and H@v2"})
    closed = await api("POST", f"api/debates/{d['id']}/close", {"verdict": "no"})
    assert closed.status == 200 and closed.json["verdict"] == "no" and closed.json["chamber_provenance_hash"]
    assert (await api("POST", f"api/debates/{d['id']}/close", {})).json["reason"] == "closed"
    union = (await api("GET", f"api/debates/{d['id']}/artifacts")).json
    by_ref = {x["ref"]: x for x in union["artifacts"]}
    assert set(by_ref) == {"H@v1", "H@v2", "P@v1"}
    assert by_ref["H@v1"]["sources"] == ["target", "chamber:input"] and by_ref["H@v1"]["role"] == "input"
    assert by_ref["P@v1"]["sources"] == ["chamber:reference", "round:1:output"]
    assert (await api("GET", "api/debate/nope/artifacts")).status == 404
    assert (await api("GET", "api/debates/..%2Fx/artifacts")).status == 400


async def test_legacy_debates_are_pinned_once(legacy_database_url, api, sql):
    deb1 = (await api("GET", "api/debates/deb-1")).json
    assert (deb1["target_artifact_version"], deb1["target_content_hash"]) == (2, "h2")
    assert "backfilled" in deb1["pinning_note"]
    assert [(r["actor_type"], r["actor_id"]) for r in deb1["rounds"]] == [("persona", "persona-ada")] * 2
    deb2 = (await api("GET", "api/debates/deb-2")).json
    assert deb2["target_artifact_version"] == 1 and "no version" in deb2["pinning_note"]
    deb3 = (await api("GET", "api/debates/deb-3")).json
    assert deb3["target_artifact_version"] is None and deb3["pinning_note"] is None
    assert (await api("GET", "api/debate/deb-1/artifacts")).json["artifacts"][0]["ref"] == "hyp-7@v2"
    # Another service keeps writing sessions and rounds its old way.
    sql("INSERT INTO debate_sessions (id, target_artifact_id, debate_type) "
        "VALUES ('deb-4', 'a3c1e0f2-0000-4000-8000-000000000002', 'x')")
    sql("INSERT INTO debate_rounds (session_id, round_number, persona_id, content) VALUES ('deb-4', 1, 'persona-ada', 'hi')")
    deb4 = (await api("GET", "api/debates/deb-4")).json
    assert (deb4["target_artifact_version"], deb4["target_content_hash"]) == (3, "h3")
    assert "pinned on insert" in deb4["pinning_note"] and deb4["num_rounds"] == 1
    assert deb4["rounds"][0]["actor_id"] == "persona-ada"
    with pytest.raises(psycopg.errors.CheckViolation):  # a target that names nothing cannot be pinned
        sql("INSERT INTO debate_sessions (id, target_artifact_id) VALUES ('deb-5', 'no-such-artifact')")
    assert (await api("POST", "api/debates/deb-1/rounds", {"actor_id": "persona-ada", "content": "hyp-7@v3?"})).status == 201


async def test_list_newest_first_with_filters_and_pages(api):
    await make(api, "H", "hypothesis", versions=2)
    await make(api, "P")
    first = await debate(api, target_artifact_id="H@v1", topic="first")
    second = await debate(api, target_artifact_id="P", topic="second")
    third = await debate(api, target_artifact_id="H", topic="third")
    assert (await api("POST", f"api/debates/{first['id']}/close", {})).status == 200
    listed = (await api("GET", "api/debates")).json
    assert [s["id"] for s in listed["items"]] == [third["id"], second["id"], first["id"]]
    assert listed["next_cursor"] is None and all(s["rounds"] is None for s in listed["items"])
    open_ = (await api("GET", "api/debates", params={"status": "open"})).json["items"]
    assert [s["id"] for s in open_] == [third["id"], second["id"]]
    closed = (await api("GET", "api/debates", params={"status": "closed"})).json["items"]
    assert [s["id"] for s in closed] == [first["id"]] and closed[0]["chamber_provenance_hash"]
    about_h = (await api("GET", "api/debates", params={"target": "H"})).json["items"]
    assert [s["id"] for s in about_h] == [third["id"], first["id"]]
    seen, cursor = [], None
    while True:
        page = (await api("GET", "api/debates", params={"limit": "1", **({"cursor": cursor} if cursor else {})})).json
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [third["id"], second["id"], first["id"]]
    for params in ({"status": "maybe"}, {"cursor": "garbage"}, {"limit": "0"}):
        r = await api("GET", "api/debates", params=params)
        assert r.status == 400 and r.json["reason"] == "invalid", (params, r)
