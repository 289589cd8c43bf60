"""Processing steps and the lineage walk (API.md, "Lineage")."""

from __future__ import annotations

import pytest


async def make(api, artifact_id, kind="hypothesis", versions=1):
    r = await api("POST", "api/artifacts", {"id": artifact_id, "artifact_type": kind, "title": artifact_id})
    assert r.status == 201, r
    for _ in range(versions - 1):
        assert (await api("POST", f"api/artifacts/{artifact_id}/versions", {"agent_id": "bot", "method": "edit"})).status == 201


async def link(api, source, target, link_type="cites"):
    r = await api("POST", "api/artifact-links", {"source": source, "target": target, "link_type": link_type,
                                                 "agent_id": "ed-lein"})
    assert r.status == 201, r
    return r.json


def edge_set(graph):
    return {(e["source"], e["target"], e["step_type"]) for e in graph["edges"]}


async def lineage(api, ref, **params):
    r = await api("GET", f"api/artifacts/{ref}/lineage", params=params)
    assert r.status == 200, r
    return r.json


async def test_directions_depths_and_versions(api):
    await make(api, "H", versions=3)            # H@v1 -> H@v2 -> H@v3 (derive)
    await make(api, "P", kind="paper")
    await make(api, "D", kind="dataset")
    await link(api, "H@v1", "P@v1")             # P@v1 -> H@v1 (cite)
    await link(api, "P@v1", "D@v1", "derives_from")  # D@v1 -> P@v1 (derive)
    g = await lineage(api, "H@v3", direction="ancestors", max_depth=1)
    assert edge_set(g) == {("H@v2", "H@v3", "derive")} and g["depth_reached"] == 1 and g["truncated"] is True
    g = await lineage(api, "H@v3", direction="ancestors", max_depth=4)
    assert edge_set(g) == {("H@v2", "H@v3", "derive"), ("H@v1", "H@v2", "derive"),
                           ("P@v1", "H@v1", "cite"), ("D@v1", "P@v1", "derive")}
    assert g["depth_reached"] == 4 and g["truncated"] is False and g["root"] == "H@v3"
    assert {n["ref"] for n in g["nodes"]} == {"H@v1", "H@v2", "H@v3", "P@v1", "D@v1"}
    node = next(n for n in g["nodes"] if n["ref"] == "H@v3")
    assert node["is_latest"] is True and node["artifact_type"] == "hypothesis" and node["content_hash"].startswith("sha256:")
    g = await lineage(api, "D", direction="descendants", max_depth=10)
    assert edge_set(g) == {("D@v1", "P@v1", "derive"), ("P@v1", "H@v1", "cite"), ("H@v1", "H@v2", "derive"),
                           ("H@v2", "H@v3", "derive")}
    g = await lineage(api, "P@v1", direction="both", max_depth=1)
    assert edge_set(g) == {("D@v1", "P@v1", "derive"), ("P@v1", "H@v1", "cite")} and g["truncated"] is True
    # A bare id starts from every version of the artifact.
    g = await lineage(api, "H", direction="descendants")
    assert edge_set(g) == {("H@v1", "H@v2", "derive"), ("H@v2", "H@v3", "derive")}
    e = next(e for e in g["edges"] if e["target"] == "H@v2")
    assert (e["actor_type"], e["actor_id"], e["method"]) == ("agent", "bot", "edit") and e["recorded_by"]


async def test_cycles_terminate_and_errors(api):
    await make(api, "A")
    await make(api, "B")
    await link(api, "A", "B")
    await link(api, "B", "A")
    g = await lineage(api, "A", max_depth=50)
    assert edge_set(g) == {("B@v1", "A@v1", "cite"), ("A@v1", "B@v1", "cite")}
    for params, status in [({"max_depth": 0}, 400), ({"max_depth": 51}, 400), ({"direction": "up"}, 400),
                           ({"format": "xml"}, 400), ({"max_depth": "x"}, 400)]:
        r = await api("GET", "api/artifacts/A/lineage", params=params)
        assert r.status == status and r.json["reason"] == "invalid", (params, r)
    assert (await api("GET", "api/artifacts/nope/lineage")).status == 404
    assert (await api("GET", "api/artifacts/A@v7/lineage")).status == 404


async def test_foreign_links_get_exactly_one_step(api, sql):
    await make(api, "X", versions=2)
    await make(api, "Y", kind="paper")
    own = await link(api, "X", "Y")  # the extension's own: its cite step, nothing more
    sql("""INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, strength, evidence)
           VALUES ('X@v2', 'Y', 'supports', 0.5, 'fig 1'), ('X@v2', 'X', 'derives_from', NULL, NULL),
                  ('Y', 'X', 'extends', NULL, NULL), ('X', 'Y', 'contradicts', 0.1, NULL),
                  ('X', 'nowhere', 'cites', NULL, NULL)""")
    steps = sql("""SELECT l.link_type, l.source_artifact_id AS src, l.target_artifact_id AS dst, p.step_type,
                          p.actor_type, p.method, p.parameters, p.source_artifact_id, p.target_artifact_id
                     FROM artifact_links l LEFT JOIN processing_steps p ON p.link_id = l.id ORDER BY l.id""")
    got = [(s["link_type"], s["step_type"], s["method"]) for s in steps]
    assert got == [("cites", "cite", "cites"), ("supports", "cite", "legacy_link"), ("derives_from", "fork", "legacy_link"),
                   ("extends", "derive", "legacy_link"), ("contradicts", "cite", "legacy_link"),
                   ("cites", None, None)]  # a dangling endpoint cannot name a version
    legacy = steps[1]
    assert legacy["actor_type"] == "unknown" and legacy["parameters"] == {"link_type": "supports", "strength": 0.5,
                                                                          "evidence": "fig 1"}
    assert (legacy["source_artifact_id"], legacy["target_artifact_id"]) == ("Y", "X")  # input = the link's target
    counts = sql("SELECT link_id, count(*) AS n FROM processing_steps WHERE link_id IS NOT NULL GROUP BY link_id")
    assert all(c["n"] == 1 for c in counts) and len(counts) == 5
    assert own["processing_step_id"]


async def test_foreign_versions_get_a_fork_step_unless_linked(api, sql, database_url):
    import psycopg

    await make(api, "F")
    sql("INSERT INTO artifacts (id, artifact_type, title, parent_version_id) VALUES ('F-2', 'hypothesis', 'two', 'F')")
    with psycopg.connect(database_url) as conn:  # an older service: the version and its link together
        conn.execute("INSERT INTO artifacts (id, artifact_type, title, parent_version_id) "
                     "VALUES ('F-3', 'hypothesis', 'three', 'F-2')")
        conn.execute("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) "
                      "VALUES ('F-3', 'F-2', 'derives_from')")
    steps = sql("SELECT source_version_number AS s, target_version_number AS t, step_type, method "
                "FROM processing_steps ORDER BY target_version_number")
    assert steps == [{"s": 1, "t": 2, "step_type": "fork", "method": "legacy_parent"},
                     {"s": 2, "t": 3, "step_type": "fork", "method": "legacy_link"}]
    g = await lineage(api, "F@v3", direction="ancestors")
    assert edge_set(g) == {("F@v1", "F@v2", "fork"), ("F@v2", "F@v3", "fork")}


async def test_legacy_backfill_and_demonstration_lineage(legacy_database_url, api, sql):
    await api("POST", "api/notebooks/nb-legacy-1/cells", {"source": "de()", "agent_id": "ed-lein",
                                                          "method": "differential-expression",
                                                          "parameters": {"fdr": 0.05}})
    links = sql("SELECT count(*) AS n FROM artifact_links")[0]["n"]
    per_link = sql("SELECT count(*) AS n FROM processing_steps WHERE link_id IS NOT NULL")[0]["n"]
    assert links == per_link == 6
    g = await lineage(api, "nb-legacy-1", direction="both")
    fork = next(e for e in g["edges"] if e["target"] == "nb-legacy-1@v2" and e["step_type"] == "fork")
    assert fork["source"] == "nb-legacy-1@v1" and fork["actor_type"] == "unknown" and fork["method"] == "legacy_link"
    append = next(e for e in g["edges"] if e["step_type"] == "cell_append")
    assert (append["source"], append["target"], append["actor_id"], append["method"]) == (
        "nb-legacy-1@v2", "nb-legacy-1@v3", "ed-lein", "differential-expression")
    assert append["parameters"]["fdr"] == 0.05
    before = sql("SELECT count(*) AS n FROM processing_steps")[0]["n"]
    r = await api("GET", "api/artifacts/hyp-7/lineage", params={"direction": "ancestors"})
    assert {(e["source"], e["target"]) for e in r.json["edges"]} == {
        ("hyp-7@v1", "hyp-7@v2"), ("hyp-7@v2", "hyp-7@v3"), ("paper-31@v1", "hyp-7@v1")}
    assert sql("SELECT count(*) AS n FROM processing_steps")[0]["n"] == before


async def test_prov_json_over_rest_is_valid_prov(api):
    import json

    prov_model = pytest.importorskip("prov.model")
    await make(api, "Q", versions=2)
    await make(api, "R", kind="paper")
    await link(api, "Q@v2", "R")
    r = await api("GET", "api/artifacts/Q/lineage", params={"format": "prov-json"})
    assert r.status == 200
    doc = prov_model.ProvDocument.deserialize(content=json.dumps(r.json), format="json")
    records = doc.get_records()
    kinds = {type(rec).__name__ for rec in records}
    assert {"ProvEntity", "ProvActivity", "ProvAgent", "ProvUsage", "ProvGeneration"} <= kinds
    assert len([rec for rec in records if type(rec).__name__ == "ProvActivity"]) == 2
