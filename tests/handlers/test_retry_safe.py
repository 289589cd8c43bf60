"""Retry-safe writes (API.md, "Conventions"): every POST takes an Idempotency-Key; a repeat by the
same principal with the same body replays the first reply and changes nothing; the same key
with another body is 422; bodies are strict (unknown fields are a 400 naming them)."""

from __future__ import annotations

import asyncio

import pytest
from tests_helpers import notebook, register


def keyed(key: str) -> dict:
    return {"Idempotency-Key": key}  # a fresh dict: jp_fetch adds the token to what it is given


def count(sql, table: str) -> int:
    return sql(f"SELECT count(*) AS n FROM {table}")[0]["n"]


async def test_a_repeated_create_replays_the_first_reply(api, sql):
    body = {"id": "H-1", "artifact_type": "hypothesis", "title": "TREM2 variants", "content": {"statement": "s"}}
    first = await api("POST", "api/artifacts", body, headers=keyed("k-create"))
    assert first.status == 201 and "Idempotent-Replayed" not in first.headers
    again = await api("POST", "api/artifacts", body, headers=keyed("k-create"))
    # Without the key, the same body is a 409 (the id exists); with it, the first reply again.
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert count(sql, "artifacts") == 1
    other = await api("POST", "api/artifacts", {**body, "title": "another"}, headers=keyed("k-create"))
    assert other.status == 422 and other.json["reason"] == "idempotency_mismatch"
    assert "k-create" in other.json["message"]
    assert (await api("POST", "api/artifacts", body)).status == 409


async def test_every_kind_of_write_is_retry_safe(api, sql):
    """New versions, debates, rounds, closes, pulls, links: each sent twice with one key writes once."""
    await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})
    await api("POST", "api/artifacts", {"id": "P-1", "artifact_type": "paper", "title": "p"})
    chamber = (await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"},
                         headers=keyed("k-ch"))).json
    calls = [
        ("POST", "api/artifacts/H-1/versions", {"title": "h2"}, "artifacts"),
        ("POST", "api/artifact-links", {"source": "H-1", "target": "P-1", "link_type": "cites"}, "artifact_links"),
        ("POST", f"api/chambers/{chamber['id']}/pull", [{"artifact_id": "P-1"}], "chamber_artifacts"),
        ("POST", "api/debates", {"target_artifact_id": "H-1", "topic": "t"}, "debate_sessions"),
    ]
    for i, (method, path, body, table) in enumerate(calls):
        before = count(sql, table)
        first = await api(method, path, body, headers=keyed(f"k-{i}"))
        assert first.status in (200, 201), (path, first)
        again = await api(method, path, body, headers=keyed(f"k-{i}"))
        assert (again.status, again.json) == (first.status, first.json), path
        assert again.headers["Idempotent-Replayed"] == "true"
        assert count(sql, table) == before + 1, path
    session = sql("SELECT id FROM debate_sessions")[0]["id"]
    round_body = {"actor_id": "ed-lein", "content": "H-1@v2 holds"}
    first = await api("POST", f"api/debates/{session}/rounds", round_body, headers=keyed("k-round"))
    again = await api("POST", f"api/debates/{session}/rounds", round_body, headers=keyed("k-round"))
    assert first.status == 201 and again.json == first.json and count(sql, "debate_rounds") == 1
    # Closing twice with one key: the first 200 again, not `closed`.
    first = await api("POST", f"api/debates/{session}/close", {"verdict": "v"}, headers=keyed("k-close"))
    again = await api("POST", f"api/debates/{session}/close", {"verdict": "v"}, headers=keyed("k-close"))
    assert first.status == 200 and again.status == 200 and again.json == first.json
    assert (await api("POST", f"api/debates/{session}/close", {"verdict": "v"})).json["reason"] == "closed"
    # Keys are per request path too: the round's key on another route is a mismatch.
    r = await api("POST", f"api/chambers/{chamber['id']}/close", {}, headers=keyed("k-round"))
    assert r.status == 422


async def test_concurrent_repeats_write_once(api, sql):
    await register(api, "NB-1", notebook("x = 1"))
    body = {"source": "y = 2", "agent_id": "ed-lein"}
    replies = await asyncio.gather(*(api("POST", "api/notebooks/NB-1/cells", body, headers=keyed("same"))
                                     for _ in range(6)))
    assert {r.status for r in replies} == {201}
    assert len({r.json["version_number"] for r in replies}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in replies) == 5
    assert sql("SELECT max(version_number) AS n FROM artifacts WHERE artifact_id = 'NB-1'")[0]["n"] == 2


async def test_the_body_key_and_the_header_are_one_key(api, sql):
    await register(api, "NB-1", notebook("x = 1"))
    first = await api("POST", "api/notebooks/NB-1/cells", {"source": "a", "idempotency_key": "b-1"})
    again = await api("POST", "api/notebooks/NB-1/cells", {"source": "a"}, headers=keyed("b-1"))
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "a", "idempotency_key": "b-2"},
                  headers=keyed("b-3"))
    assert r.status == 400 and "differ" in r.json["message"]
    for bad in ("", "x" * 201, "k\u00e9y"):
        r = await api("POST", "api/notebooks/NB-1/cells", {"source": "a"}, headers={"Idempotency-Key": bad})
        assert r.status == 400, bad
    assert count(sql, "notebook_cells") == 2


async def test_a_refused_write_is_not_remembered(api, sql):
    """Only a success is replayed: after a 404, the same key works once the target exists."""
    body = {"title": "t2"}
    assert (await api("POST", "api/artifacts/H-9/versions", body, headers=keyed("k"))).status == 404
    await api("POST", "api/artifacts", {"id": "H-9", "artifact_type": "hypothesis", "title": "t"})
    r = await api("POST", "api/artifacts/H-9/versions", body, headers=keyed("k"))
    assert r.status == 201 and "Idempotent-Replayed" not in r.headers


async def test_keys_are_per_principal(api, sql, jp_serverapp):
    """Another principal's key is not ours: the same key and body from another user is a new request."""
    from jupyter_artifacts.db.idempotency import Attempt

    (ext,) = jp_serverapp.extension_manager.extension_apps["jupyter_artifacts"]
    first = await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "p"}, headers=keyed("shared"))
    assert first.status == 201
    row = sql("SELECT * FROM idempotent_requests WHERE key = 'shared'")[0]
    assert row["status"] == 201 and row["principal"] == ext.owner
    theirs = Attempt("someone-else", "shared", row["request_digest"], row["method"], row["path"])
    assert await ext.services.idempotency.earlier(theirs) is None
    ours = Attempt(ext.owner, "shared", row["request_digest"], row["method"], row["path"])
    assert (await ext.services.idempotency.earlier(ours)).reply == first.text


@pytest.mark.parametrize(("path", "body", "wrong", "meant"), [
    ("api/artifacts", {"artifact_type": "paper", "title": "p"}, "agentid", "agent_id"),
    ("api/artifacts", {"artifact_type": "hypothesis", "title": "h"}, "statement", None),
    ("api/notebooks/NB-1/cells", {"source": "x"}, "exceute", "execute"),
    ("api/chambers", {"name": "c", "purpose": "debate"}, "purpse", "purpose"),
    ("api/debates", {"target_artifact_id": "NB-1", "topic": "t"}, "topc", "topic"),
])
async def test_unknown_fields_are_refused_by_name(api, sql, path, body, wrong, meant):
    await register(api, "NB-1", notebook("x = 1"))
    before = [count(sql, t) for t in ("artifacts", "chambers", "debate_sessions")]
    r = await api("POST", path, {**body, wrong: "ed-lein"})
    assert r.status == 400 and r.json["reason"] == "invalid"
    assert repr(wrong) in r.json["message"]
    if meant:
        assert f"did you mean {meant!r}" in r.json["message"]
    assert any(e["loc"] == [wrong] for e in r.json["errors"])
    assert [count(sql, t) for t in ("artifacts", "chambers", "debate_sessions")] == before


async def test_nested_unknown_fields_and_lists(api, sql):
    await api("POST", "api/artifacts", {"id": "P-1", "artifact_type": "paper", "title": "p"})
    chamber = (await api("POST", "api/chambers", {"name": "c", "purpose": "debate"})).json
    r = await api("POST", f"api/chambers/{chamber['id']}/pull", [{"artifact_id": "P-1", "rol": "input"}])
    assert r.status == 400 and "'0.rol'" in r.json["message"] and "did you mean 'role'" in r.json["message"]
    assert count(sql, "chamber_artifacts") == 0
