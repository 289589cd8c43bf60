"""`jupyter artifacts migrate | status` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests_helpers import run_cli

from jupyter_artifacts.pytest_plugin import load_sql

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cli(tmp_path, *args, url=None, extra_env=None):
    return run_cli(tmp_path, *args, url=url, extra_env=extra_env)


def test_migrate_then_status_shows_the_adoption_report(tmp_path, legacy_database_url):
    load_sql(legacy_database_url, FIXTURES / "legacy_anomalies.sql")
    r = cli(tmp_path, "migrate", url=legacy_database_url)
    assert r.returncode == 0, r.stderr
    assert "Applied migrations 0001" in r.stdout
    r = cli(tmp_path, "migrate", url=legacy_database_url)
    assert r.returncode == 0 and "Nothing to do" in r.stdout
    r = cli(tmp_path, "status", url=legacy_database_url)
    assert r.returncode == 0, r.stderr
    assert "database: ok (external" in r.stdout
    assert "[repaired] several_latest: artifacts multi-1" in r.stdout
    assert "[left] duplicate_version_number: artifacts dup-2b" in r.stdout
    r = cli(tmp_path, "status", "--json", url=legacy_database_url)
    data = json.loads(r.stdout)
    assert data["status"]["database"]["schema_version"] >= 1
    assert {e["kind"] for e in data["adoption_report"]} >= {"several_latest", "parent_cycle", "dangling_parent"}


def test_configuration_file_is_read_like_the_server(tmp_path, database_url):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "jupyter_server_config.json").write_text(
        json.dumps({"JupyterArtifactsApp": {"database_url": database_url}}))
    r = cli(tmp_path, "migrate")
    assert r.returncode == 0, r.stderr
    assert "Applied migrations" in r.stdout


def test_unreachable_database_is_one_sentence_and_nonzero(tmp_path):
    r = cli(tmp_path, "status", url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
            extra_env={})
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("jupyter artifacts status:"), r.stderr


def test_no_subcommand_is_an_error(tmp_path):
    r = cli(tmp_path)
    assert r.returncode != 0 and "migrate" in r.stderr


def test_export_writes_any_notebook_version(tmp_path, legacy_database_url):
    r = cli(tmp_path, "export", "nb-legacy-1@v2", url=legacy_database_url)
    assert r.returncode == 0, r.stderr
    nb = json.loads(r.stdout)
    assert [c["id"] for c in nb["cells"]] == ["legacy-0", "legacy-1", "legacy-2"]
    assert nb["metadata"]["jupyter_artifacts"] == {"artifact_id": "nb-legacy-1", "version_number": 2,
                                                   "content_hash": "n2"}
    out = tmp_path / "orphan.html"
    r = cli(tmp_path, "export", "nb-orphan", "--format", "html", "--output", str(out), url=legacy_database_url)
    assert r.returncode == 0, r.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    for args in (["export", "nb-legacy-1@v1"], ["export", "hyp-7"], ["export", "nb-orphan", "--format", "pdf"],
                 ["export"]):
        r = cli(tmp_path, *args, url=legacy_database_url)
        assert r.returncode != 0 and "Traceback" not in r.stderr and r.stderr.strip(), (args, r.stderr)
