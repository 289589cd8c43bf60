"""Online migrations (docs/migrations.md): a migration's online part commits batch by batch,
builds indexes concurrently, never queues a writer behind a lock for long, and completes after
a crash half-way with the same end state as an uninterrupted run and no INVALID index left."""

from __future__ import annotations

import asyncio
import importlib

import psycopg
import pytest
from psycopg.rows import dict_row
from test_migrate import migrate
from tests_helpers import granted_member

from jupyter_artifacts.db import online
from jupyter_artifacts.db.migrate import VERSION_TABLE
from jupyter_artifacts.errors import MigrationPending, Unavailable
from jupyter_artifacts.pytest_plugin import LEGACY_SCHEMA, fresh_schema, load_sql

CORE = importlib.import_module("jupyter_artifacts.db.migrations.0001_core")
SEARCH = importlib.import_module("jupyter_artifacts.db.migrations._search_online")

# Legacy rows beyond the fixture's: 300 artifacts of 1 to 3 versions, tags, links, debates.
BULK = """
INSERT INTO artifacts (id, artifact_type, title, metadata, content_hash, version_number, parent_version_id,
                       is_latest, version_tag, created_at)
SELECT CASE WHEN v = 1 THEN 'b-' || i ELSE 'b-' || i || '-v' || v END, 'hypothesis', 'bulk ' || i || ' rev ' || v,
       jsonb_build_object('statement', 'claim ' || i), 'h' || i || '.' || v, v,
       CASE WHEN v = 1 THEN NULL WHEN v = 2 THEN 'b-' || i ELSE 'b-' || i || '-v' || (v - 1) END,
       v = 1 + i % 3, CASE WHEN v = 1 + i % 3 AND i % 7 = 0 THEN 'final' END,
       timestamptz '2026-01-01' + make_interval(mins => i * 10 + v)
  FROM generate_series(1, 300) i CROSS JOIN LATERAL generate_series(1, 1 + i % 3) v;
INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, created_at)
SELECT 'b-' || i, 'b-' || (1 + (i * 37) % 300), CASE WHEN i % 2 = 0 THEN 'cites' ELSE 'derives_from' END,
       timestamptz '2026-02-01' + make_interval(mins => i)
  FROM generate_series(1, 200) i;
INSERT INTO debate_sessions (id, target_artifact_id, debate_type, started_at)
SELECT 'bulk-deb-' || i, 'b-' || i, 'review', timestamptz '2026-03-01' + make_interval(mins => i)
  FROM generate_series(1, 40) i;
"""


def legacy(url: str, tables: bool = False) -> None:
    """The bulk rows (and, when `tables`, the legacy fixture first) in the schema of `url`."""
    if tables:
        load_sql(url, LEGACY_SCHEMA)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BULK)


def query(url: str, q: str, params=None) -> list[dict]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        cur = conn.execute(q, params)
        return cur.fetchall() if cur.description else []


def state(url: str) -> dict:
    """What the migrations leave, comparable across schemas (no generated ids or clock times)."""
    schema = query(url, "SELECT current_schema() AS s")[0]["s"]
    rows = {
        "versions": "SELECT version, name FROM jupyter_artifacts_schema_version ORDER BY version",
        "artifacts": "SELECT id, artifact_id, version_number, is_latest, adoption_exempt, content_hash, version_tag, "
                     "content FROM artifacts ORDER BY id",
        "tags": "SELECT artifact_id, tag, version_id FROM artifact_tags ORDER BY 1, 2",
        "steps": "SELECT source_artifact_id, source_version_number, target_artifact_id, target_version_number, "
                 "step_type, method, link_id FROM processing_steps ORDER BY 1, 2, 3, 4, 5, 6, 7",
        "report": "SELECT kind, table_name, row_id, artifact_id, detail, repaired FROM jupyter_artifacts_adoption_report "
                  "ORDER BY 1, 2, 3",
        "cells": "SELECT notebook_id, cell_index, notebook_artifact_id, cell_id, canonical FROM notebook_cells "
                 "ORDER BY 1, 2",
        "debates": "SELECT id, target_artifact_version, target_content_hash, pinning_note, num_rounds "
                   "FROM debate_sessions ORDER BY id",
        "search": "SELECT id, head::text, doc::text, whole::text FROM jupyter_artifacts_search ORDER BY id",
        "words": "SELECT word FROM jupyter_artifacts_search_words ORDER BY word",
        "indexes": "SELECT c.relname AS name, replace(pg_get_indexdef(i.indexrelid), %(s)s || '.', '') AS def, "
                   "i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                   "WHERE c.relnamespace = to_regnamespace(%(s)s) ORDER BY 1",
        "constraints": "SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def, convalidated "
                       "FROM pg_constraint WHERE connamespace = to_regnamespace(%(s)s) ORDER BY 1, 2",
        "not_null": "SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'artifacts'::regclass "
                    "AND attnum > 0 AND NOT attisdropped ORDER BY attname",
    }
    return {name: query(url, q, {"s": schema}) for name, q in rows.items()}


def invalid_indexes(url: str) -> list[str]:
    return [r["relname"] for r in query(url, """
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE NOT i.indisvalid AND c.relnamespace = to_regnamespace(current_schema())""")]


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 40 rows, so the bulk above takes several of each kind."""
    monkeypatch.setattr(CORE, "BATCH", 40)
    monkeypatch.setattr(SEARCH, "BATCH", 40)
    for name in ("0005_backfill_steps", "0006_chambers_debates", "0023_search_words"):
        monkeypatch.setattr(importlib.import_module(f"jupyter_artifacts.db.migrations.{name}"), "BATCH", 40)


@pytest.fixture
def hook():
    """Install an online.after_batch hook for the test."""
    installed = []

    def install(fn):
        online.after_batch.append(fn)
        installed.append(fn)

    yield install
    for fn in installed:
        online.after_batch.remove(fn)


@pytest.mark.parametrize("crash_after_version", [0, 7, 11, 22])
async def test_a_migration_killed_in_its_online_part_completes_on_the_next_run(
        crash_after_version, artifacts_server_url, legacy_database_url, small_batches, hook):
    legacy(legacy_database_url)
    calls = []

    async def kill_second_batch(conn):
        # In the online part of the migration after `crash_after_version`: its second batch.
        done = query(legacy_database_url, f"SELECT max(version) AS v FROM {VERSION_TABLE}")[0]["v"] or 0
        if done == crash_after_version:
            calls.append(done)
            if len(calls) == 2:
                query(legacy_database_url, "SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))

    hook(kill_second_batch)
    with pytest.raises((Unavailable, psycopg.OperationalError)):
        await migrate(legacy_database_url)
    assert len(calls) == 2
    # Stopped half-way: the migration is not recorded, part of its work is committed.
    versions = [r["version"] for r in query(legacy_database_url, f"SELECT version FROM {VERSION_TABLE}")]
    assert max(versions, default=0) == crash_after_version
    if crash_after_version == 0:
        keyed = query(legacy_database_url, "SELECT count(*) FILTER (WHERE artifact_id IS NULL) AS todo, "
                                           "count(artifact_id) AS done FROM artifacts")[0]
        assert keyed["todo"] > 0 and keyed["done"] > 0

    assert await migrate(legacy_database_url) != []
    assert invalid_indexes(legacy_database_url) == []
    with fresh_schema(artifacts_server_url) as uninterrupted:
        legacy(uninterrupted, tables=True)
        await migrate(uninterrupted)
        assert state(legacy_database_url) == state(uninterrupted)
    assert await migrate(legacy_database_url) == []


async def test_batches_commit_one_by_one_and_writers_go_on_between_them(legacy_database_url, small_batches, hook):
    legacy(legacy_database_url)
    seen = []

    async def write_between_batches(conn):
        if seen or query(legacy_database_url, f"SELECT max(version) AS v FROM {VERSION_TABLE}")[0]["v"]:
            return  # once, during 0001's lineage keys (before the first migration is recorded)
        with psycopg.connect(legacy_database_url, autocommit=True, row_factory=dict_row) as other:
            progress = other.execute("SELECT count(*) FILTER (WHERE artifact_id IS NULL) AS todo, "
                                     "count(artifact_id) AS done FROM artifacts").fetchone()
            if progress["done"] == 0:
                return
            # What earlier batches wrote is committed and unlocked: a writer that waits at most
            # 50 ms for a lock updates it and appends to a chain the batches have not reached.
            other.execute("SET lock_timeout = '50ms'")
            keyed = other.execute("SELECT id FROM artifacts WHERE artifact_id IS NOT NULL ORDER BY id LIMIT 1").fetchone()
            other.execute("UPDATE artifacts SET lifecycle_state = lifecycle_state WHERE id = %s", (keyed["id"],))
            with other.transaction():
                other.execute("UPDATE artifacts SET is_latest = FALSE WHERE id = 'b-298-v2'")
                other.execute("""INSERT INTO artifacts (id, artifact_type, title, version_number, parent_version_id,
                                                        is_latest) VALUES ('b-298-v3', 'hypothesis', 'appended', 3,
                                                        'b-298-v2', TRUE)""")
            seen.append(progress)

    hook(write_between_batches)
    await migrate(legacy_database_url)
    assert len(seen) == 1 and seen[0]["todo"] > 0  # the write happened half-way through the keys
    chain = query(legacy_database_url, "SELECT id, artifact_id, version_number, is_latest FROM artifacts "
                                       "WHERE id LIKE 'b-298%%' ORDER BY version_number")
    assert chain == [{"id": "b-298", "artifact_id": "b-298", "version_number": 1, "is_latest": False},
                     {"id": "b-298-v2", "artifact_id": "b-298", "version_number": 2, "is_latest": False},
                     {"id": "b-298-v3", "artifact_id": "b-298", "version_number": 3, "is_latest": True}]


@pytest.fixture
def concurrent_builds(monkeypatch):
    monkeypatch.setattr(online, "CONCURRENT_ABOVE_BYTES", 0)


@pytest.fixture
def quiet_database_url(embedded_pgdata):
    """A PostgreSQL of the test's own: a concurrent index build waits for every older transaction
    of its database, and on a shared test server other tests' (or benchmarks') can last minutes."""
    from jupyter_artifacts.db import embedded

    server, url = embedded.start(embedded_pgdata)
    try:
        with fresh_schema(url) as schema_url:
            yield schema_url
    finally:
        embedded.stop(server)


async def test_an_index_build_lets_writers_insert_while_it_waits(quiet_database_url, concurrent_builds):
    database_url = quiet_database_url
    query(database_url, "CREATE TABLE busy (id INT PRIMARY KEY, word TEXT)")
    with psycopg.connect(database_url) as open_tx:
        open_tx.execute("INSERT INTO busy VALUES (1, 'one')")  # a transaction that stays open
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            build = asyncio.create_task(online.create_index(conn, "busy_word_idx", "ON busy (word)"))
            # The build waits for the open transaction to end ...
            for _ in range(200):
                waiting = query(database_url, """
                    SELECT count(*) AS n FROM pg_stat_activity
                     WHERE pid = %s AND wait_event_type = 'Lock' AND query ILIKE 'CREATE INDEX CONCURRENTLY%%'""",
                                (conn.info.backend_pid,))[0]["n"]
                if waiting:
                    break
                await asyncio.sleep(0.05)
            assert waiting
            # ... and meanwhile a writer that waits at most 100 ms for a lock inserts.
            with psycopg.connect(database_url, autocommit=True) as writer:
                writer.execute("SET lock_timeout = '100ms'")
                writer.execute("INSERT INTO busy VALUES (2, 'two')")
            open_tx.commit()
            await build
    assert query(database_url, "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = 'busy_word_idx'::regclass") \
        == [{"indisvalid": True}]


async def test_ddl_waiting_for_a_lock_steps_back_so_writers_do_not_queue(database_url, monkeypatch):
    monkeypatch.setattr(online, "LOCK_TIMEOUT_MS", 100)
    query(database_url, "CREATE TABLE busy (id INT PRIMARY KEY)")
    with psycopg.connect(database_url) as reader:
        reader.execute("SELECT * FROM busy")  # holds ACCESS SHARE until it commits
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            alter = asyncio.create_task(online.ddl(conn, "ALTER TABLE busy ADD COLUMN extra TEXT"))
            await asyncio.sleep(0.5)  # several attempts, each given up after 100 ms
            assert not alter.done()
            # A writer arriving meanwhile is never queued behind the ALTER for long.
            for i in range(5):
                with psycopg.connect(database_url, autocommit=True) as writer:
                    writer.execute("SET lock_timeout = '1s'")
                    writer.execute("INSERT INTO busy VALUES (%s)", (i,))
            reader.commit()
            await alter
    assert query(database_url, "SELECT count(*) AS n FROM busy") == [{"n": 5}]
    assert query(database_url, "SELECT to_regclass('busy') IS NOT NULL AS t, "
                                "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'busy'::regclass "
                                "AND attname = 'extra') AS added") == [{"t": True, "added": True}]


@pytest.mark.parametrize("concurrently", [False, True])
async def test_an_invalid_index_left_by_a_crash_is_rebuilt(concurrently, request, monkeypatch):
    # The concurrent build on a server of its own (see quiet_database_url).
    legacy_database_url = request.getfixturevalue("quiet_database_url" if concurrently else "database_url")
    load_sql(legacy_database_url, LEGACY_SCHEMA)
    query(legacy_database_url, "ALTER TABLE artifacts ADD COLUMN artifact_id TEXT")
    # A concurrent build that failed leaves its index behind, INVALID, under the name 0001 uses.
    with pytest.raises(psycopg.errors.UniqueViolation):
        query(legacy_database_url, "CREATE UNIQUE INDEX CONCURRENTLY artifacts_lineage_idx ON artifacts (artifact_type)")
    assert invalid_indexes(legacy_database_url) == ["artifacts_lineage_idx"]
    if concurrently:
        # The build a big table gets (each concurrent build waits for every older transaction of
        # the database, so here only the one index rather than the whole migration).
        monkeypatch.setattr(online, "CONCURRENT_ABOVE_BYTES", 0)
        async with await psycopg.AsyncConnection.connect(legacy_database_url, autocommit=True) as conn:
            await online.create_index(conn, "artifacts_lineage_idx", "ON artifacts (artifact_id, version_number)")
    else:
        await migrate(legacy_database_url)
    assert invalid_indexes(legacy_database_url) == []
    assert query(legacy_database_url, "SELECT pg_get_indexdef('artifacts_lineage_idx'::regclass) AS d")[0]["d"] \
        .endswith("USING btree (artifact_id, version_number)")


@pytest.fixture
def member(database_url, jp_asyncio_loop):
    with granted_member(database_url, jp_asyncio_loop) as role:
        yield role


async def test_a_member_role_still_cannot_migrate(member, sql, hook):
    ran = []

    async def record(conn):
        ran.append(conn)

    hook(record)
    latest = sql(f"SELECT max(version) AS v FROM {VERSION_TABLE}")[0]["v"]
    sql(f"UPDATE {VERSION_TABLE} SET version = -version WHERE version = %s", (latest,))  # now one is pending
    try:
        with pytest.raises(MigrationPending,
                           match=f"at version {latest - 1} and this server needs version {latest}: the owner"):
            await migrate(member.url)
    finally:
        sql(f"UPDATE {VERSION_TABLE} SET version = -version WHERE version = %s", (-latest,))
    assert ran == []  # no online part ran
