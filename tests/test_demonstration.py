"""The spec's acceptance test: a debate over pinned versions, a cell appended inside its
chamber, the union of what it looked at, the provenance hash, and NB-12's lineage.
Run over REST against a real server, PostgreSQL and kernel."""

from __future__ import annotations

import hashlib
import json

import pytest

from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.services import demo
from jupyter_artifacts.services.actors import Actor
from jupyter_artifacts.services.registry import Services

pytestmark = pytest.mark.slow


def canonical(x) -> bytes:
    return json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.fixture
def world(database_url, jp_asyncio_loop):
    """hypothesis-H-89@v3, paper-P-77@v1, persona ed-lein, NB-12@v2 (a legacy fork of v1)."""
    db = Database(database_url)
    jp_asyncio_loop.run_until_complete(demo.load_world(Services(db), Actor("user", "loader", "loader")))
    jp_asyncio_loop.run_until_complete(db.close())


async def test_demonstration_scenario(world, api, sql):
    r = await api("POST", "api/debates", {"target_artifact_id": "hypothesis-H-89@v3", "topic": "Does TREM2 loss raise plaque load?",
                                          "pull": [{"artifact_id": "paper-P-77"}, {"artifact_id": "ed-lein"}]})
    assert r.status == 201, r
    debate = r.json
    assert debate["target_artifact_version"] == 3 and debate["target_content_hash"].startswith("sha256:")
    sid, chamber = debate["id"], debate["chamber_id"]
    chamber_row = (await api("GET", f"api/chambers/{chamber}")).json
    assert chamber_row["purpose"] == "debate" and chamber_row["parent_session_id"] == sid

    speak = {"actor_type": "persona", "actor_id": "ed-lein"}
    r1 = await api("POST", f"api/debates/{sid}/rounds", {**speak, "prompt": demo.ROUNDS[0][0], "content": demo.ROUNDS[0][1]})
    assert r1.status == 201, r1
    assert {(x["artifact_id"], x["version_number"], x["role"]) for x in r1.json["referenced_artifacts"]} == {
        ("hypothesis-H-89", 3, "input"), ("paper-P-77", 1, "input"), ("paper-P-77", 1, "output"),
        ("hypothesis-H-89", 3, "output")}
    a = await api("POST", "api/notebooks/NB-12/cells", {
        "source": demo.DE_CELL, "execute": True, "actor_type": "persona", "actor_id": "ed-lein",
        "method": "differential-expression", "parameters": demo.DE_PARAMETERS, "parent_version": 2,
        "chamber_id": chamber, "rationale": "Test the hypothesis on the notebook's counts"})
    assert a.status == 201, a
    assert a.json["version_number"] == 3 and a.json["execution"]["status"] == "ok", a.json["execution"]
    assert any("TREM2: log2FC=" in o.get("text", "") for o in a.json["outputs"])
    for prompt, content in demo.ROUNDS[1:]:
        r = await api("POST", f"api/debates/{sid}/rounds", {**speak, "prompt": prompt, "content": content})
        assert r.status == 201, r
    round2 = (await api("GET", f"api/debates/{sid}")).json["rounds"][1]
    nb_ref = next(x for x in round2["referenced_artifacts"] if x["artifact_id"] == "NB-12")
    assert nb_ref["version_number"] == 3 and nb_ref["cited_at_offset_chars"] == demo.ROUNDS[1][1].index("NB-12@v3")
    closed = await api("POST", f"api/debates/{sid}/close", {"verdict": "supported; replicate"})
    assert closed.status == 200 and closed.json["num_rounds"] == 3

    union = (await api("GET", f"api/debate/{sid}/artifacts")).json
    assert union == (await api("GET", f"api/debates/{sid}/artifacts")).json
    assert [x["ref"] for x in union["artifacts"]] == ["NB-12@v3", "ed-lein@v1", "hypothesis-H-89@v3", "paper-P-77@v1"]
    roles = {x["ref"]: x["role"] for x in union["artifacts"]}
    assert roles == {"NB-12@v3": "workbench", "ed-lein@v1": "reference", "hypothesis-H-89@v3": "input",
                     "paper-P-77@v1": "reference"}
    # The session carries the chamber's provenance hash, recomputed here from the formula.
    pins = sql("SELECT artifact_id, version_number, content_hash, role FROM chamber_artifacts WHERE chamber_id = %s",
               (chamber,))
    entries = sorted(pins, key=lambda p: (p["artifact_id"], p["version_number"]))
    expected = "sha256:" + hashlib.sha256(canonical(entries)).hexdigest()
    assert closed.json["chamber_provenance_hash"] == expected == union["chamber_provenance_hash"]
    assert (await api("GET", f"api/chambers/{chamber}")).json["provenance_hash"] == expected
    for x in union["artifacts"]:  # every pinned hash is the version's own
        v = (await api("GET", f"api/artifacts/{x['ref']}")).json
        assert v["content_hash"] == x["content_hash"]

    lineage = (await api("GET", "api/artifacts/NB-12/lineage")).json
    edges = {(e["source"], e["target"]): e for e in lineage["edges"]}
    fork = edges[("NB-12@v1", "NB-12@v2")]
    assert (fork["step_type"], fork["method"], fork["actor_type"]) == ("fork", "legacy_link", "unknown")
    append = edges[("NB-12@v2", "NB-12@v3")]
    assert (append["step_type"], append["actor_type"], append["actor_id"], append["method"]) == (
        "cell_append", "persona", "ed-lein", "differential-expression")
    assert append["chamber_id"] == chamber and append["parameters"]["contrast"] == "AD vs control"
    assert append["parameters"]["fdr"] == 0.05 and append["parameters"]["rationale"]
    # The notebook the debate consumed carries the debate's input tag.
    assert f"debate-{sid}-input" in (await api("GET", "api/artifacts/NB-12@v3")).json["tags"]
    # Closed means closed.
    assert (await api("POST", f"api/debates/{sid}/rounds", {**speak, "content": "late"})).status == 409
    assert (await api("POST", f"api/chambers/{chamber}/pull", [{"artifact_id": "paper-P-77"}])).status == 409


def test_demo_command_loads_and_runs_the_scenario(tmp_path, database_url):
    from tests_helpers import run_cli

    r = run_cli(tmp_path, "demo", url=database_url)
    assert r.returncode == 0, r.stderr
    assert "provenance sha256:" in r.stdout
    again = run_cli(tmp_path, "demo", url=database_url)
    assert again.returncode != 0 and "empty" in again.stderr
    assert run_cli(tmp_path, "demo", "--if-empty", url=database_url).returncode == 0
    r = run_cli(tmp_path, "lineage", "NB-12@v3", "--direction", "ancestors", url=database_url)
    graph = json.loads(r.stdout)
    assert {(e["source"], e["target"], e["step_type"]) for e in graph["edges"]} == {
        ("NB-12@v1", "NB-12@v2", "fork"), ("NB-12@v2", "NB-12@v3", "cell_append")}


def test_a_closed_chamber_verifies_from_the_database_and_offline(tmp_path, database_url, sql):
    from tests_helpers import run_cli

    assert run_cli(tmp_path, "demo", url=database_url).returncode == 0
    chamber = sql("SELECT id::text AS id FROM chambers WHERE closed_at IS NOT NULL")[0]["id"]
    r = run_cli(tmp_path, "verify-chamber", chamber, url=database_url)
    assert r.returncode == 0 and "verified" in r.stdout, r.stderr
    bundle_path = tmp_path / "bundle.json"
    r = run_cli(tmp_path, "export-chamber", chamber, "--output", str(bundle_path), url=database_url)
    assert r.returncode == 0, r.stderr
    bundle = json.loads(bundle_path.read_text())
    assert len(bundle["pins"]) == 4 and all(p["version"]["content"] is not None for p in bundle["pins"])
    # Offline: no database configured at all.
    r = run_cli(tmp_path, "verify-chamber", str(bundle_path), url="postgresql://nobody@127.0.0.1:1/none")
    assert r.returncode == 0, r.stderr
    # A tampered bundle names the first pin that differs.
    nb = next(p for p in bundle["pins"] if p["artifact_id"] == "NB-12")
    nb["version"]["content"]["cells"][0]["source"] += "  # edited"
    bundle_path.write_text(json.dumps(bundle))
    r = run_cli(tmp_path, "verify-chamber", str(bundle_path))
    assert r.returncode == 1 and "NB-12@v3" in r.stderr
    assert run_cli(tmp_path, "verify-chamber", str(tmp_path / "missing.json")).returncode == 1
    open_chamber = sql("INSERT INTO chambers (name, purpose) VALUES ('o', 'debate') RETURNING id::text AS id")[0]["id"]
    r = run_cli(tmp_path, "export-chamber", open_chamber, url=database_url)
    assert r.returncode != 0 and "open" in r.stderr
