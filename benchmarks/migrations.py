"""Benchmark: migrations on a 1 M-version database while another service keeps writing.

Builds a database in the legacy shape (tests/fixtures/legacy_schema.sql) with 1 M versions
(1 to 7 per artifact, titles, JSON metadata of a few hundred bytes, tags, links, notebooks with
cells, debates with rounds), starts a writer that appends a new version every ~15 ms the way an
older service does (demote the parent, insert the child with its number and parent; every fifth
also a link) on a connection of its own, timing each write, and meanwhile:
  1. adopts the database: applies migrations 0001-0014           (longest stall goal <= 1 s)
  2. upgrades it from 0014 to the latest migration, when there is one after 0014
                                                                  (longest stall goal <= 1 s)
Prints, for each, the longest write stall and the migration (and part) it happened in, the
migrations' total time and the writes done (DESIGN.md: "Migrations on a 1 M-version database
never stall a concurrent writer longer than 1 s").

    python benchmarks/migrations.py [--versions 1000000] [--interval-ms 15]

Uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (a schema of its own, dropped at the end) when set,
else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database  # noqa: E402
from report import figure  # noqa: E402

from jupyter_artifacts.db import migrate  # noqa: E402
from jupyter_artifacts.db.pool import Database  # noqa: E402
from jupyter_artifacts.errors import ArtifactsError  # noqa: E402

LEGACY_SCHEMA = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "legacy_schema.sql"
ADOPTED_UP_TO = 14  # the schema version the upgrade case starts from

# Artifact i has 1 + i % 7 versions (4 on average): 'a-<i>' is v1, 'a-<i>-v<n>' the others.
ARTIFACTS = """
INSERT INTO artifacts (id, artifact_type, title, metadata, content_hash, version_number, parent_version_id,
                       is_latest, version_tag, changelog, created_at)
SELECT CASE WHEN v = 1 THEN 'a-' || i ELSE 'a-' || i || '-v' || v END,
       (ARRAY['hypothesis', 'paper', 'dataset', 'persona', 'analysis'])[1 + i %% 5],
       'Artifact ' || i || ': ' || substr(md5(i::text), 1, 12) || ' in aged mice, revision ' || v,
       jsonb_build_object('statement', repeat(md5(i || '/' || v), 6), 'score', i %% 100, 'revision', v,
                          'keywords', jsonb_build_array('trem2', 'microglia', 'k' || (i %% 1000))),
       md5(i || '/' || v), v,
       CASE WHEN v = 1 THEN NULL WHEN v = 2 THEN 'a-' || i ELSE 'a-' || i || '-v' || (v - 1) END,
       v = 1 + i %% 7, CASE WHEN v = 1 + i %% 7 AND i %% 10 = 0 THEN 'reviewed' END, 'revision ' || v,
       timestamptz '2025-01-01' + make_interval(secs => i * 10 + v)
  FROM generate_series(%(lo)s::int, %(hi)s::int) i CROSS JOIN LATERAL generate_series(1, 1 + i %% 7) v
"""
LINKS = """
INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, strength, evidence)
SELECT 'a-' || (1 + (j::bigint * 7919) %% %(n)s), 'a-' || (1 + (j::bigint * 104729 + 13) %% %(n)s),
       (ARRAY['cites', 'derives_from', 'supports', 'extends', 'contradicts'])[1 + j %% 5],
       (j %% 100) / 100.0, CASE WHEN j %% 3 = 0 THEN 'figure ' || j END
  FROM generate_series(1, %(links)s::int) j
"""
NOTEBOOKS = """
INSERT INTO notebooks (id, title, ipynb_path) SELECT 'bench-nb-' || j, 'Notebook ' || j, 'nb/' || j || '.ipynb'
  FROM generate_series(1, %(notebooks)s::int) j;
INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, output)
SELECT 'bench-nb-' || j, c, CASE WHEN c %% 4 = 0 THEN 'markdown' ELSE 'code' END,
       'x_' || c || ' = load(' || j || ')' || repeat(' + 1', 20), CASE WHEN c %% 4 <> 0 THEN 'out ' || c END
  FROM generate_series(1, %(notebooks)s::int) j, generate_series(0, 9) c;
INSERT INTO debate_sessions (id, target_artifact_id, debate_type, started_at)
SELECT 'bench-deb-' || j, 'a-' || (1 + j * 37 %% %(n)s), 'review', timestamptz '2025-06-01' + make_interval(mins => j)
  FROM generate_series(1, %(debates)s::int) j;
INSERT INTO debate_rounds (session_id, round_number, persona_id, content)
SELECT 'bench-deb-' || j, r, 'persona-' || (r %% 3), 'round ' || r || ' of debate ' || j
  FROM generate_series(1, %(debates)s::int) j, generate_series(1, 3) r;
"""


def build(url: str, versions: int) -> int:
    """The legacy database; returns the number of artifacts."""
    n = max(1, versions // 4)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(LEGACY_SCHEMA.read_text())
        step = 50_000
        for lo in range(1, n + 1, step):
            conn.execute(ARTIFACTS, {"lo": lo, "hi": min(n, lo + step - 1)})
        conn.execute(LINKS, {"n": n, "links": versions // 5})
        for statement in NOTEBOOKS.split(";")[:-1]:
            conn.execute(statement, {"n": n, "notebooks": 500, "debates": 2000})
        conn.execute("VACUUM ANALYZE")
        total = conn.execute("SELECT count(*) FROM artifacts").fetchone()[0]
    print(f"legacy database: {total:,} versions of {n:,} artifacts, {versions // 5:,} links", flush=True)
    return n


class Phase(logging.Handler):
    """Which migration (and part) is running, from the runner's log."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.now = "start"

    def emit(self, record):
        text = record.getMessage()
        m = re.search(r"migration (\d{4})_(\w+)(: online part)?", text)
        if m:
            self.now = f"{m.group(1)}_{m.group(2)} ({'online' if m.group(3) else 'transaction'})"
        elif "after migrations" in text:
            self.now = "after migrations (ANALYZE, member grants)"


# The chains' latest versions as the writer left them (artifact number -> row id, version).
HEADS: dict[int, tuple[str, int]] = {}
RNG = random.Random(7)


async def writer(url: str, n: int, interval: float, stop: asyncio.Event, phase: Phase, out: list, errors: list):
    """An older service: appends versions to random chains, legacy style, each write timed."""
    rng, heads = RNG, HEADS
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            i = rng.randint(1, n)
            parent, v = heads.get(i) or ((f"a-{i}" if i % 7 == 0 else f"a-{i}-v{1 + i % 7}"), 1 + i % 7)
            k = len(out) + len(HEADS) + rng.randint(0, 10**9)
            child = f"w-{i}-{v + 1}-{k}"
            started, at = time.perf_counter(), phase.now
            try:
                async with conn.transaction():
                    await conn.execute("UPDATE artifacts SET is_latest = FALSE WHERE id = %s", (parent,))
                    await conn.execute(
                        "INSERT INTO artifacts (id, artifact_type, title, metadata, content_hash, version_number, "
                        "parent_version_id, is_latest) VALUES (%s, 'hypothesis', %s, %s, %s, %s, %s, TRUE)",
                        (child, f"Artifact {i}, revision {v + 1}", '{"statement": "appended by another service"}',
                         f"w{k}", v + 1, parent))
                    if k % 5 == 0:
                        await conn.execute("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, "
                                           "link_type) VALUES (%s, %s, 'cites')", (child, f"a-{rng.randint(1, n)}"))
                heads[i] = (child, v + 1)
            except psycopg.Error as e:
                errors.append(f"{at}: {str(e).strip().splitlines()[0]}")
            out.append((time.perf_counter() - started, at, phase.now))
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))


async def migrate_while_writing(url: str, n: int, interval: float, label: str) -> None:
    phase = Phase()
    logging.getLogger("jupyter_artifacts").addHandler(phase)
    logging.getLogger("jupyter_artifacts").setLevel(logging.INFO)
    stop, writes, errors = asyncio.Event(), [], []
    task = asyncio.create_task(writer(url, n, interval, stop, phase, writes, errors))
    await asyncio.sleep(2.0)  # the writer's steady state first
    db = Database(url, auto_migrate=False)
    started = time.perf_counter()
    failed = None
    try:
        async with db.connection() as conn:
            applied = await migrate.apply_migrations(conn)
    except (psycopg.Error, ArtifactsError) as e:  # a migration that fails beside a writer misses the goal
        failed, applied = f"{phase.now}: {type(e).__name__}: {e} ({e.__cause__})", []
    finally:
        took = time.perf_counter() - started
        await db.close()
        await asyncio.sleep(1.0)
        stop.set()
        await task
        logging.getLogger("jupyter_artifacts").removeHandler(phase)
    if failed:
        print(f"{label}: FAILED after {took:.1f} s in {failed}", flush=True)
        figure(f"migrations, {label}: longest write stall (s)", round(max(writes)[0], 3), "<= 1.0", False,
               f"the migrations failed after {took:.1f} s in {failed}")
        return
    if not applied:
        print(f"{label}: no migration to apply", flush=True)
        return
    worst, at, until = max(writes)
    where = at if at == until else f"{at} -> {until}"
    median = statistics.median(w[0] for w in writes) * 1000
    print(f"{label}: migrations {applied[0]:04d}-{applied[-1]:04d} took {took:.1f} s; {len(writes)} writes "
          f"(median {median:.1f} ms, {len(errors)} failed); longest {worst:.3f} s in {where}", flush=True)
    slow = sorted(writes, reverse=True)[:5]
    print("  slowest writes: " + "; ".join(f"{w:.3f} s in {a}" for w, a, _ in slow), flush=True)
    for e in errors[:5]:
        print(f"  failed write: {e}", flush=True)
    figure(f"migrations, {label}: longest write stall (s)", round(worst, 3), "<= 1.0", worst <= 1.0 and not errors,
           f"in {where}; migrations {applied[0]:04d}-{applied[-1]:04d} took {took:.1f} s; {len(writes)} writes, "
           f"median {median:.1f} ms, {len(errors)} failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--interval-ms", type=float, default=15.0)
    args = parser.parse_args()
    everything = migrate.available
    with database() as url:
        n = build(url, args.versions)
        # 1. Adoption up to 0014; 2. the upgrade from 0014 to the latest.
        migrate.available = lambda: [m for m in everything() if m.version <= ADOPTED_UP_TO]
        try:
            asyncio.run(migrate_while_writing(url, n, args.interval_ms / 1000, "adopting a legacy database"))
        finally:
            migrate.available = everything
        asyncio.run(migrate_while_writing(url, n, args.interval_ms / 1000, f"upgrading from {ADOPTED_UP_TO:04d}"))


if __name__ == "__main__":
    main()
