"""Migration 0024 and db/type_counts.py: the latest versions of each type (`GET
/api/artifact-types`) kept as deltas by triggers on the search table, exact through every way a
latest version comes and goes, concurrent writers and compactions, and the migration of a
database that already has rows."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers"))
from test_migrate import migrate
from test_search_across import create, register


def counted(sql) -> dict[str, int]:
    """The truth: the search table's rows by type."""
    return {r["artifact_type"]: r["n"] for r in sql(
        "SELECT artifact_type, count(*) AS n FROM jupyter_artifacts_search WHERE artifact_type IS NOT NULL "
        "GROUP BY artifact_type")}


async def served(api) -> dict[str, int]:
    r = await api("GET", "api/artifact-types")
    assert r.status == 200, r
    return {t["artifact_type"]: t["count"] for t in r.json["types"]}


def deltas(sql) -> int:
    return sql("SELECT count(*) AS n FROM jupyter_artifacts_type_counts")[0]["n"]


async def test_the_counts_follow_every_way_a_latest_version_comes_and_goes(api, sql):
    assert await served(api) == {}
    for i in range(3):
        await create(api, f"H-{i}", "h")
    await create(api, "P-1", "p", artifact_type="paper")
    await register(api, "NB-1", "n", "x = 1")
    assert (await api("POST", "api/notebooks/NB-1/cells", {"source": "y = 2"})).status == 201
    assert (await api("POST", "api/artifacts/H-0/versions", {"title": "again"})).status == 201
    assert await served(api) == counted(sql) == {"hypothesis": 3, "paper": 1, "notebook": 1}

    # Another service's bulk insert: 3,000 versions of 3 types in one statement (one delta a type).
    sql("""INSERT INTO artifacts (id, artifact_type, title, version_number)
           SELECT 'bulk-' || i, (ARRAY['dataset', 'paper', 'persona'])[1 + i % 3], 'bulk', 1
             FROM generate_series(1, 3000) i""")
    assert await served(api) == counted(sql) == {"hypothesis": 3, "paper": 1001, "notebook": 1, "dataset": 1000,
                                                 "persona": 1000}
    # Their next versions, as another service writes them: the heads demoted, the versions added.
    sql("UPDATE artifacts SET is_latest = false WHERE id IN (SELECT 'bulk-' || i FROM generate_series(1, 1200) i)")
    sql("""INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, parent_version_id)
           SELECT 'bulk-' || i || '@v2', 'bulk-' || i, (ARRAY['dataset', 'paper', 'persona'])[1 + i % 3], 'b', 2,
                  'bulk-' || i FROM generate_series(1, 1200) i""")
    assert await served(api) == counted(sql)
    # Versions deleted (their artifacts gone): the rows of the search table go with them.
    sql("DELETE FROM artifacts WHERE artifact_id LIKE 'bulk-%' AND artifact_id > 'bulk-2'")
    assert await served(api) == counted(sql)
    assert counted(sql)["persona"] < 1000
    # A row whose type is written anew (the refresh's upsert writes it; a repair by hand).
    sql("UPDATE jupyter_artifacts_search SET artifact_type = 'analysis' WHERE id = 'P-1'")
    assert (await served(api))["analysis"] == 1
    assert await served(api) == counted(sql)


async def test_deltas_are_folded_as_they_accumulate(api, sql):
    assert await served(api) == {}  # (the server has migrated the schema)
    for i in range(1100):  # a statement per version: a delta each
        sql("INSERT INTO artifacts (id, artifact_type, title, version_number) VALUES (%s, %s, 't', 1)",
            (f"A-{i}", "dataset" if i % 2 else "paper"))
    assert await served(api) == counted(sql) == {"dataset": 550, "paper": 550}
    # 1,100 deltas written, folded at the 1,024th: what is left is the fold's rows and the ones after.
    assert deltas(sql) < 100
    assert sql("SELECT jupyter_artifacts_type_counts_compact() AS n")[0]["n"] > 0
    assert deltas(sql) == 2
    assert await served(api) == counted(sql)


async def test_a_refresh_after_a_load_with_triggers_off_counts_its_rows(api, sql):
    await create(api, "H-1", "h")
    # As README's "After loading rows with triggers off" has it: the versions come in bare, the
    # refresh writes their search rows (the type counts' triggers on).
    sql("SET session_replication_role = replica")
    sql("""INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, is_latest)
           SELECT 'L-' || i, 'L-' || i, 'dataset', 'loaded', 1, true FROM generate_series(1, 40) i""")
    sql("SET session_replication_role = origin")
    assert await served(api) == {"hypothesis": 1}
    sql("SELECT jupyter_artifacts_search_refresh()")
    assert await served(api) == counted(sql) == {"hypothesis": 1, "dataset": 40}


async def test_truncating_the_versions_clears_the_counts(api, sql):
    await create(api, "H-1", "h")
    sql("TRUNCATE artifacts CASCADE")
    assert await served(api) == counted(sql) == {}
    await create(api, "H-2", "h")
    assert await served(api) == {"hypothesis": 1}


async def test_concurrent_writers_and_compactions_keep_the_counts_exact(api, sql, database_url):
    assert await served(api) == {}  # (the server has migrated the schema)
    async def writer(k: int) -> None:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            for i in range(60):
                async with conn.transaction(force_rollback=i % 10 == 7):  # some never commit
                    await conn.execute(
                        "INSERT INTO artifacts (id, artifact_type, title, version_number) VALUES (%s, %s, 't', 1)",
                        (f"W{k}-{i}", ("paper", "dataset", "persona")[(k + i) % 3]))
                    if i % 5 == 4:  # and a next version of an earlier one
                        await conn.execute("UPDATE artifacts SET is_latest = false WHERE id = %s", (f"W{k}-{i - 1}",))
                        await conn.execute("""
                            INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number,
                                                   parent_version_id)
                            VALUES (%s, %s, %s, 't', 2, %s)""",
                            (f"W{k}-{i - 1}@v2", f"W{k}-{i - 1}", ("paper", "dataset", "persona")[(k + i - 1) % 3],
                             f"W{k}-{i - 1}"))

    async def compactor() -> int:
        folded = 0
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            for _ in range(40):
                async with conn.transaction():
                    folded += (await (await conn.execute("SELECT jupyter_artifacts_type_counts_compact()")).fetchone())[0]
                    await asyncio.sleep(0.005)  # holding its rows while the others write and fold
        return folded

    results = await asyncio.gather(*(writer(k) for k in range(4)), compactor(), compactor())
    assert sum(results[4:]) > 0
    truth = counted(sql)
    assert sum(truth.values()) == 4 * (60 - 6)  # i % 10 == 7 rolled back: 6 of 60
    assert await served(api) == truth


async def test_a_compaction_never_waits_for_another(api, sql, database_url):
    for i in range(3):
        await create(api, f"H-{i}", "h")
    async with await psycopg.AsyncConnection.connect(database_url) as first:
        await first.execute("SELECT jupyter_artifacts_type_counts_compact()")  # its rows held until it ends
        await create(api, "D-1", "d", artifact_type="dataset")
        # (A lock wait would end in an error here, not in a slower pass.)
        sql("SET lock_timeout = '2s'")
        assert sql("SELECT jupyter_artifacts_type_counts_compact() AS n")[0]["n"] == 1  # D-1's delta only
        await first.commit()
    assert await served(api) == counted(sql) == {"hypothesis": 3, "dataset": 1}


async def test_the_migration_counts_the_rows_written_before_it(api, sql, database_url):
    for i in range(5):
        await create(api, f"H-{i}", "h")
    await create(api, "D-1", "d", artifact_type="dataset")
    # As a database migrated up to 0023 is: no deltas for its rows, 0024 not recorded.
    sql("DELETE FROM jupyter_artifacts_type_counts")
    sql("DELETE FROM jupyter_artifacts_schema_version WHERE version >= 24")
    assert await served(api) == {}
    assert 24 in await migrate(database_url)
    assert await served(api) == counted(sql) == {"hypothesis": 5, "dataset": 1}
    assert sql("SELECT jupyter_artifacts_type_counts_reconcile() AS n")[0]["n"] == 0  # a second run adds nothing


async def test_reconciling_beside_a_writer_counts_its_row_once(api, sql, database_url):
    for i in range(3):
        await create(api, f"H-{i}", "h")
    sql("DELETE FROM jupyter_artifacts_type_counts")  # rows from before the triggers
    # A writer's transaction open while the reconciling statement runs: its row and its delta
    # commit together after that statement's snapshot, so neither is counted twice.
    async with await psycopg.AsyncConnection.connect(database_url) as writer:
        await writer.execute(
            "INSERT INTO artifacts (id, artifact_type, title, version_number) VALUES ('H-9', 'hypothesis', 'h', 1)")
        assert sql("SELECT jupyter_artifacts_type_counts_reconcile() AS n")[0]["n"] == 1
        await writer.commit()
    assert await served(api) == counted(sql) == {"hypothesis": 4}


async def test_an_adopted_database_is_counted(legacy_database_url):
    await migrate(legacy_database_url)
    with psycopg.connect(legacy_database_url, autocommit=True) as conn:
        truth = dict(conn.execute(
            "SELECT artifact_type, count(*) FROM jupyter_artifacts_search WHERE artifact_type IS NOT NULL "
            "GROUP BY 1").fetchall())
        kept = dict(conn.execute(
            "SELECT artifact_type, sum(latest) FROM jupyter_artifacts_type_counts GROUP BY 1 "
            "HAVING sum(latest) > 0").fetchall())
    assert truth, "the legacy fixture has versions"
    assert kept == truth
