"""`jupyter artifacts migrate | status` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


def test_backfill_and_lineage_commands(tmp_path, legacy_database_url, sql):
    assert cli(tmp_path, "migrate", url=legacy_database_url).returncode == 0
    links = sql("SELECT id FROM artifact_links ORDER BY id")
    assert sql("SELECT count(*) AS n FROM processing_steps WHERE link_id IS NOT NULL")[0]["n"] == len(links) == 5
    r = cli(tmp_path, "backfill", url=legacy_database_url)
    assert r.returncode == 0 and "Created 0 link steps and 0 parent (fork) steps" in r.stdout, r.stderr
    # Steps lost (e.g. links written while no trigger existed) come back, once.
    sql("DELETE FROM processing_steps WHERE link_id = ANY(%s)", ([links[0]["id"], links[3]["id"]],))
    r = cli(tmp_path, "backfill", url=legacy_database_url)
    assert "Created 2 link steps" in r.stdout, r.stdout + r.stderr
    assert "Created 0 link steps" in cli(tmp_path, "backfill", url=legacy_database_url).stdout
    r = cli(tmp_path, "lineage", "hyp-7@v3", "--direction", "ancestors", "--max-depth", "2", url=legacy_database_url)
    assert r.returncode == 0, r.stderr
    graph = json.loads(r.stdout)
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {("hyp-7@v2", "hyp-7@v3"), ("hyp-7@v1", "hyp-7@v2")}
    r = cli(tmp_path, "lineage", "hyp-7", "--format", "prov-json", url=legacy_database_url)
    assert r.returncode == 0 and "wasGeneratedBy" in r.stdout, r.stderr
    r = cli(tmp_path, "lineage", "hyp-7", "--format", "dot", url=legacy_database_url)
    assert r.returncode == 0 and r.stdout.lstrip().startswith("digraph"), r.stdout[:200]
    for args in (["lineage", "hyp-7", "--max-depth", "99"], ["lineage", "nope"], ["lineage", "hyp-7", "--format", "svg"]):
        r = cli(tmp_path, *args, url=legacy_database_url)
        assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_a_restart_checks_new_links_cheaply(tmp_path, legacy_database_url, sql):
    assert cli(tmp_path, "migrate", url=legacy_database_url).returncode == 0
    # A link written while the trigger was off (as before the extension was installed) ...
    sql("ALTER TABLE artifact_links DISABLE TRIGGER jupyter_artifacts_foreign_links")
    sql("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) VALUES ('persona-ada', 'paper-31', 'cites')")
    sql("ALTER TABLE artifact_links ENABLE TRIGGER jupyter_artifacts_foreign_links")
    assert sql("SELECT count(*) AS n FROM processing_steps WHERE link_id IS NOT NULL")[0]["n"] == 5
    # ... gets its step from the next start (here: the next command that opens the store).
    assert cli(tmp_path, "status", url=legacy_database_url).returncode == 0
    assert sql("SELECT count(*) AS n FROM processing_steps WHERE link_id IS NOT NULL")[0]["n"] == 6
    assert cli(tmp_path, "status", url=legacy_database_url).returncode == 0
    assert sql("SELECT count(*) AS n FROM processing_steps")[0]["n"] == 6


def test_backfill_leaves_the_planner_statistics_current(tmp_path, legacy_database_url, sql):
    assert cli(tmp_path, "migrate", url=legacy_database_url).returncode == 0
    # Links written while the trigger was off (a restore, a bulk load): no steps yet.
    sql("ALTER TABLE artifact_links DISABLE TRIGGER jupyter_artifacts_foreign_links")
    sql("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) "
        "SELECT 'hyp-7', 'paper-31', 'cites' FROM generate_series(1, 5000)")
    sql("ALTER TABLE artifact_links ENABLE TRIGGER jupyter_artifacts_foreign_links")
    r = cli(tmp_path, "backfill", url=legacy_database_url)
    assert r.returncode == 0 and "Created 5000 link steps" in r.stdout, (r.stdout, r.stderr)
    count = sql("SELECT count(*) AS n FROM processing_steps")[0]["n"]
    assert sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass('processing_steps')")[0]["reltuples"] == count


# -- replay (API.md, "Replay") -----------------------------------------------------------------


@pytest.mark.slow
def test_every_version_of_the_demonstration_notebook_reproduces(tmp_path, database_url, sql):
    assert run_cli(tmp_path, "demo", url=database_url).returncode == 0
    r = run_cli(tmp_path, "replay", "NB-12@v1", "NB-12@v2", "NB-12@v3", url=database_url)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["NB-12@v1", "NB-12@v2", "NB-12@v3"]
    assert all(": reproduced (" in line and "python3" in line for line in lines[:3]), lines
    assert lines[3] == "3 of 3 versions reproduced."
    rows = sql("SELECT version_number, status, recorded_by FROM jupyter_artifacts_replays ORDER BY version_number")
    assert [(row["version_number"], row["status"]) for row in rows] == [(1, "reproduced"), (2, "reproduced"),
                                                                      (3, "reproduced")]
    # The debate's closed chamber pins NB-12@v3 (and no other notebook): replayed from its pins.
    chamber = sql("SELECT id::text FROM chambers WHERE closed_at IS NOT NULL")[0]["id"]
    r = run_cli(tmp_path, "replay", "--chamber", chamber, "--timeout", "300", url=database_url)
    assert r.returncode == 0 and r.stdout.startswith("NB-12@v3: reproduced ("), r.stdout + r.stderr
    assert sql("SELECT timeout_s FROM jupyter_artifacts_replays ORDER BY created_at DESC LIMIT 1")[0]["timeout_s"] == 300
    assert sql("SELECT count(*) AS n FROM artifacts WHERE artifact_id = 'NB-12'")[0]["n"] == 3  # no new version


@pytest.mark.slow
async def test_replay_exits_1_unless_every_version_reproduced(tmp_path, database_url, api, sql):
    cell = {"cell_type": "code", "id": "dice", "metadata": {}, "execution_count": None,
            "source": "import random\nprint(random.random())",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "0.5\n"}]}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    assert (await api("POST", "api/notebooks", {"id": "NB-R", "notebook": nb})).status == 201
    r = run_cli(tmp_path, "replay", "NB-R", url=database_url)
    assert r.returncode == 1 and r.stdout.startswith("NB-R@v1: differs in 1 of 1 code cells; first: cell 0"), r.stdout
    r = run_cli(tmp_path, "replay", "NB-R@v1", "--kernel", "no-such-kernel", url=database_url)
    assert r.returncode == 1 and "no-such-kernel" in r.stderr and "python3" in r.stderr
    r = run_cli(tmp_path, "replay", url=database_url)
    assert r.returncode == 1 and "--chamber" in r.stderr
    r = run_cli(tmp_path, "replay", "NOPE@v1", url=database_url)
    assert r.returncode == 1 and "NOPE" in r.stderr
    assert [row["status"] for row in sql("SELECT status FROM jupyter_artifacts_replays")] == ["differs"]
