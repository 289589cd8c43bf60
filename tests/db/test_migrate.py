"""Migrations: fresh and adopted databases, idempotency, concurrency, anomalies, foreign writers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from jupyter_artifacts.db.migrate import apply_migrations, available, latest_version
from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.errors import MigrationFailed
from jupyter_artifacts.pytest_plugin import load_sql

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


async def migrate(url: str) -> list[int]:
    db = Database(url, auto_migrate=False)
    try:
        async with db.connection() as conn:
            return await apply_migrations(conn)
    finally:
        await db.close()


def report(sql) -> dict[str, dict]:
    return {(r["kind"], r["row_id"]): r for r in sql("SELECT * FROM jupyter_artifacts_adoption_report")}


async def test_fresh_database_migrates_once(database_url, sql):
    assert await migrate(database_url) == [m.version for m in available()]
    assert await migrate(database_url) == []
    rows = sql("SELECT version, name FROM jupyter_artifacts_schema_version ORDER BY version")
    assert [r["version"] for r in rows] == [m.version for m in available()]
    assert latest_version() == rows[-1]["version"]
    tables = {r["t"] for r in sql("SELECT table_name AS t FROM information_schema.tables "
                                  "WHERE table_schema = current_schema()")}
    assert {"artifacts", "artifact_tags", "artifact_links", "processing_steps", "notebooks", "notebook_cells",
            "chambers", "chamber_artifacts", "jupyter_artifacts_adoption_report"} <= tables


async def test_servers_starting_together_migrate_once(database_url, sql):
    results = await asyncio.gather(*(migrate(database_url) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, len(available())]
    assert sql("SELECT count(*) AS n FROM jupyter_artifacts_schema_version")[0]["n"] == len(available())


async def test_legacy_fixture_is_adopted_without_rewriting_data(legacy_database_url, sql):
    before = {r["id"]: r for r in sql("SELECT * FROM artifacts")}
    links_before = sql("SELECT * FROM artifact_links ORDER BY id")
    await migrate(legacy_database_url)
    after = {r["id"]: r for r in sql("SELECT * FROM artifacts")}
    assert after.keys() == before.keys() | {"nb-orphan"}  # the orphan notebook's new artifact
    for row_id, old in before.items():
        new = after[row_id]
        assert {k: new[k] for k in old} == old, row_id  # every legacy column as it was
    keys = {row_id: r["artifact_id"] for row_id, r in after.items()}
    assert keys == {
        "hyp-7": "hyp-7", "a3c1e0f2-0000-4000-8000-000000000002": "hyp-7",
        "a3c1e0f2-0000-4000-8000-000000000003": "hyp-7", "paper-31": "paper-31",
        "persona-ada": "persona-ada", "nb-legacy-1": "nb-legacy-1", "nb-legacy-1-v2": "nb-legacy-1",
        "nb-orphan": "nb-orphan"}
    assert sql("SELECT * FROM artifact_links ORDER BY id") == links_before
    # Only the notebooks' adoption is reported (tests/handlers/test_notebooks.py checks it).
    assert {(r["kind"], r["row_id"]) for r in sql("SELECT * FROM jupyter_artifacts_adoption_report")} == {
        ("notebook_adopted", "nb-legacy-1"), ("notebook_created", "nb-orphan")}
    assert await migrate(legacy_database_url) == []


async def test_anomalies_are_repaired_or_reported_never_fatal(legacy_database_url, sql):
    load_sql(legacy_database_url, FIXTURES / "legacy_anomalies.sql")
    await migrate(legacy_database_url)
    rows = {r["id"]: r for r in sql("SELECT * FROM artifacts")}
    rep = report(sql)
    # several latest: the highest version stays latest, the others are demoted and reported
    assert [rows[i]["is_latest"] for i in ("multi-1", "multi-2", "multi-3")] == [False, False, True]
    assert rep[("several_latest", "multi-1")]["repaired"] and ("several_latest", "multi-2") in rep
    assert rows["none-2"]["is_latest"] and rep[("no_latest", "none-2")]["repaired"]
    # duplicate version numbers: the first written keeps its place, the other is exempted
    assert not rows["dup-2a"]["adoption_exempt"] and rows["dup-2b"]["adoption_exempt"]
    assert rows["dup-2b"]["is_latest"]  # left as it was: the report lists it
    assert ("duplicate_version_number", "dup-2b") in rep
    assert rows["cyc-a"]["artifact_id"] == "cyc-a" and ("parent_cycle", "cyc-b") in rep
    assert rows["dangle"]["artifact_id"] == "dangle" and ("dangling_parent", "dangle") in rep
    assert ("missing_content_hash", "dangle") in rep and ("missing_content_hash", "nover") in rep
    assert ("missing_version_number", "nover") in rep
    assert ("duplicate_tag", "multi-2") in rep
    assert sql("SELECT version_id FROM artifact_tags WHERE tag = 'final'") == [{"version_id": "multi-3"}]
    assert any(k == "dangling_link_endpoint" for k, _ in rep)
    # Nothing was deleted or renumbered.
    assert rows["dup-2b"]["version_number"] == 2 and rows["nover"]["version_number"] is None
    # The constraints hold for everything else.
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql("INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number) "
            "VALUES ('multi-x', 'multi-1', 'dataset', 'x', 3)")
    assert await migrate(legacy_database_url) == []


async def test_foreign_writers_keep_the_invariants(legacy_database_url, sql):
    await migrate(legacy_database_url)
    # An older service appends v4 the way it always did: explicit number, parent row id.
    sql("""INSERT INTO artifacts (id, artifact_type, title, metadata, content_hash, version_number,
                                  parent_version_id, is_latest)
           VALUES ('b0000000-0000-4000-8000-000000000004', 'hypothesis', 'v4', '{}', 'h4', 4,
                   'a3c1e0f2-0000-4000-8000-000000000003', TRUE)""")
    # ... and one that names only the parent.
    sql("INSERT INTO artifacts (id, artifact_type, title, parent_version_id) "
        "VALUES ('hyp-7-fifth', 'hypothesis', 'v5', 'b0000000-0000-4000-8000-000000000004')")
    # ... and a brand-new artifact.
    sql("INSERT INTO artifacts (id, artifact_type, title) VALUES ('fresh-1', 'paper', 'new')")
    chain = sql("SELECT id, version_number, is_latest FROM artifacts WHERE artifact_id = 'hyp-7' "
                "ORDER BY version_number")
    assert [(r["version_number"], r["is_latest"]) for r in chain] == [
        (1, False), (2, False), (3, False), (4, False), (5, True)]
    assert sql("SELECT artifact_id, version_number, is_latest FROM artifacts WHERE id = 'fresh-1'") == [
        {"artifact_id": "fresh-1", "version_number": 1, "is_latest": True}]
    # Two foreign writers racing for the same version: the constraint rejects the second.
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql("INSERT INTO artifacts (id, artifact_type, title, version_number, parent_version_id) "
            "VALUES ('hyp-7-dup', 'hypothesis', 'dup', 5, 'b0000000-0000-4000-8000-000000000004')")
    assert sql("SELECT count(*) AS n FROM artifacts WHERE artifact_id = 'hyp-7' AND is_latest")[0]["n"] == 1


async def test_migration_errors_leave_nothing_half_done(database_url, sql, monkeypatch):
    from jupyter_artifacts.db import migrate as migrate_mod

    class Broken(migrate_mod.Migration):
        def sql(self):
            return "CREATE TABLE half_done (x int); SELECT 1/0;"

    good = migrate_mod.available()[0]
    monkeypatch.setattr(migrate_mod, "available", lambda: [good, Broken(99, "broken", "sql", "x.sql")])
    with pytest.raises(MigrationFailed, match="0099_broken failed and was rolled back: division by zero"):
        await migrate(database_url)
    assert sql("SELECT version FROM jupyter_artifacts_schema_version") == [{"version": 1}]
    assert sql("SELECT to_regclass('half_done') AS t") == [{"t": None}]


async def test_versions_written_by_the_extension_are_immutable(database_url, sql):
    from jupyter_artifacts.models.artifacts import CreateArtifact
    from jupyter_artifacts.services.actors import Actor
    from jupyter_artifacts.services.registry import Services

    db = Database(database_url)
    try:
        await Services(db).artifacts.create(CreateArtifact(id="I-1", artifact_type="paper", title="t",
                                                           content={"a": 1}), Actor("user", "u", "u"))
    finally:
        await db.close()
    for change in ("content = '{\"a\": 2}'", "title = 'other'", "content_hash = 'sha256:x'",
                   "version_number = 7", "metadata = '{\"k\": 1}'"):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="immutable"):
            sql(f"UPDATE artifacts SET {change} WHERE id = 'I-1'")
    sql("UPDATE artifacts SET lifecycle_state = 'retracted', is_latest = FALSE, version_tag = 'x' WHERE id = 'I-1'")
    # Legacy rows stay as their own writers treat them.
    sql("INSERT INTO artifacts (id, artifact_type, title) VALUES ('old-1', 'paper', 't')")
    sql("UPDATE artifacts SET title = 'retitled by an older service' WHERE id = 'old-1'")


def planner_rows(sql, table: str) -> float:
    """What the planner believes the table holds (-1: never analyzed)."""
    return sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", (table,))[0]["reltuples"]


async def test_migrations_leave_the_planner_statistics_current(legacy_database_url, sql):
    # A bulk of legacy links, as an older service left them: the migration's backfill writes
    # a step for each, and the planner must know about them when the migration returns.
    sql("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) "
        "SELECT 'hyp-7', 'paper-31', 'cites' FROM generate_series(1, 3000)")
    assert planner_rows(sql, "artifact_links") == -1  # never analyzed
    await migrate(legacy_database_url)
    for table in ("processing_steps", "artifact_links", "artifacts", "notebook_cells"):
        count = sql(f"SELECT count(*) AS n FROM {table}")[0]["n"]
        assert planner_rows(sql, table) == count, table
    assert sql("SELECT count(*) AS n FROM processing_steps")[0]["n"] > 3000


async def test_a_migration_reworked_after_it_was_applied_is_not_applied_again(database_url, sql):
    # Databases that applied a migration before its heavy part moved online (another checksum,
    # a .sql that became a .py) count it as applied: only the version number is compared.
    await migrate(database_url)
    sql("UPDATE jupyter_artifacts_schema_version SET checksum = 'an older text', name = name || '_as_it_was'")
    assert await migrate(database_url) == []


async def test_a_migration_that_never_gets_its_lock_stops_with_a_sentence(database_url, sql, monkeypatch):
    from jupyter_artifacts.db import migrate as migrate_mod
    from jupyter_artifacts.db import online

    await migrate(database_url)

    class Altering(migrate_mod.Migration):
        def sql(self):
            return "ALTER TABLE artifacts ADD COLUMN waited_for INT"

    everything = migrate_mod.available()
    monkeypatch.setattr(migrate_mod, "available", lambda: [*everything, Altering(999, "altering", "sql", "x.sql")])
    monkeypatch.setattr(online, "LOCK_TIMEOUT_MS", 50)
    monkeypatch.setattr(online, "RETRY_FOR_S", 0.5)
    with psycopg.connect(database_url) as reader:
        reader.execute("SELECT count(*) FROM artifacts")  # an open transaction holding ACCESS SHARE
        with pytest.raises(MigrationFailed, match="0999_altering stopped: a lock it needs was held by others"):
            await migrate(database_url)
    assert sql("SELECT max(version) AS v FROM jupyter_artifacts_schema_version")[0]["v"] == everything[-1].version
    assert await migrate(database_url) == [999]  # once the reader is gone
