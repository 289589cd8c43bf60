"""Numbered, transactional migrations under an advisory lock, recorded in a version table.

Two servers starting together on one database is normal: the advisory lock makes the
second wait, then find nothing pending. Migrations live in `migrations/NNNN_name.sql`
(plain SQL) or `NNNN_name.py` (an `async def migrate(conn)` for work that needs Python).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from ..errors import MigrationFailed, MigrationPending
from . import roles

log = logging.getLogger("jupyter_artifacts")

VERSION_TABLE = "jupyter_artifacts_schema_version"
# Tables a migration may fill in bulk (backfills, adoption): analyzed after any migration ran,
# so the planner never meets millions of fresh rows with no statistics.
TABLES = ("artifacts", "artifact_tags", "artifact_links", "processing_steps", "notebooks", "notebook_cells",
          "chambers", "chamber_artifacts", "debate_sessions", "debate_rounds")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sql|py)$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    kind: str  # "sql" | "py"
    resource: str

    def sql(self) -> str:
        return resources.files(__package__).joinpath("migrations", self.resource).read_text("utf-8")


def available() -> list[Migration]:
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), m.group(3), entry.name))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def latest_version() -> int:
    return available()[-1].version


async def _lock_key(conn: psycopg.AsyncConnection) -> int:
    # One lock per schema, so separate schemas (tests, tenants) migrate independently.
    cur = await conn.execute(
        "SELECT hashtextextended('jupyter_artifacts:migrate:' || current_schema(), 0) AS k")
    return (await cur.fetchone())["k"]


async def current_version(conn: psycopg.AsyncConnection) -> int | None:
    cur = await conn.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (VERSION_TABLE,))
    if not (await cur.fetchone())["present"]:
        return None
    cur = await conn.execute(f"SELECT max(version) AS v FROM {VERSION_TABLE}")
    return (await cur.fetchone())["v"]


async def apply_migrations(conn: psycopg.AsyncConnection) -> list[int]:
    """Apply every pending migration; returns the versions applied (empty when up to date).
    Pending migrations that this role may not apply (a member role's) are a MigrationPending."""
    was_autocommit = conn.autocommit
    if not was_autocommit:
        await conn.rollback()
        # Each migration is its own transaction block; the session-level lock spans them.
        await conn.set_autocommit(True)
    try:
        # Up to date: nothing to do, not even CREATE (a member role has no CREATE).
        done = await current_version(conn)
        if done is not None and done >= latest_version():
            return []
        blocker = await roles.migration_blocker(conn, done, latest_version())
        if blocker:
            raise MigrationPending(blocker)
        return await _apply_pending(conn)
    finally:
        if not was_autocommit and not conn.closed:
            await conn.set_autocommit(False)


async def _apply_pending(conn: psycopg.AsyncConnection) -> list[int]:
    applied: list[int] = []
    key = await _lock_key(conn)
    await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        async with conn.transaction():
            await conn.execute(f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
        done = await current_version(conn) or 0
        for m in available():
            if m.version <= done:
                continue
            log.info("jupyter_artifacts: applying migration %04d_%s", m.version, m.name)
            try:
                await _apply(conn, m)
            except psycopg.OperationalError:
                raise  # the database went away: the caller reports it as unavailable
            except psycopg.Error as e:
                raise MigrationFailed(f"Migration {m.version:04d}_{m.name} failed and was rolled back: "
                                      f"{str(e).strip().splitlines()[0]}") from e
            applied.append(m.version)
        if applied:
            await analyze(conn, TABLES)
            # A later migration's CREATE OR REPLACE FUNCTION resets what 0014 secured, and
            # its new tables need the members' grants.
            await roles.reapply(conn)
    finally:
        if not conn.closed:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
    return applied


async def analyze(conn: psycopg.AsyncConnection, tables) -> None:
    """ANALYZE those of `tables` that exist in the current schema (statistics for the planner)."""
    cur = await conn.execute("SELECT t FROM unnest(%s::text[]) t WHERE to_regclass(t) IS NOT NULL", (list(tables),))
    present = [r["t"] for r in await cur.fetchall()]
    if present:
        await conn.execute("ANALYZE " + ", ".join(present))


async def _apply(conn: psycopg.AsyncConnection, m: Migration) -> None:
    async with conn.transaction():
        # Backfills may take long on a large database; the session's timeouts are
        # for requests, not for this.
        await conn.execute("SET LOCAL statement_timeout = 0")
        await conn.execute("SET LOCAL lock_timeout = 0")
        if m.kind == "sql":
            text = m.sql()
            await conn.execute(text)
            checksum = hashlib.sha256(text.encode()).hexdigest()
        else:
            mod = importlib.import_module(f"{__package__}.migrations.{m.resource[:-3]}")
            await mod.migrate(conn)
            checksum = "py"
        await conn.execute(
            f"INSERT INTO {VERSION_TABLE} (version, name, checksum) VALUES (%s, %s, %s)",
            (m.version, m.name, checksum))
