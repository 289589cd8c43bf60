"""Finding a merge's base (db/lineage.common_ancestor) as a notebook's history grows.

A chain of N versions where every third version also merged an older one (a long-lived
fork's work), the base sought between the head and its parent, as a merge of fresh work
would. Side by side in one run: the level-by-level walk at N = 100 and N = 800, and the
recursive query it replaced (which kept a row per version and depth). Goal: the walk at
800 versions costs at most twice what it costs at 100 (it reads back to the base, not the
history).

    python benchmarks/merge_base.py

Uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (a fresh schema in it) when set, else an
embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "db"))
from append import database, median_ms  # noqa: E402
from report import figure  # noqa: E402
from test_common_ancestor import ORACLE  # noqa: E402  (the replaced query, kept by its test)

from jupyter_artifacts.db import lineage  # noqa: E402

SIZES = (100, 200, 400, 800)
REPEAT = 7


async def history(conn, n: int) -> None:
    """Only the two tables the walk reads, in their own schema."""
    await conn.execute("DROP SCHEMA IF EXISTS merge_base_bench CASCADE")
    await conn.execute("CREATE SCHEMA merge_base_bench")
    await conn.execute("SET search_path = merge_base_bench")
    await conn.execute("""CREATE TABLE processing_steps (source_artifact_id text, source_version_number int,
                          target_artifact_id text, target_version_number int, step_type text)""")
    await conn.execute("CREATE INDEX ON processing_steps (target_artifact_id, target_version_number)")
    await conn.execute("""CREATE TABLE artifacts (artifact_id text, version_number int, artifact_type text,
                          adoption_exempt bool, created_at timestamptz)""")
    await conn.execute("CREATE INDEX ON artifacts (artifact_id, version_number)")
    await conn.execute("""INSERT INTO artifacts SELECT 'NB', k, 'notebook', false, now() + make_interval(secs => k)
                          FROM generate_series(1, %s) k""", (n,))
    rnd = random.Random(42)
    rows = [("NB", k - 1, "NB", k, "derive") for k in range(2, n + 1)]
    rows += [("NB", rnd.randint(1, k - 2), "NB", k, "merge") for k in range(3, n + 1, 3)]
    async with conn.cursor() as cur:
        await cur.executemany("INSERT INTO processing_steps VALUES (%s, %s, %s, %s, %s)", rows)
    await conn.execute("ANALYZE")


async def timed(work) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return median_ms(times)


async def main(url: str) -> None:
    walk_ms: dict[int, float] = {}
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for n in SIZES:
            await history(conn, n)
            args = {"la": "NB", "lv": n, "ra": "NB", "rv": n - 1, "max_depth": 1000,
                    "kinds": lineage.CONTENT_STEPS}
            walk_ms[n] = await timed(lambda: lineage.common_ancestor(conn, ("NB", n), ("NB", n - 1), 1000))
            oracle = await timed(lambda: conn.execute(ORACLE, args))
            print(f"  {n:4} versions: walk {walk_ms[n]:7.2f} ms, recursive query {oracle:8.2f} ms", flush=True)
        await conn.execute("DROP SCHEMA merge_base_bench CASCADE")
    ratio = walk_ms[SIZES[-1]] / walk_ms[SIZES[0]]
    print(f"merge base, walk at {SIZES[-1]} / at {SIZES[0]} versions: {ratio:.2f} (goal <= 2)")
    figure(f"merge base, {SIZES[-1]} / {SIZES[0]} versions of history", ratio, "<= 2", ratio <= 2,
           f"{walk_ms[SIZES[-1]]:.2f} vs {walk_ms[SIZES[0]]:.2f} ms")


if __name__ == "__main__":
    with database() as db_url:
        asyncio.run(main(db_url))
