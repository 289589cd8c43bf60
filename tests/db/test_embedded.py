"""The embedded default: no database configured, a private PostgreSQL in the data dir,
reused across restarts by the server and the command line alike."""

from __future__ import annotations

import pytest

from tests_helpers import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def pgdata(embedded_pgdata):
    return embedded_pgdata


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


@pytest.mark.parametrize("existing_mode", [None, 0o755])
def test_lock_directory_is_private_so_platformdirs_stays_quiet(tmp_path, existing_mode, pgdata):
    """A fresh temp dir (or one an older release left at 0755): importing the embedded server
    and starting it emits no warning at all, RuntimeDirWarning included."""
    import os
    import subprocess
    import sys

    tmp = tmp_path / "tmp"
    tmp.mkdir(mode=0o700)
    if existing_mode is not None:
        (tmp / f"jupyter_artifacts-{os.getuid()}").mkdir(mode=existing_mode)
        os.chmod(tmp / f"jupyter_artifacts-{os.getuid()}", existing_mode)
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR",) and not k.startswith("JUPYTER")}
    env["TMPDIR"] = str(tmp)
    code = ("from jupyter_artifacts.db import embedded\n"
            f"server, uri = embedded.start({str(pgdata)!r})\n"
            "embedded.stop(server)\nprint('started', uri.startswith('postgresql://'))")
    r = subprocess.run([sys.executable, "-W", "error", "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "started True", r.stderr[-2000:]
    assert "Warning" not in r.stderr, r.stderr[-2000:]
    private = tmp / f"jupyter_artifacts-{os.getuid()}"
    for d in (private, private / "python_PostgresServer"):
        assert d.stat().st_mode & 0o777 == 0o700, oct(d.stat().st_mode)


def test_command_line_on_a_fresh_machine_prints_no_warning(tmp_path, pgdata):
    tmp = tmp_path / "tmp"
    tmp.mkdir(mode=0o700)
    r = run_cli(tmp_path, "status", f"--JupyterArtifactsApp.embedded_data_dir={pgdata}",
                extra_env={"TMPDIR": str(tmp), "PYTHONWARNINGS": "error::Warning"})
    assert r.returncode == 0, r.stderr
    assert "Warning" not in r.stderr and "warn" not in r.stderr.lower(), r.stderr
    assert "database: ok (embedded" in r.stdout
