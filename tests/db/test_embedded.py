"""The embedded default: no database configured, a private PostgreSQL in the data dir,
reused across restarts by the server and the command line alike."""

from __future__ import annotations

import pytest

from tests_helpers import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def pgdata(tmp_path_factory):
    return tmp_path_factory.mktemp("embedded") / "pgdata"


@pytest.fixture
def artifacts_config(pgdata):
    return {"database_url": None, "embedded_data_dir": str(pgdata)}


async def test_embedded_server_is_started_and_reused(api, pgdata, tmp_path):
    # The command line starts it first (and stops it when it exits) ...
    r = run_cli(tmp_path, "migrate", f"--JupyterArtifactsApp.embedded_data_dir={pgdata}")
    assert r.returncode == 0, r.stderr
    assert (pgdata / "PG_VERSION").exists()
    # ... then the server starts it again on the same data, already migrated.
    status = (await api("GET", "api/jupyter_artifacts/status")).json
    assert status["database"]["ok"] and status["database"]["embedded"] is True
    assert status["database"]["schema_version"] >= 1
    assert (await api("POST", "api/artifacts", {"id": "E-1", "artifact_type": "paper", "title": "t"})).status == 201
    # While the server runs, the command line attaches to the same PostgreSQL.
    r = run_cli(tmp_path, "status", f"--JupyterArtifactsApp.embedded_data_dir={pgdata}")
    assert r.returncode == 0, r.stderr
    assert "database: ok (embedded" in r.stdout
    assert (await api("GET", "api/artifacts/E-1")).status == 200
