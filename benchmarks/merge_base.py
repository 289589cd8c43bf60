"""Finding a merge's base (db/lineage.common_ancestor) as a notebook's history grows.

In the migrated schema, one notebook per size: N versions imported in bulk, where every
third version also merged an older one (a long-lived fork's work); the base sought between
the head and its parent, as a merge of fresh work would. Side by side in one run: the level-by-level walk at N = 100 and N = 800, and the
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
from jupyter_artifacts.db.migrate import apply_migrations  # noqa: E402

SIZES = (100, 200, 400, 800)
REPEAT = 7


async def history(conn, n: int) -> str:
    """Notebook `MB-<n>` in the migrated schema: N versions as a bulk import writes them (one
    statement, so their `created_at` ties), a chain of derives where every third version also
    merged an older one. Real histories merge less often; this is the shape where paths of
    many lengths reach each version, which is what made the old query grow."""
    nb = f"MB-{n}"
    await conn.execute("""
        INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, is_latest)
        SELECT %(nb)s || '-v' || k, %(nb)s, 'notebook', 'merge base benchmark', k, k = %(n)s
          FROM generate_series(1, %(n)s) k""", {"nb": nb, "n": n})
    rnd = random.Random(n)
    rows = [(nb, k - 1, nb, k, "derive", "manual-edit") for k in range(2, n + 1)]
    rows += [(nb, rnd.randint(1, k - 2), nb, k, "merge", "nbdime-merge") for k in range(3, n + 1, 3)]
    async with conn.cursor() as cur:
        await cur.executemany("""INSERT INTO processing_steps (source_artifact_id, source_version_number,
                                 target_artifact_id, target_version_number, step_type, method)
                                 VALUES (%s, %s, %s, %s, %s, %s)""", rows)
    await conn.execute("ANALYZE artifacts")
    await conn.execute("ANALYZE processing_steps")
    return nb


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
        await apply_migrations(conn)  # the real tables, indexes and triggers
        for n in SIZES:
            nb = await history(conn, n)
            args = {"la": nb, "lv": n, "ra": nb, "rv": n - 1, "max_depth": 1000, "kinds": lineage.CONTENT_STEPS}
            walk_ms[n] = await timed(lambda: lineage.common_ancestor(conn, (nb, n), (nb, n - 1), 1000))
            oracle = await timed(lambda: conn.execute(ORACLE, args))
            print(f"  {n:4} versions: walk {walk_ms[n]:7.2f} ms, recursive query {oracle:8.2f} ms", flush=True)
    ratio = walk_ms[SIZES[-1]] / walk_ms[SIZES[0]]
    print(f"merge base, walk at {SIZES[-1]} / at {SIZES[0]} versions: {ratio:.2f} (goal <= 2)")
    figure(f"merge base, {SIZES[-1]} / {SIZES[0]} versions of history", ratio, "<= 2", ratio <= 2,
           f"{walk_ms[SIZES[-1]]:.2f} vs {walk_ms[SIZES[0]]:.2f} ms")


if __name__ == "__main__":
    with database() as db_url:
        asyncio.run(main(db_url))
