"""One identity model (API.md, "Refs in every reply"): every reply naming a version carries its
`X@vN`; the server never silently rewrites what an agent sent (step parameters it records
itself are refused by name) nor silently drops a citation that names no version."""

from __future__ import annotations

from tests_helpers import notebook, register


async def test_replies_name_versions_by_ref(api, sql):
    reg = await register(api, "NB-1", notebook("x = 1"))
    assert reg["ref"] == "NB-1@v1"
    appended = (await api("POST", "api/notebooks/NB-1/cells", {"source": "y = 2"})).json
    assert (appended["ref"], appended["new_ref"], appended["parent_ref"]) == ("NB-1@v2", "NB-1@v2", "NB-1@v1")
    # The row ids stay, opaque: v1's row id is the bare artifact id, which as a ref means "latest".
    assert appended["parent_artifact_id"] == "NB-1"
    info = (await api("GET", "api/notebooks/NB-1")).json
    assert info["latest_ref"] == "NB-1@v2"
    diff = (await api("GET", "api/notebooks/NB-1/diff", params={"from": "1", "to": "2"})).json
    assert (diff["from_ref"], diff["to_ref"]) == ("NB-1@v1", "NB-1@v2")
    copy = (await api("POST", "api/notebooks/NB-1/diff", {"notebook": notebook("z = 3")})).json
    assert (copy["from_ref"], copy["to_ref"]) == ("NB-1@v2", None)
    debate = (await api("POST", "api/debates", {"target_artifact_id": "NB-1@v1", "topic": "t"})).json
    assert debate["target_ref"] == "NB-1@v1"
    rnd = (await api("POST", f"api/debates/{debate['id']}/rounds",
                     {"actor_id": "ed-lein", "content": "NB-1@v2 adds y"})).json
    assert [r["ref"] for r in rnd["referenced_artifacts"]] == ["NB-1@v2"]
    chamber = (await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"})).json
    closed = (await api("POST", f"api/chambers/{chamber['id']}/close",
                        {"result": {"artifact_type": "finding", "title": "f", "content": {}, "metadata": {}}})).json
    assert closed["result_ref"] == f"{closed['result_artifact_id']}@v1"
    assert (await api("GET", f"api/artifacts/{closed['result_ref']}")).status == 200


async def test_a_round_says_which_citations_name_no_version(api, sql):
    await api("POST", "api/artifacts", {"id": "H-89", "artifact_type": "hypothesis", "title": "h"})
    debate = (await api("POST", "api/debates", {"target_artifact_id": "H-89", "topic": "t"})).json
    r = await api("POST", f"api/debates/{debate['id']}/rounds",
                  {"actor_id": "ed-lein", "prompt": "Is H-89@v7 right?", "content": "H-89@v1 holds; see NB-404@v2."})
    assert r.status == 201
    # `H-89@v7` names no version: not a reference, and no fallback to the pinned H-89.
    assert [c["ref"] for c in r.json["referenced_artifacts"]] == ["H-89@v1"]
    assert r.json["unresolved_citations"] == [
        {"token": "H-89@v7", "role": "input", "offset_chars": 3},
        {"token": "NB-404@v2", "role": "output", "offset_chars": 19}]
    # Read back later, a round is what was stored: no unresolved list.
    stored = (await api("GET", f"api/debates/{debate['id']}")).json["rounds"][0]
    assert "unresolved_citations" not in stored


async def test_parameters_the_server_records_are_refused_not_overwritten(api, sql):
    await register(api, "NB-1", notebook("x = 1"))
    r = await api("POST", "api/notebooks/NB-1/cells",
                  {"source": "y", "parameters": {"execute": "yes please", "cell_index": 7, "fdr": 0.05}})
    assert r.status == 400 and "parameters.cell_index, parameters.execute are recorded" in r.json["message"]
    await api("POST", "api/artifacts", {"id": "P-1", "artifact_type": "paper", "title": "p"})
    r = await api("POST", "api/artifact-links", {"source": "NB-1", "target": "P-1", "link_type": "cites",
                                                 "parameters": {"strength": 1}})
    assert r.status == 400 and "parameters.strength" in r.json["message"]
    r = await api("POST", "api/notebooks/NB-1/versions", {"notebook": notebook("x = 2"),
                                                         "parameters": {"rationale": "r"}})
    assert r.status == 400 and "parameters.rationale" in r.json["message"]
    assert sql("SELECT count(*) AS n FROM processing_steps")[0]["n"] == 0
    ok = await api("POST", "api/notebooks/NB-1/cells", {"source": "y", "parameters": {"fdr": 0.05}})
    assert ok.status == 201
    step = sql("SELECT parameters FROM processing_steps")[0]["parameters"]
    assert step["fdr"] == 0.05 and step["cell_index"] == 1 and step["execute"] is False
