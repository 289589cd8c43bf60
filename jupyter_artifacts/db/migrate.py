"""Numbered migrations under an advisory lock, recorded in a version table (docs/migrations.md).

Two servers starting together on one database is normal: the advisory lock makes the
second wait, then find nothing pending. Migrations live in `migrations/NNNN_name.sql`
(plain SQL) or `NNNN_name.py` (an `async def migrate(conn)` for work that needs Python).

Each migration is two parts. Its transaction (the .sql, or `migrate(conn)`) holds quick,
idempotent DDL only; it waits at most online.LOCK_TIMEOUT_MS for a lock, then rolls back and
tries again, so writers never queue behind it for long. Its online part, `async def
online(conn)` (in the .py, or in a `NNNN_name.py` beside a `NNNN_name.sql` that defines only
`online`), runs after that commit on the same connection in autocommit, still under the lock:
backfills in short batches, index builds CONCURRENTLY (jupyter_artifacts/db/online.py). The
version is recorded when both are done, so a crash in between runs both again next time.
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
from . import online as online_work
from . import roles

log = logging.getLogger("jupyter_artifacts")

VERSION_TABLE = "jupyter_artifacts_schema_version"
# Tables a migration may fill in bulk (backfills, adoption): analyzed after any migration ran,
# so the planner never meets millions of fresh rows with no statistics.
TABLES = ("artifacts", "artifact_tags", "artifact_links", "processing_steps", "notebooks", "notebook_cells",
          "chambers", "chamber_artifacts", "debate_sessions", "debate_rounds", "jupyter_artifacts_replays")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sql|py)$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    kind: str  # "sql" | "py"
    resource: str
    # A .py beside a .sql of the same name: it defines the migration's `online(conn)` only.
    online_resource: str | None = None

    def sql(self) -> str:
        return resources.files(__package__).joinpath("migrations", self.resource).read_text("utf-8")

    def module(self, resource: str | None = None):
        return importlib.import_module(f"{__package__}.migrations.{(resource or self.resource)[:-3]}")

    def online_part(self):
        """The migration's `online(conn)`, or None."""
        if self.online_resource is not None:
            mod = self.module(self.online_resource)
            if hasattr(mod, "migrate"):
                raise RuntimeError(f"{self.online_resource} sits beside {self.resource}: it may define online() only")
            return mod.online
        return getattr(self.module(), "online", None) if self.kind == "py" else None


def available() -> list[Migration]:
    by_version: dict[int, dict[str, str]] = {}
    names: dict[int, set[str]] = {}
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            v = int(m.group(1))
            by_version.setdefault(v, {})[m.group(3)] = entry.name
            names.setdefault(v, set()).add(m.group(2))
    if any(len(n) > 1 for n in names.values()):
        raise RuntimeError(f"two migrations share a number: {sorted(names.items())}")
    found = []
    for v, files in sorted(by_version.items()):
        name = next(iter(names[v]))
        if "sql" in files:
            found.append(Migration(v, name, "sql", files["sql"], files.get("py")))
        else:
            found.append(Migration(v, name, "py", files["py"]))
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
    # The session's timeouts are for requests. Waiting for another server's migrations, a long
    # index build, a batched backfill: none of them holds a writer back, so none is bounded.
    cur = await conn.execute("SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l")
    session = await cur.fetchone()
    await conn.execute("SELECT set_config('statement_timeout', '0', false), set_config('lock_timeout', '0', false)")
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
            except online_work.RETRYABLE as e:  # still refused after RETRY_FOR_S of stepping back
                raise MigrationFailed(f"Migration {m.version:04d}_{m.name} stopped: a lock it needs was held by "
                                      f"others for {online_work.RETRY_FOR_S:.0f} s ({str(e).strip().splitlines()[0]}); "
                                      "run `jupyter artifacts migrate` again when they are done") from e
            except psycopg.OperationalError:
                raise  # the database went away: the caller reports it as unavailable
            except psycopg.Error as e:
                raise MigrationFailed(f"Migration {m.version:04d}_{m.name} failed and was rolled back: "
                                      f"{str(e).strip().splitlines()[0]}") from e
            applied.append(m.version)
        if applied:
            log.info("jupyter_artifacts: after migrations: ANALYZE, member grants")
            await analyze(conn, TABLES)
            # A later migration's CREATE OR REPLACE FUNCTION resets what 0014 secured, and
            # its new tables need the members' grants. It re-creates triggers on the busy
            # tables: a short lock wait, retried, as a migration's transaction.
            await online_work.retrying("member grants", lambda: _short_locks(conn, roles.reapply))
    finally:
        if not conn.closed:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            await conn.execute("SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)",
                               (session["s"], session["l"]))
    return applied


async def _short_locks(conn: psycopg.AsyncConnection, work):
    await conn.execute("SELECT set_config('lock_timeout', %s, false)", (str(online_work.LOCK_TIMEOUT_MS),))
    try:
        return await work(conn)
    finally:
        if not conn.closed:
            await conn.execute("SELECT set_config('lock_timeout', '0', false)")


async def analyze(conn: psycopg.AsyncConnection, tables) -> None:
    """ANALYZE those of `tables` that exist in the current schema (statistics for the planner)."""
    cur = await conn.execute("SELECT t FROM unnest(%s::text[]) t WHERE to_regclass(t) IS NOT NULL", (list(tables),))
    present = [r["t"] for r in await cur.fetchall()]
    if present:
        await conn.execute("ANALYZE " + ", ".join(present))


async def _apply(conn: psycopg.AsyncConnection, m: Migration) -> None:
    online = m.online_part()
    # The checksum is a record for people; nothing compares it, so a migration whose heavy part
    # moved online (or whose .sql became a .py) still matches databases that applied it before.
    checksum = hashlib.sha256(m.sql().encode()).hexdigest() if m.kind == "sql" else "py"

    async def transaction() -> None:
        async with conn.transaction():
            # A lock not granted at once rolls back and retries (online.retrying): writers never
            # queue behind this transaction's lock requests for long.
            await conn.execute(f"SET LOCAL lock_timeout = {int(online_work.LOCK_TIMEOUT_MS)}")
            if m.kind == "sql":
                await conn.execute(m.sql())
            else:
                await m.module().migrate(conn)
            if online is None:
                await _record(conn, m, checksum)

    await online_work.retrying(f"migration {m.version:04d}", transaction)
    if online is not None:
        log.info("jupyter_artifacts: migration %04d_%s: online part", m.version, m.name)
        try:
            await online(conn)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as e:
            raise MigrationFailed(f"Migration {m.version:04d}_{m.name} failed in its online part (what it did is "
                                  f"kept; `jupyter artifacts migrate` completes it): "
                                  f"{str(e).strip().splitlines()[0]}") from e
        await _record(conn, m, checksum)


async def _record(conn: psycopg.AsyncConnection, m: Migration, checksum: str) -> None:
    await conn.execute(f"INSERT INTO {VERSION_TABLE} (version, name, checksum) VALUES (%s, %s, %s)",
                       (m.version, m.name, checksum))
