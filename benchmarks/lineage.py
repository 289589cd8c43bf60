"""Benchmark: lineage cost against graph size, and the link backfill against a bare insert.

Prints, in one run (DESIGN.md's targets):
  1. lineage time for the same-shaped neighbourhood in a 1.35 M-step graph (times --scale)
     over the same in a 10 k-step graph                                    (goal <= 1.5)
  2. the same, right after `jupyter artifacts backfill` wrote the large graph's steps (the
     planner knew nothing of the table before; nothing else analyzes it)   (goal <= 1.5)
  3. throughput of `jupyter artifacts backfill` (its batches, parent steps and ANALYZE) over
     a bare INSERT ... SELECT of the same rows into an equally indexed table (goal >= 0.8)
  4. with --scale above 1: the large graph's tables on disk (pg_total_relation_size) per
     million steps

    python benchmarks/lineage.py [--scale 1] [--steps 1350000] [--small 10000]

`--scale 10` is DESIGN.md's 10x seed: 13.5 M steps, measured against the same 10 k-step small
graph. Uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (schemas of its own, dropped at the end) when
set, else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database  # noqa: E402
from report import figure  # noqa: E402

from jupyter_artifacts.db import lineage as store  # noqa: E402
from jupyter_artifacts.db.migrate import apply_migrations  # noqa: E402
from jupyter_artifacts.db.pool import Database  # noqa: E402
from jupyter_artifacts.models.lineage import LineageQuery  # noqa: E402
from jupyter_artifacts.services.lineage import LineageService  # noqa: E402

# The neighbourhood measured: 30 versions of 10 artifacts with chains, fan-in and fan-out,
# linked only among themselves, planted in both graphs.
PROBE = """
INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, parent_version_id, is_latest, recorded_by)
SELECT CASE WHEN v = 1 THEN 'probe-' || a ELSE 'probe-' || a || '@v' || v END, 'probe-' || a, 'hypothesis',
       'probe ' || a, v, CASE WHEN v = 1 THEN NULL WHEN v = 2 THEN 'probe-' || a ELSE 'probe-' || a || '@v' || (v - 1) END,
       v = 3, 'bench'
  FROM generate_series(0, 9) a, generate_series(1, 3) v;
INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id, target_version_number,
                              step_type, actor_type, actor_id, recorded_by, method)
SELECT 'probe-' || a, v, 'probe-' || a, v + 1, 'derive', 'agent', 'bench', 'bench', 'edit'
  FROM generate_series(0, 9) a, generate_series(1, 2) v
UNION ALL
SELECT 'probe-' || a, 3, 'probe-' || ((a + 1) % 10), 1, 'cite', 'agent', 'bench', 'bench', 'cite'
  FROM generate_series(0, 9) a
UNION ALL
SELECT 'probe-' || a, 2, 'probe-' || ((a * 3) % 10), 2, 'cite', 'agent', 'bench', 'bench', 'cite'
  FROM generate_series(0, 9) a;
"""

# Random legacy links between single-version artifacts (the bulk of a production graph).
BULK = """
INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, is_latest, content_hash)
SELECT 'art-' || i, 'art-' || i, 'paper', 'paper ' || i, 1, TRUE, 'h' || i FROM generate_series(1, %(artifacts)s) i;
INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, strength, evidence)
SELECT 'art-' || (1 + (i::bigint * 7919) %% %(artifacts)s), 'art-' || (1 + (i::bigint * 104729 + 13) %% %(artifacts)s),
       (ARRAY['cites', 'derives_from', 'supports', 'extends', 'contradicts'])[1 + i %% 5],
       (i %% 100) / 100.0, CASE WHEN i %% 3 = 0 THEN 'fig ' || i END
  FROM generate_series(1, %(links)s) i;
"""


# The same rows as jupyter_artifacts_link_steps() writes, with no check for existing steps.
BARE_INSERT = """
INSERT INTO bare_steps (source_artifact_id, source_version_number, target_artifact_id, target_version_number,
                        step_type, actor_type, method, parameters, link_id, created_at)
SELECT t.artifact_id, t.version_number, s.artifact_id, s.version_number,
       jupyter_artifacts_link_step_type(l.link_type, s.artifact_id = t.artifact_id), 'unknown', 'legacy_link',
       jsonb_build_object('link_type', l.link_type, 'strength', l.strength, 'evidence', l.evidence),
       l.id, l.created_at
  FROM artifact_links l
  JOIN artifacts s ON s.id = l.source_artifact_id
  JOIN artifacts t ON t.id = l.target_artifact_id
 WHERE s.version_number IS NOT NULL AND t.version_number IS NOT NULL
"""


async def _without_secondary_indexes(conn, tables: tuple[str, ...], load: str) -> None:
    """Run `load` with the tables' secondary indexes dropped, then build them again: a bulk
    load into random-keyed btrees costs far more than sorting once."""
    cur = await conn.execute("""
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
          FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relnamespace = to_regnamespace(current_schema())::oid AND t.relname = ANY(%s)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", (list(tables),))
    indexes = await cur.fetchall()
    for ix in indexes:
        await conn.execute(f"DROP INDEX {ix['name']}")
    await conn.execute(load)
    for ix in indexes:
        await conn.execute(ix["ddl"])


async def prepare(url: str, links: int) -> None:
    db = Database(url, auto_migrate=False)
    async with db.connection() as conn:
        await apply_migrations(conn)
        await conn.set_autocommit(True)
        await conn.execute("SET statement_timeout = 0")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        # Written as another service would before the extension arrived: no trigger runs
        # (no steps, no search rows: the rows are what lineage reads), set-based.
        await conn.execute("SET session_replication_role = replica")
        await _without_secondary_indexes(conn, ("artifacts", "artifact_links"),
                                         BULK % {"artifacts": max(links // 3, 10), "links": links})
        await conn.execute("SET session_replication_role = DEFAULT")
        await conn.execute(PROBE)
        await conn.execute("VACUUM ANALYZE")
    await db.close()


async def _forget_statistics(conn) -> None:
    """As right after the migration created processing_steps: the planner knows nothing of it
    (needs a superuser, as the local and the embedded servers are), and autovacuum stays away
    so that only the command's own statistics count."""
    await conn.execute("ALTER TABLE processing_steps SET (autovacuum_enabled = off)")
    await conn.execute("DELETE FROM pg_statistic WHERE starelid = 'processing_steps'::regclass")
    await conn.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = 'processing_steps'::regclass")


async def timed_backfill(url: str) -> tuple[float, float, int]:
    """(bare insert seconds, `jupyter artifacts backfill` seconds, link steps it wrote) on the
    same links; the command runs its own code path, on a table the planner knows nothing of."""
    db = Database(url, auto_migrate=False)
    async with db.connection() as conn:
        await conn.set_autocommit(True)
        await conn.execute("SET statement_timeout = 0")
        await conn.execute("CREATE TABLE bare_steps (LIKE processing_steps INCLUDING ALL)")
        await conn.execute("SELECT count(*) FROM artifact_links")  # warm the cache alike
        t0 = time.perf_counter()
        await conn.execute(BARE_INSERT)
        bare = time.perf_counter() - t0
        await conn.execute("DROP TABLE bare_steps")
        await conn.execute("CHECKPOINT")  # the bare insert's dirty pages are not the command's to write
        await _forget_statistics(conn)
    t0 = time.perf_counter()
    report = await LineageService(db).backfill()
    ours = time.perf_counter() - t0
    await db.close()
    return bare, ours, report.link_steps


async def table_sizes(url: str) -> dict[str, int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute("""
            SELECT t, pg_total_relation_size(t::regclass) FROM unnest(%s::text[]) t""",
                                 (["processing_steps", "artifact_links", "artifacts"],))
        return dict(await cur.fetchall())


async def timed_lineage(url: str, repeat: int) -> tuple[float, int]:
    db = Database(url, auto_migrate=False)
    service = LineageService(db)
    query = LineageQuery(direction="both", max_depth=5)
    times, edges = [], 0
    for _ in range(repeat + 2):
        t0 = time.perf_counter()
        graph = await service.lineage("probe-4@v2", query)
        times.append(time.perf_counter() - t0)
        edges = len(graph.edges)
    await db.close()
    return statistics.median(times[2:]), edges


def schema_url(base: str, name: str) -> str:
    from jupyter_artifacts.pytest_plugin import url_with_schema

    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        c.execute(f'CREATE SCHEMA "{name}"')
    return url_with_schema(base, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="the large graph is --steps times this")
    parser.add_argument("--steps", type=int, default=1_350_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    large_steps = args.steps * args.scale
    with database() as base:
        urls = {}
        try:
            for name, links in (("small", args.small), ("large", large_steps)):
                urls[name] = schema_url(base, f"ja_bench_lineage_{name}")
                t0 = time.perf_counter()
                asyncio.run(prepare(urls[name], links))
                print(f"{name}: {links:,} legacy links generated in {time.perf_counter() - t0:.1f} s", flush=True)
            backfill = {}
            for name in ("small", "large"):
                backfill[name] = asyncio.run(timed_backfill(urls[name]))
                print(f"{name}: backfilled in {backfill[name][1]:.1f} s (bare insert {backfill[name][0]:.1f} s)",
                      flush=True)
            # Right after the command, with only its statistics (autovacuum is off for the table).
            right_after = asyncio.run(timed_lineage(urls["large"], args.repeat))
            for url in urls.values():
                with psycopg.connect(url, autocommit=True) as c:
                    c.execute("ALTER TABLE processing_steps RESET (autovacuum_enabled)")
                    c.execute("ANALYZE processing_steps")  # as autovacuum would, in time
            results = {name: asyncio.run(timed_lineage(urls[name], args.repeat)) for name in ("small", "large")}
            sizes = asyncio.run(table_sizes(urls["large"]))
        finally:
            with psycopg.connect(base, autocommit=True) as c:
                for name in urls:
                    c.execute(f'DROP SCHEMA IF EXISTS "ja_bench_lineage_{name}" CASCADE')
    (small_t, small_e), (large_t, large_e) = results["small"], results["large"]
    bare, ours, rows = backfill["large"]
    large = f"{large_steps / 1e6:g} M-step"
    print(f"lineage of the probe (both ways, depth 5): {small_e} edges in the small graph, {large_e} in the large")
    print(f"  {args.small:>10,}-step graph  median {small_t * 1000:8.2f} ms")
    print(f"  {large_steps:>10,}-step graph  median {large_t * 1000:8.2f} ms")
    print(f"  ratio large / small                {large_t / small_t:8.3f}   (goal <= 1.5)")
    after_t, after_e = right_after
    print(f"right after `backfill` wrote the {large_steps:,} steps ({ours:.1f} s): {after_e} edges")
    print(f"  {large_steps:>10,}-step graph  median {after_t * 1000:8.2f} ms")
    print(f"  ratio right-after / small          {after_t / small_t:8.3f}   (goal <= 1.5)")
    print(f"`jupyter artifacts backfill` of {rows:,} legacy links: {ours:.1f} s ({rows / ours:,.0f} rows/s)")
    print(f"bare INSERT ... SELECT of the same rows into an equally indexed table: {bare:.1f} s ({rows / bare:,.0f} rows/s)")
    print(f"  throughput ratio backfill / bare   {bare / ours:8.3f}   (goal >= 0.8)")
    per_million = large_steps / 1e6
    print(f"disk of the {large} graph (pg_total_relation_size, per million steps):")
    for table, size in sizes.items():
        print(f"  {table:<18} {size / 2**20:10,.0f} MiB  {size / 2**20 / per_million:8,.1f} MiB per M steps")
    total = sum(sizes.values())
    print(f"  {'total':<18} {total / 2**20:10,.0f} MiB  {total / 2**20 / per_million:8,.1f} MiB per M steps")
    figure(f"lineage, {large} / 10 k-step graph", large_t / small_t, "<= 1.5", large_t / small_t <= 1.5,
           f"{large_t * 1000:.2f} ms vs {small_t * 1000:.2f} ms")
    figure(f"lineage right after backfill ({large}) / 10 k-step graph", after_t / small_t, "<= 1.5",
           after_t / small_t <= 1.5, f"{after_t * 1000:.2f} ms")
    figure(f"backfill / bare INSERT ... SELECT throughput ({large})", bare / ours, ">= 0.8", bare / ours >= 0.8,
           f"{rows:,} links in {ours:.1f} s")


if __name__ == "__main__":
    main()
