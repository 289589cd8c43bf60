"""REST over an adopted database: row ids of later versions name exact versions."""

from __future__ import annotations

UUID2 = "a3c1e0f2-0000-4000-8000-000000000002"
UUID3 = "a3c1e0f2-0000-4000-8000-000000000003"


async def test_adopted_rows_resolve_by_artifact_ref_and_row_id(legacy_database_url, api, sql):
    latest = (await api("GET", "api/artifacts/hyp-7")).json
    assert latest["ref"] == "hyp-7@v3" and latest["id"] == UUID3 and latest["content_hash"] == "h3"
    assert latest["parent_version_id"] == UUID2 and latest["created_by"]["actor_type"] == "unknown"
    by_row = (await api("GET", f"api/artifacts/{UUID2}")).json
    assert by_row["ref"] == "hyp-7@v2" and by_row["id"] == UUID2 and by_row["is_latest"] is False
    assert (await api("GET", "api/artifacts/hyp-7@v2")).json == by_row
    versions = (await api("GET", f"api/artifacts/{UUID2}/versions")).json
    assert versions["artifact_id"] == "hyp-7" and versions["total_versions"] == 3
    assert [v["id"] for v in versions["versions"]] == ["hyp-7", UUID2, UUID3]
    # Writing to the adopted chain: v4 follows the legacy row id, keeps the legacy rows.
    v4 = (await api("POST", f"api/artifacts/{UUID3}/versions", {"title": "aged mice, v4", "parent_version": 3}))
    assert v4.status == 201, v4
    assert v4.json["ref"] == "hyp-7@v4" and v4.json["parent_version_id"] == UUID3
    assert sql("SELECT content_hash FROM artifacts WHERE id = %s", (UUID3,)) == [{"content_hash": "h3"}]
    links = (await api("GET", "api/artifacts/hyp-7/links")).json
    assert {(link["source"], link["target"], link["link_type"]) for link in links["outgoing"]} == {
        ("hyp-7@v2", "hyp-7@v1", "derives_from"), ("hyp-7@v3", "hyp-7@v2", "derives_from"),
        ("hyp-7@v1", "paper-31@v1", "cites")}
    nb = (await api("GET", "api/artifacts/nb-legacy-1-v2")).json
    assert nb["ref"] == "nb-legacy-1@v2"
    listing = (await api("GET", "api/artifacts", params={"type": "notebook"})).json["items"]
    assert sorted(i["id"] for i in listing) == ["nb-legacy-1-v2", "nb-orphan"]


async def test_branching_an_adopted_notebook(legacy_database_url, api, sql):
    """The adopted nb-legacy-1: v1's content is unknown, v2 holds the legacy cells."""
    v2 = (await api("GET", "api/artifacts/nb-legacy-1")).json
    assert v2["ref"] == "nb-legacy-1@v2" and [c["source"] for c in v2["content"]["cells"]][0] == "# Plaque counts"
    nb = v2["content"]
    nb["cells"][2]["source"] = "total = sum(counts)"
    r = await api("POST", "api/notebooks/nb-legacy-1/versions", {"notebook": nb, "parent_version": 2})
    assert r.status == 201, r
    assert r.json["summary"]["modified"] == [2] and r.json["parent_version_id"] == "nb-legacy-1-v2"
    v3 = (await api("GET", "api/artifacts/nb-legacy-1@v3")).json
    assert [c["id"] for c in v3["content"]["cells"]] == ["legacy-0", "legacy-1", "legacy-2"]
    # The edited cell follows the legacy rows of the same notebook, which stay as they were; v3
    # lists the two legacy cells it keeps (legacy rows have no stored canonical JSON: stored again).
    rows = sql("SELECT cell_index, code, notebook_artifact_id FROM notebook_cells WHERE notebook_id = 'nb-legacy-1' "
               "ORDER BY cell_index")
    assert [(r["cell_index"], r["notebook_artifact_id"]) for r in rows][:3] == [
        (0, "nb-legacy-1-v2"), (1, "nb-legacy-1-v2"), (2, "nb-legacy-1-v2")]
    assert rows[2]["code"] == "sum(counts)" and {r["notebook_artifact_id"] for r in rows[3:]} == {"nb-legacy-1@v3"}
    listed = sql("SELECT cells FROM notebook_snapshots WHERE artifact_id = 'nb-legacy-1'")[0]["cells"]
    assert len(listed) == 3 and listed[-1] == rows[-1]["cell_index"]
    # v1 has unknown content: it can be neither forked nor merged.
    for method, path, body in (("POST", "api/artifacts/nb-legacy-1@v1/fork", {}),
                               ("POST", "api/notebooks/nb-legacy-1/merge", {"other": "nb-legacy-1@v3",
                                                                          "base": "nb-legacy-1@v1"})):
        r = await api(method, path, body)
        assert r.status == 409 and "unknown" in r.json["message"], r
    r = await api("POST", "api/artifacts/nb-legacy-1@v2/fork", {"new_id": "nb-legacy-2"})
    assert r.status == 201 and (await api("GET", "api/artifacts/nb-legacy-2")).json["content"]["cells"] == \
        (await api("GET", "api/artifacts/nb-legacy-1@v2")).json["content"]["cells"]
