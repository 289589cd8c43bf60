"""Fork (any artifact) and split (notebooks) over a real server and PostgreSQL (API.md, "Commit,
fork, merge, split")."""

from __future__ import annotations

from tests_helpers import expected_hash, notebook, register

TABLES = ("artifacts", "notebooks", "notebook_cells", "processing_steps", "artifact_links")


def counts(sql) -> dict:
    return {t: sql(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in TABLES}


async def test_fork_of_a_notebook_version_is_a_registered_notebook(api, sql):
    await register(api, nb=notebook("a = 1", "b = 2"), title="Counts")
    await api("POST", "api/notebooks/NB-1/cells", {"source": "c = 3"})
    v1 = (await api("GET", "api/artifacts/NB-1@v1")).json
    r = await api("POST", "api/artifacts/NB-1/fork", {"from": "NB-1@v1", "new_id": "NB-1-alt", "agent_id": "bob",
                                                       "rationale": "try another binning"})
    assert r.status == 201, r
    f = r.json
    assert (f["ref"], f["artifact_type"], f["title"], f["version_number"], f["parent_ref"]) == (
        "NB-1-alt@v1", "notebook", "Counts (fork)", 1, None)
    fv = (await api("GET", "api/artifacts/NB-1-alt")).json
    assert fv["content"] == v1["content"] and fv["metadata"] == v1["metadata"]
    assert fv["content_hash"] == expected_hash(fv) == f["content_hash"]
    assert sql("SELECT notebook_artifact_id FROM notebooks WHERE id = 'NB-1-alt'") == [
        {"notebook_artifact_id": "NB-1-alt"}]
    owned = sql("SELECT cell_index, cell_id FROM notebook_cells WHERE notebook_artifact_id = 'NB-1-alt' ORDER BY 1")
    assert [(o["cell_index"], o["cell_id"]) for o in owned] == [(i, c["id"]) for i, c in enumerate(v1["content"]["cells"])]
    step = sql("SELECT * FROM processing_steps WHERE target_artifact_id = 'NB-1-alt'")
    assert len(step) == 1
    s = step[0]
    assert (s["step_type"], s["method"], s["source_artifact_id"], s["source_version_number"], s["actor_id"]) == (
        "fork", "fork", "NB-1", 1, "bob")
    assert s["parameters"] == {"rationale": "try another binning"}
    # A fork is a notebook like any other: it grows by append, and registers its own cells.
    r = await api("POST", "api/notebooks/NB-1-alt/cells", {"source": "d = 4"})
    assert r.status == 201 and r.json["cell_index"] == 2
    # The path may pin the version itself; a generated id follows the type.
    r = await api("POST", "api/artifacts/NB-1@v2/fork", {})
    assert r.status == 201 and r.json["artifact_id"].startswith("notebook-")
    assert len((await api("GET", f"api/artifacts/{r.json['artifact_id']}")).json["content"]["cells"]) == 3


async def test_fork_of_any_artifact(api, sql):
    await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "TREM2",
                                        "content": {"statement": "s1"}, "metadata": {"tags": ["x"]}})
    await api("POST", "api/artifacts/H-1/versions", {"content": {"statement": "s2"}})
    r = await api("POST", "api/artifacts/H-1/fork", {"new_id": "H-1b", "title": "TREM2, another reading"})
    assert r.status == 201, r
    v = (await api("GET", "api/artifacts/H-1b")).json
    assert (v["content"], v["metadata"], v["title"]) == ({"statement": "s2"}, {"tags": ["x"]}, "TREM2, another reading")
    assert v["content_hash"] == expected_hash(v)
    lineage = (await api("GET", "api/artifacts/H-1b/lineage", params={"direction": "ancestors"})).json
    assert [(e["source"], e["target"], e["step_type"]) for e in lineage["edges"]][-1] == ("H-1@v2", "H-1b@v1", "fork")
    # A bodiless fork is fine too.
    r = await api("POST", "api/artifacts/H-1/fork")
    assert r.status == 201 and r.json["artifact_id"].startswith("hypothesis-")


async def test_fork_refuses_bad_input_and_stores_nothing(api, sql):
    await register(api)
    await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})
    before = counts(sql)
    cases = [({"new_id": "H-1"}, 409, "conflict"), ({"new_id": "NB-1"}, 409, "conflict"),
             ({"from": "NB-1@v9"}, 404, "not_found"), ({"from": "H-1"}, 400, "invalid"),
             ({"new_id": "../x"}, 400, "invalid"), ({"from": "bad ref"}, 400, "invalid")]
    for body, status, reason in cases:
        r = await api("POST", "api/artifacts/NB-1/fork", body)
        assert (r.status, r.json["reason"]) == (status, reason), (body, r)
    r = await api("POST", "api/artifacts/NB-404/fork", {})
    assert r.status == 404
    assert counts(sql) == before


async def test_split_takes_the_chosen_cells_in_order(api, sql):
    nb = notebook("import pandas as pd", "df = pd.read_csv('x')", "df.plot()", "df.describe()")
    nb["metadata"]["authors"] = [{"name": "A. Researcher"}]
    await register(api, nb=nb)
    source = (await api("GET", "api/artifacts/NB-1")).json
    r = await api("POST", "api/notebooks/NB-1/split", {"cells": [3, 0], "new_id": "NB-1-describe",
                                                        "rationale": "the summary on its own"})
    assert r.status == 201, r
    s = r.json
    assert (s["ref"], s["title"]) == ("NB-1-describe@v1", "NB-1 (split)")
    part = (await api("GET", "api/artifacts/NB-1-describe")).json
    assert part["content"]["cells"] == [source["content"]["cells"][3], source["content"]["cells"][0]]
    assert part["content"]["metadata"] == source["content"]["metadata"]
    assert part["content_hash"] == expected_hash(part)
    step = sql("SELECT step_type, method, source_artifact_id, parameters FROM processing_steps")
    assert step == [{"step_type": "split", "method": "split", "source_artifact_id": "NB-1",
                     "parameters": {"cells": [3, 0], "rationale": "the summary on its own"}}]


async def test_split_refuses_bad_indices_and_stores_nothing(api, sql):
    await register(api, nb=notebook("a", "b", "c"))
    await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})
    before = counts(sql)
    for ref, body, status in [("NB-1", {"cells": []}, 400), ("NB-1", {"cells": [0, 0]}, 400),
                              ("NB-1", {"cells": [3]}, 400), ("NB-1", {"cells": [-1]}, 400),
                              ("NB-1", {"cells": "0"}, 400), ("NB-1", {}, 400),
                              ("NB-1", {"cells": [0], "from": "NB-1@v2"}, 404),
                              ("H-1", {"cells": [0]}, 404), ("NB-9", {"cells": [0]}, 404)]:
        r = await api("POST", f"api/notebooks/{ref}/split", body)
        assert r.status == status, (ref, body, r)
        assert r.json["message"].endswith(".")
    r = await api("POST", "api/notebooks/NB-1/split", {"cells": [5, 1, 7]})
    assert "5, 7 are out of range" in r.json["message"]
    assert counts(sql) == before
