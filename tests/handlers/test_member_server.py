"""A single-user server connected as its own member role (API.md, "Team deployment") does its
whole work through the REST API, and the database records every write under that role."""

from __future__ import annotations

import pytest
from tests_helpers import granted_member, notebook, register


@pytest.fixture
def member(database_url, jp_asyncio_loop):
    with granted_member(database_url, jp_asyncio_loop) as role:
        yield role


@pytest.fixture
def artifacts_config(member):
    return {"database_url": member.url, "render_cache_bytes": 1}  # every render evicts the one before


def created(r, status=201):
    assert r.status == status, r
    return r.json


async def test_a_member_server_works_end_to_end(api, sql, member):
    # Artifacts, versions, a tag (set, then moved), a lifecycle change, a link.
    paper = created(await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "TREM2 in microglia",
                                                        "content": {"text": "TREM2 rises"}}))
    pid = paper["artifact_id"]
    created(await api("POST", f"api/artifacts/{pid}/versions", {"content": {"text": "TREM2 rises, twice"}}))
    created(await api("POST", f"api/artifacts/{pid}/versions/1/tags", {"tag": "reviewed"}))
    created(await api("POST", f"api/artifacts/{pid}/versions/2/tags", {"tag": "reviewed", "move": True}), 200)
    created(await api("PATCH", f"api/artifacts/{pid}/versions/1", {"lifecycle_state": "deprecated"}), 200)
    hyp = created(await api("POST", "api/artifacts", {"artifact_type": "hypothesis", "title": "H"}))
    created(await api("POST", "api/artifact-links", {"source": hyp["ref"], "target": f"{pid}@v2",
                                                     "link_type": "cites"}))

    # A notebook: append (no execution), commit, fork, merge back, split; a rendering.
    await register(api, "NB-M", notebook("x = 1", "y = x + 1"))
    created(await api("POST", "api/notebooks/NB-M/cells", {"source": "print(x)"}))
    v2 = created(await api("GET", "api/notebooks/NB-M/versions/2", params={"format": "json"}), 200)
    v2["cells"][0]["source"] = "x = 2"
    created(await api("POST", "api/notebooks/NB-M/versions", {"notebook": v2, "parent_version": 2}))
    fork = created(await api("POST", "api/artifacts/NB-M/fork", {"new_id": "NB-F"}))
    fork_nb = created(await api("GET", "api/notebooks/NB-F/versions/1", params={"format": "json"}), 200)
    fork_nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "from the fork"})
    created(await api("POST", "api/notebooks/NB-F/versions", {"notebook": fork_nb}))
    created(await api("POST", "api/notebooks/NB-M/merge", {"other": "NB-F@v2"}))
    created(await api("POST", "api/notebooks/NB-M/split", {"cells": [0, 1], "new_id": "NB-S"}))
    for n in (1, 2):
        r = await api("GET", f"api/notebooks/NB-M/versions/{n}", params={"format": "html"})
        assert r.status == 200 and "<html" in r.text.lower(), r

    # A chamber: pull, close.
    chamber = created(await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"}))
    created(await api("POST", f"api/chambers/{chamber['id']}/pull", [{"artifact_id": pid, "role": "input"}]), 200)
    closed = created(await api("POST", f"api/chambers/{chamber['id']}/close", {}), 200)
    assert closed["provenance_hash"]

    # A debate: rounds, close.
    debate = created(await api("POST", "api/debates", {"target_artifact_id": hyp["artifact_id"], "topic": "t"}))
    for n in (1, 2):
        created(await api("POST", f"api/debates/{debate['id']}/rounds", {"actor_id": "ed-lein", "content": f"r{n}",
                                                                         "evidence": [{"artifact_id": pid}]}))
    created(await api("POST", f"api/debates/{debate['id']}/close", {"verdict": "supported"}), 200)

    # A keyed write, replayed.
    first = created(await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "once"},
                              headers={"Idempotency-Key": "k-1"}))
    again = created(await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "once"},
                              headers={"Idempotency-Key": "k-1"}))
    assert again == first

    # Reads: search (a cell's word too), lineage, diffs, the debate's artifacts.
    found = created(await api("GET", "api/artifacts", params={"q": "TREM2"}), 200)
    assert pid in {i["artifact_id"] for i in found["items"]}
    assert "NB-M" in {i["artifact_id"] for i in created(await api("GET", "api/artifacts", params={"q": "print"}),
                                                        200)["items"]}
    edges = created(await api("GET", "api/artifacts/NB-M/lineage"), 200)["edges"]
    assert {"merge", "fork", "split", "cell_append"} <= {e["step_type"] for e in edges}
    assert created(await api("GET", f"api/artifacts/{pid}/diff", params={"from": "1", "to": "2"}), 200)[
        "content_changed"]
    created(await api("GET", "api/notebooks/NB-M/diff", params={"from": "1", "to": "3"}), 200)
    created(await api("GET", f"api/debates/{debate['id']}/artifacts"), 200)

    # Every row the server wrote is recorded under the member role, whatever the server sent.
    recorded = sql("""
        SELECT 'artifacts' AS t, recorded_by FROM artifacts
        UNION ALL SELECT 'steps', recorded_by FROM processing_steps
        UNION ALL SELECT 'tags', recorded_by FROM artifact_tags
        UNION ALL SELECT 'chambers', recorded_by FROM chambers
        UNION ALL SELECT 'pins', recorded_by FROM chamber_artifacts
        UNION ALL SELECT 'debates', recorded_by FROM debate_sessions
        UNION ALL SELECT 'rounds', recorded_by FROM debate_rounds""")
    assert {r["t"] for r in recorded} == {"artifacts", "steps", "tags", "chambers", "pins", "debates", "rounds"}
    assert {r["recorded_by"] for r in recorded} == {member.name}
    assert created(await api("GET", f"api/artifacts/{pid}"), 200)["created_by"]["recorded_by"] == member.name
    assert {e["recorded_by"] for e in edges} == {member.name}
    # The render cache stayed within its bound: the member's server evicted (as the owner).
    assert sql("SELECT count(*) AS n FROM notebook_renders")[0]["n"] <= 1
    assert fork["artifact_id"] == "NB-F"


async def test_a_member_server_waits_for_the_owner_to_migrate(api, sql):
    # A release with one more migration than the schema has: the member may not apply it.
    latest = sql("SELECT max(version) AS v FROM jupyter_artifacts_schema_version")[0]["v"]
    sql("UPDATE jupyter_artifacts_schema_version SET version = -version WHERE version = %s", (latest,))
    r = await api("GET", "api/artifacts")
    assert r.status == 503, r
    assert r.json["message"] == (f"The artifacts schema is at version {latest - 1} and this server needs version "
                                 f"{latest}: the owner must run `jupyter artifacts migrate`.")
    sql("UPDATE jupyter_artifacts_schema_version SET version = -version WHERE version = %s", (-latest,))
    assert (await api("GET", "api/artifacts")).status == 200  # the next request finds it done


class TestUnderTheOwnerRole:
    @pytest.fixture
    def artifacts_config(self, member):
        return {"owner": "lab-owner"}  # the owner's own URL, as before member roles

    async def test_the_servers_recorder_still_applies(self, api, sql):
        paper = created(await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "p"}))
        chamber = created(await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"}))
        created(await api("POST", f"api/chambers/{chamber['id']}/pull", [{"artifact_id": paper["artifact_id"]}]), 200)
        assert paper["created_by"]["recorded_by"] == "lab-owner"
        assert sql("SELECT recorded_by FROM chamber_artifacts") == [{"recorded_by": "lab-owner"}]
