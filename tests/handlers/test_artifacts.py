"""The artifacts routes over a real Jupyter server and PostgreSQL (API.md, "Artifacts")."""

from __future__ import annotations

import hashlib
import json

import pytest


def expected_hash(v: dict) -> str:
    """API.md's formula, written out here independently of the server's code."""
    payload = {k: v[k] for k in ("artifact_type", "title", "metadata", "content")}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


VERSION_KEYS = {"ref", "id", "artifact_id", "artifact_type", "title", "version_number", "parent_version_id",
                "content_hash", "is_latest", "version_tag", "tags", "changelog", "lifecycle_state",
                "deprecated_at", "superseded_by", "metadata", "created_at", "created_by"}


async def create(api, **body):
    body.setdefault("artifact_type", "hypothesis")
    body.setdefault("title", "TREM2 loss raises plaque load")
    r = await api("POST", "api/artifacts", body)
    assert r.status == 201, r
    return r.json


async def test_create_returns_version_one_with_recomputable_hash(api):
    v = await create(api, id="H-89", content={"statement": "é ✓", "n": [1, 2.5, None, True]},
                     metadata={"source": "test"}, changelog="first", agent_id="ed-lein")
    assert VERSION_KEYS | {"content"} <= set(v)
    assert v["ref"] == "H-89@v1" and v["id"] == "H-89" and v["artifact_id"] == "H-89"
    assert v["version_number"] == 1 and v["parent_version_id"] is None and v["is_latest"] is True
    assert v["content_hash"] == expected_hash(v)
    assert v["created_by"]["actor_type"] == "agent" and v["created_by"]["actor_id"] == "ed-lein"
    assert v["created_by"]["recorded_by"]  # the authenticated user, never the body
    assert v["created_at"].endswith("Z") or v["created_at"].endswith("+00:00")
    assert v["tags"] == [] and v["metadata"] == {"source": "test"} and v["lifecycle_state"] == "active"


async def test_hash_covers_values_as_stored(api):
    # 1e20 comes back from jsonb as an exact integer; the hash must match what is returned.
    v = await create(api, content={"big": 1e20, "small": 1e-7, "neg0": -0.0, "huge": 12345678901234567890123})
    got = (await api("GET", f"api/artifacts/{v['id']}")).json
    assert got["content"] == v["content"]
    assert got["content_hash"] == expected_hash(got) == v["content_hash"]


async def test_generated_id_and_recorded_by_cannot_be_forged(api):
    r = await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "P", "recorded_by": "mallory"})
    assert r.status == 400 and r.json["reason"] == "invalid" and "'recorded_by'" in r.json["message"]
    assert (await api("GET", "api/artifacts")).json["items"] == []
    v = await create(api, artifact_type="paper", title="P")
    assert v["id"].startswith("paper-") and len(v["id"]) == len("paper-") + 8
    assert v["created_by"]["recorded_by"] != "mallory"
    assert v["created_by"]["actor_type"] == "user"
    assert v["content"] is None and v["metadata"] == {}


async def test_create_conflict_and_bad_input_change_nothing(api):
    await create(api, id="dup-1")
    r = await api("POST", "api/artifacts", {"id": "dup-1", "artifact_type": "paper", "title": "x"})
    assert r.status == 409 and r.json["reason"] == "conflict" and "dup-1" in r.json["message"]
    bad = [
        (None, b"{not json"),
        ([1, 2], None),
        ({"artifact_type": "paper"}, None),                     # no title
        ({"artifact_type": "paper", "title": 5}, None),
        ({"artifact_type": "a b", "title": "x"}, None),
        ({"artifact_type": "paper", "title": "x", "id": "../x"}, None),
        ({"artifact_type": "paper", "title": "x", "id": "a'b"}, None),
        ({"artifact_type": "paper", "title": "x", "id": "a" * 201}, None),
        ({"artifact_type": "paper", "title": "x", "id": "a@v2"}, None),
        ({"artifact_type": "paper", "title": "x", "metadata": [1]}, None),
        ({"artifact_type": "paper", "title": "x", "content": {"a": "nul\u0000"}}, None),
        ({"artifact_type": "paper", "title": "   "}, None),
        ({"artifact_type": "paper", "title": "x", "actor_type": "agent"}, None),
        ({"artifact_type": "paper", "title": "x", "actor_type": "robot", "actor_id": "r"}, None),
    ]
    for body, raw in bad:
        r = await api("POST", "api/artifacts", body, raw=raw)
        assert r.status == 400, (body, raw, r)
        assert r.json["reason"] == "invalid" and r.json["message"].endswith("."), r
    r = await api("POST", "api/artifacts", raw=b'{"artifact_type": "paper", "title": NaN}')
    assert r.status == 400
    listing = (await api("GET", "api/artifacts")).json
    assert [i["id"] for i in listing["items"]] == ["dup-1"]


async def test_new_versions_carry_fields_over_and_record_a_derive_step(api, sql):
    await create(api, id="H-1", content={"a": 1}, metadata={"m": 1})
    r = await api("POST", "api/artifacts/H-1/versions",
                  {"title": "Sharper", "agent_id": "ed-lein", "method": "manual-edit",
                   "parameters": {"why": "typo"}, "changelog": "retitled"})
    assert r.status == 201, r
    v2 = r.json
    assert v2["ref"] == "H-1@v2" and v2["id"] == "H-1@v2" and v2["parent_version_id"] == "H-1"
    assert v2["content"] == {"a": 1} and v2["metadata"] == {"m": 1} and v2["title"] == "Sharper"
    assert v2["content_hash"] == expected_hash(v2) and v2["changelog"] == "retitled"
    v3 = (await api("POST", "api/artifacts/H-1/versions", {"content": None, "parent_version": 2})).json
    assert v3["version_number"] == 3 and v3["content"] is None and v3["content_hash"] == expected_hash(v3)
    steps = sql("SELECT * FROM processing_steps ORDER BY created_at")
    assert [(s["source_version_number"], s["target_version_number"], s["step_type"]) for s in steps] == [
        (1, 2, "derive"), (2, 3, "derive")]
    assert steps[0]["actor_type"] == "agent" and steps[0]["actor_id"] == "ed-lein"
    assert steps[0]["method"] == "manual-edit" and steps[0]["parameters"] == {"why": "typo"}
    assert steps[0]["recorded_by"] and steps[0]["source_artifact_id"] == "H-1"
    versions = (await api("GET", "api/artifacts/H-1/versions")).json
    assert versions["total_versions"] == 3
    assert [(v["version_number"], v["is_latest"]) for v in versions["versions"]] == [(1, False), (2, False), (3, True)]
    assert all("content" not in v for v in versions["versions"])


async def test_stale_parent_and_write_path_refs(api, sql):
    await create(api, id="H-2")
    await api("POST", "api/artifacts/H-2/versions", {"title": "two"})
    r = await api("POST", "api/artifacts/H-2/versions", {"title": "late", "parent_version": 1})
    assert r.status == 409 and r.json["reason"] == "stale_parent" and "v2" in r.json["message"]
    r = await api("POST", "api/artifacts/H-2@v2/versions", {"title": "x"})
    assert r.status == 400 and "parent_version" in r.json["message"]
    r = await api("POST", "api/artifacts/nope/versions", {"title": "x"})
    assert r.status == 404 and r.json["reason"] == "not_found"
    r = await api("POST", "api/artifacts/H-2/versions", {"parent_version": 0})
    assert r.status == 400
    assert sql("SELECT count(*) AS n FROM artifacts WHERE artifact_id = 'H-2'")[0]["n"] == 2
    assert sql("SELECT count(*) AS n FROM processing_steps")[0]["n"] == 1


async def test_get_by_id_ref_and_version(api):
    await create(api, id="H-3", content={"v": 1})
    await api("POST", "api/artifacts/H-3/versions", {"content": {"v": 2}})
    latest = (await api("GET", "api/artifacts/H-3")).json
    assert latest["ref"] == "H-3@v2" and latest["content"] == {"v": 2}
    first = (await api("GET", "api/artifacts/H-3@v1")).json
    assert first["ref"] == "H-3@v1" and first["content"] == {"v": 1} and first["is_latest"] is False
    by_row = (await api("GET", "api/artifacts/H-3@v2")).json
    assert by_row == latest
    one = (await api("GET", "api/artifacts/H-3/versions/1")).json
    assert one == first
    assert (await api("GET", "api/artifacts/H-3/versions/v2")).json["ref"] == "H-3@v2"
    # Read routes accept a version reference and work on its artifact.
    assert (await api("GET", "api/artifacts/H-3@v2/versions/1")).json == first
    assert (await api("GET", "api/artifacts/H-3@v1/versions")).json["total_versions"] == 2
    for path, status in [("api/artifacts/H-3@v9", 404), ("api/artifacts/nope", 404),
                         ("api/artifacts/H-3/versions/9", 404), ("api/artifacts/H-3/versions/zero", 400),
                         ("api/artifacts/H-3/versions/0", 400), ("api/artifacts/%27quoted%27", 400),
                         ("api/artifacts/..%2F..%2Fetc", 400), ("api/artifacts/" + "x" * 300, 400),
                         ("api/artifacts/nope/versions", 404), ("api/artifacts/H-3@v0", 400)]:
        r = await api("GET", path)
        assert r.status == status, (path, r)
        assert r.json["message"] and r.json["reason"] in ("invalid", "not_found")


async def test_list_filters_and_cursor_pagination(api):
    for i in range(7):
        await create(api, id=f"P-{i}", artifact_type="paper" if i % 2 else "dataset", title=f"Paper {i} amyloid")
    await create(api, id="Q-1", title="100%_literal")
    await api("POST", "api/artifacts/P-1/versions", {"title": "Paper 1 revised"})
    await api("POST", "api/artifacts/P-3/versions/1/tags", {"tag": "published"})
    page = (await api("GET", "api/artifacts", params={"limit": 3})).json
    seen = [i["id"] for i in page["items"]]
    while page["next_cursor"]:
        page = (await api("GET", "api/artifacts", params={"limit": 3, "cursor": page["next_cursor"]})).json
        seen += [i["id"] for i in page["items"]]
    assert len(seen) == len(set(seen)) == 8
    assert "P-1@v2" in seen and "P-1" not in seen  # latest versions only
    papers = (await api("GET", "api/artifacts", params={"type": "paper"})).json["items"]
    assert sorted(i["artifact_id"] for i in papers) == ["P-1", "P-3", "P-5"]
    assert all("content" not in i for i in papers)
    q = (await api("GET", "api/artifacts", params={"q": "REVISED"})).json["items"]
    assert [i["ref"] for i in q] == ["P-1@v2"]
    assert [i["id"] for i in (await api("GET", "api/artifacts", params={"q": "%_"})).json["items"]] == ["Q-1"]
    tagged = (await api("GET", "api/artifacts", params={"tag": "published"})).json["items"]
    assert [i["artifact_id"] for i in tagged] == ["P-3"]
    for params in ({"limit": 0}, {"limit": 501}, {"limit": "x"}, {"cursor": "garbage!"}, {"type": "a b"}):
        r = await api("GET", "api/artifacts", params=params)
        assert r.status == 400, (params, r)


async def test_field_diff(api):
    await create(api, id="D-1", content={"a": 1}, metadata={"k": "v"})
    await api("POST", "api/artifacts/D-1/versions", {"content": {"a": 2}, "title": "new title"})
    d = (await api("GET", "api/artifacts/D-1/diff", params={"from": 1, "to": 2})).json
    assert d["from"] == 1 and d["to"] == 2 and d["content_changed"] is True
    assert d["fields"]["content"] == {"old": {"a": 1}, "new": {"a": 2}}
    assert d["fields"]["title"]["new"] == "new title" and "metadata" not in d["fields"]
    assert (await api("GET", "api/artifacts/D-1/diff")).json["fields"] == d["fields"]
    assert (await api("GET", "api/artifacts/D-1@v2/diff")).json["fields"] == d["fields"]
    assert (await api("GET", "api/artifacts/D-1@v1/diff")).json["fields"] == {}
    same = (await api("GET", "api/artifacts/D-1/diff", params={"from": 2, "to": 2})).json
    assert same["fields"] == {} and same["content_changed"] is False
    assert (await api("GET", "api/artifacts/D-1/diff", params={"from": 1, "to": 5})).status == 404
    assert (await api("GET", "api/artifacts/D-1/diff", params={"from": "x"})).status == 400


async def test_tags_unique_per_artifact_and_move(api, sql):
    await create(api, id="T-1")
    await api("POST", "api/artifacts/T-1/versions", {"title": "two"})
    r = await api("POST", "api/artifacts/T-1/versions/1/tags", {"tag": "reviewed"})
    assert r.status == 201 and r.json["tags"] == ["reviewed"] and r.json["version_tag"] == "reviewed"
    r = await api("POST", "api/artifacts/T-1/versions/1/tags", {"tag": "reviewed"})
    assert r.status == 200  # already there: nothing changes
    r = await api("POST", "api/artifacts/T-1/versions/2/tags", {"tag": "reviewed"})
    assert r.status == 409 and r.json["reason"] == "conflict" and "move" in r.json["message"]
    await api("POST", "api/artifacts/T-1/versions/1/tags", {"tag": "draft"})
    r = await api("POST", "api/artifacts/T-1/versions/2/tags", {"tag": "reviewed", "move": True})
    assert r.status == 200 and r.json["tags"] == ["reviewed"]
    v1 = (await api("GET", "api/artifacts/T-1@v1")).json
    assert v1["tags"] == ["draft"] and v1["version_tag"] == "draft"
    assert (await api("GET", "api/artifacts/T-1@v2")).json["version_tag"] == "reviewed"
    # Another artifact may use the same tag.
    await create(api, id="T-2")
    assert (await api("POST", "api/artifacts/T-2/versions/1/tags", {"tag": "reviewed"})).status == 201
    for body in ({"tag": ""}, {"tag": "has space"}, {}, {"tag": "x", "move": "maybe"}):
        assert (await api("POST", "api/artifacts/T-1/versions/1/tags", body)).status == 400
    assert (await api("POST", "api/artifacts/T-1@v1/versions/1/tags", {"tag": "x"})).status == 400
    assert (await api("POST", "api/artifacts/T-1/versions/7/tags", {"tag": "x"})).status == 404
    assert sql("SELECT count(*) AS n FROM artifact_tags")[0]["n"] == 3


async def test_lifecycle_patch(api):
    await create(api, id="L-1", content={"x": 1})
    await api("POST", "api/artifacts/L-1/versions", {"title": "two"})
    r = await api("PATCH", "api/artifacts/L-1/versions/1", {"lifecycle_state": "deprecated"})
    assert r.status == 200 and r.json["lifecycle_state"] == "deprecated" and r.json["deprecated_at"]
    before = r.json["content_hash"]
    r = await api("PATCH", "api/artifacts/L-1/versions/1",
                  {"lifecycle_state": "superseded", "superseded_by": "L-1@v2"})
    assert r.status == 200 and r.json["superseded_by"] == "L-1@v2" and r.json["content_hash"] == before
    r = await api("PATCH", "api/artifacts/L-1/versions/1", {"lifecycle_state": "active"})
    assert r.json["superseded_by"] is None and r.json["deprecated_at"] is None
    bad = [({"lifecycle_state": "gone"}, 400), ({"lifecycle_state": "active", "title": "x"}, 400),
           ({"content": {"x": 2}}, 400), ({"lifecycle_state": "retracted", "superseded_by": "L-1@v2"}, 400),
           ({"lifecycle_state": "superseded", "superseded_by": "nope@v1"}, 404),
           ({"lifecycle_state": "superseded", "superseded_by": "L-1@v1"}, 400)]
    for body, status in bad:
        r = await api("PATCH", "api/artifacts/L-1/versions/1", body)
        assert r.status == status, (body, r)
    v1 = (await api("GET", "api/artifacts/L-1@v1")).json
    assert v1["content"] == {"x": 1} and v1["lifecycle_state"] == "active"
    assert (await api("PATCH", "api/artifacts/L-1@v1/versions/1", {"lifecycle_state": "active"})).status == 400


async def test_links_resolve_exact_versions_and_record_steps(api, sql):
    await create(api, id="H-9")
    await create(api, id="P-9", artifact_type="paper")
    await api("POST", "api/artifacts/H-9/versions", {"title": "two"})
    r = await api("POST", "api/artifact-links", {"source": "H-9", "target": "P-9@v1", "link_type": "cites",
                                                 "strength": 0.8, "evidence": "Fig. 2", "agent_id": "ed-lein"})
    assert r.status == 201, r
    link = r.json
    assert link["source"] == "H-9@v2" and link["source_id"] == "H-9@v2"
    assert link["target"] == "P-9@v1" and link["target_id"] == "P-9" and link["processing_step_id"]
    r = await api("POST", "api/artifact-links", {"source": "H-9@v2", "target": "H-9@v1", "link_type": "derives_from"})
    assert r.status == 201
    steps = {str(s["id"]): s for s in sql("SELECT * FROM processing_steps")}
    cite = steps[link["processing_step_id"]]
    assert (cite["step_type"], cite["source_artifact_id"], cite["source_version_number"],
            cite["target_artifact_id"], cite["target_version_number"]) == ("cite", "P-9", 1, "H-9", 2)
    assert cite["parameters"]["link_type"] == "cites" and cite["parameters"]["evidence"] == "Fig. 2"
    assert cite["actor_id"] == "ed-lein"
    fork = steps[r.json["processing_step_id"]]
    assert fork["step_type"] == "fork"
    links = (await api("GET", "api/artifacts/H-9/links")).json
    assert len(links["outgoing"]) == 2 and len(links["incoming"]) == 1
    only_v1 = (await api("GET", "api/artifacts/H-9@v1/links")).json
    assert only_v1["outgoing"] == [] and len(only_v1["incoming"]) == 1
    assert len((await api("GET", "api/artifacts/P-9/links")).json["incoming"]) == 1
    for body, status in [({"source": "H-9", "target": "nope", "link_type": "cites"}, 404),
                         ({"source": "H-9", "target": "P-9", "link_type": "likes"}, 400),
                         ({"source": "H-9", "target": "H-9@v2", "link_type": "cites"}, 400),
                         ({"source": "H-9", "target": "P-9", "link_type": "cites", "strength": 2}, 400),
                         ({"source": "../x", "target": "P-9", "link_type": "cites"}, 400)]:
        r = await api("POST", "api/artifact-links", body)
        assert r.status == status, (body, r)
    assert sql("SELECT count(*) AS n FROM artifact_links")[0]["n"] == 2
    assert (await api("GET", "api/artifacts/nope/links")).status == 404


async def test_link_in_a_chamber_names_an_existing_chamber(api, sql):
    # Found by the state machine (issue 12): an unknown chamber_id was stored in the link's step (201).
    await create(api, id="H-7")
    await create(api, id="P-7", artifact_type="paper")
    link = {"source": "H-7", "target": "P-7", "link_type": "cites"}
    for chamber_id, status in [("00000000-0000-4000-8000-00000000dead", 404), ("-" * 36, 400)]:
        r = await api("POST", "api/artifact-links", {**link, "chamber_id": chamber_id})
        assert (r.status, r.json["reason"]) == (status, {404: "not_found", 400: "invalid"}[status]), r
    assert sql("SELECT count(*) AS n FROM artifact_links")[0]["n"] == 0
    assert sql("SELECT count(*) AS n FROM processing_steps")[0]["n"] == 0
    chamber = (await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"})).json["id"]
    r = await api("POST", "api/artifact-links", {**link, "chamber_id": chamber.upper()})
    assert r.status == 201, r
    assert sql("SELECT chamber_id::text AS c FROM processing_steps") == [{"c": chamber}]


async def test_link_strength_smaller_than_real_holds_is_stored_as_zero(api, sql):
    # Found by the state machine (issue 12): strength 1.5e-207 (inside 0..1) underflowed the REAL column (400).
    await create(api, id="H-6")
    await create(api, id="P-6", artifact_type="paper")
    for i, strength in enumerate((1.475903364514367e-207, 5e-324, 1e-40)):
        r = await api("POST", "api/artifact-links", {"source": "H-6", "target": "P-6", "link_type": "cites",
                                                     "strength": strength, "evidence": str(i)})
        assert r.status == 201, r
        assert r.json["strength"] == 0
    r = await api("POST", "api/artifact-links", {"source": "H-6", "target": "P-6", "link_type": "cites", "strength": 0.25})
    assert r.status == 201 and r.json["strength"] == 0.25
    rows = sql("SELECT l.strength, p.parameters->'strength' AS recorded FROM artifact_links l "
               "JOIN processing_steps p ON p.link_id = l.id ORDER BY l.id")
    assert [(x["strength"], x["recorded"]) for x in rows] == [(0, 0)] * 3 + [(0.25, 0.25)]


async def test_unknown_method_and_route(api):
    r = await api("DELETE", "api/artifacts/H-1")
    assert r.status == 405
    r = await api("GET", "api/artifacts/a/b/c/d")
    assert r.status == 404


@pytest.mark.parametrize("size", [17 * 1024 * 1024])
async def test_oversize_body_is_413(api, size):
    r = await api("POST", "api/artifacts", raw=b'{"artifact_type":"x","title":"' + b"a" * size + b'"}')
    assert r.status == 413 and r.json["reason"] == "too_large"
