"""The OpenAPI document tells the truth (DESIGN.md, "Invariants"): schemathesis, on a real server
holding the demonstration data, finds no server error, no undocumented status code or content
type, and no reply that breaks its schema, for valid and invalid inputs alike."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests_helpers import JupyterServer, run_cli

pytestmark = pytest.mark.slow

HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Examples per operation and phase: enough to reach every branch of the contract, few enough
# for `make test` (SCHEMATHESIS_MAX_EXAMPLES raises it for a longer run).
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


def with_real_ids(doc: dict, ids: dict[str, str]) -> dict:
    """The server's own document, each path parameter given an example that exists in its
    database, so that generated requests reach the rules and not only the 404s."""
    for path, ops in doc["paths"].items():
        for op in ops.values():
            for param in op["parameters"]:
                if param["in"] != "path":
                    continue
                name = param["name"]
                if name == "ref":
                    value = ids["notebook"] if path.startswith("/api/notebooks") else ids["artifact"]
                else:
                    value = ids[name]
                param["schema"] = {**param["schema"], "examples": [value]}
    return doc


def start_job(server: JupyterServer, notebook: str) -> str:
    """An executed cell append sent with `Prefer: respond-async`: the id of its job."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    conn.request("POST", f"/api/notebooks/{notebook}/cells", body=json.dumps({"source": "print(1)", "execute": True}),
                 headers={"Authorization": f"token {server.token}", "Content-Type": "application/json",
                          "Prefer": "respond-async"})
    reply = conn.getresponse()
    body = json.loads(reply.read())
    conn.close()
    assert reply.status == 202, body
    return body["job_id"]


def test_schemathesis_finds_nothing(tmp_path, database_url):
    r = run_cli(tmp_path, "demo", url=database_url)
    assert r.returncode == 0, r.stderr
    with JupyterServer(tmp_path, database_url, "--JupyterArtifactsApp.cell_timeout=5") as server:
        status, chamber = server.call("POST", "/api/chambers", {"name": "open for schemathesis",
                                                                "purpose": "experiment_design"})
        assert status == 201
        status, debate = server.call("POST", "/api/debates", {"target_artifact_id": "hypothesis-H-89",
                                                              "topic": "open for schemathesis"})
        assert status == 201
        status, replay = server.call("POST", "/api/notebooks/NB-12/versions/2/replay", {})
        assert status == 202, replay
        ids = {"artifact": "hypothesis-H-89@v2", "notebook": "NB-12", "n": "2", "cid": chamber["id"],
               "session_id": debate["id"], "persona_id": "ed-lein", "job_id": start_job(server, "NB-12"),
               "replay_id": replay["replay_id"]}
        status, doc = server.call("GET", "/api/jupyter_artifacts/openapi.json")
        assert status == 200
        schema = tmp_path / "openapi.json"
        schema.write_text(json.dumps(with_real_ids(doc, ids)))
        env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
        st = Path(sys.executable).with_name("st")
        run = subprocess.run(
            [str(st), "run", str(schema), "--url", f"http://127.0.0.1:{server.port}",
             "-H", f"Authorization: token {server.token}",
             "--phases", "examples,coverage,fuzzing", "--mode", "all", "--checks", CHECKS,
             "--max-examples", str(MAX_EXAMPLES), "--workers", "1", "--request-timeout", "60",
             # A fixed seed: the same inputs every run. Unseeded, 1 run in 4 today stopped on a generator
             # error of its own ("Cannot generate an array with 1 demanded elements", merge-preview's body).
             "--seed", os.environ.get("SCHEMATHESIS_SEED", "20261206"),
             "--no-shrink", "--report", "junit", "--report-dir", str(tmp_path / "report")],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, f"schemathesis found problems:\n{run.stdout[:20000]}\n{run.stderr[-3000:]}"
    # It really ran: every phase, every operation, thousands of requests.
    assert "Tested:" in run.stdout, run.stdout[-3000:]
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in run.stdout, run.stdout[-3000:]
