"""The online part of a migration (docs/migrations.md): work on a big database that other
servers and services keep writing, without holding any of them back for long (DESIGN.md: a
migration never stalls a concurrent writer longer than 1 s).

A migration's `online(conn)` runs on the migrating connection in autocommit, after its
transaction committed, under the migration lock, before the version is recorded; a crash
half-way runs it again from the start, so everything here is safe to repeat:

* `create_index`: CREATE INDEX CONCURRENTLY IF NOT EXISTS (writers go on while it builds),
  after dropping an INVALID index of that name that an interrupted build left;
* `batches`: a statement that processes one batch, repeated, each run its own short
  transaction, until it reports 0 rows (`keyed_batches`: the same, walking a key range);
* `drop_index`: DROP INDEX CONCURRENTLY IF EXISTS (an index that no query uses any more);
* `ddl`: a short DDL statement (ALTER TABLE, CREATE TRIGGER ...) in its own transaction with a
  short `lock_timeout`, retried: while a DDL statement waits for its lock every writer of that
  table queues behind it, so it waits briefly, steps back and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable

import psycopg
from psycopg import errors

log = logging.getLogger("jupyter_artifacts")

# How long a statement here (and a migration's transaction) waits for a lock before it steps
# back: writers that arrive meanwhile queue behind the waiting statement.
LOCK_TIMEOUT_MS = 200
# How long a statement keeps stepping back and retrying before the migration fails.
RETRY_FOR_S = 600.0
# Indexes on tables smaller than this are built in one short transaction (a plain build holds
# writers of the table back while it runs: well under a second at this size): a concurrent
# build waits for every older transaction of the database and scans twice, which a small table
# does not need (a test database, a new deployment).
CONCURRENT_ABOVE_BYTES = 2 * 1024 * 1024
# Test hook: awaited with the connection after every committed batch (e.g. to crash a
# migration half-way through its online part and show that the next run completes it).
after_batch: list[Callable[[psycopg.AsyncConnection], Awaitable[None]]] = []

# A lock not granted in time, a deadlock (two index builds waiting for each other's
# transactions), a serialization failure: nothing was done, the statement may run again.
RETRYABLE = (errors.LockNotAvailable, errors.DeadlockDetected, errors.SerializationFailure)


async def retrying(what: str, attempt: Callable[[], Awaitable[object]]) -> object:
    """`attempt()` until it does not fail with a RETRYABLE error (backing off, with jitter), for
    up to RETRY_FOR_S seconds."""
    give_up = time.monotonic() + RETRY_FOR_S
    pause = 0.05
    while True:
        try:
            return await attempt()
        except RETRYABLE as e:
            if time.monotonic() > give_up:
                raise
            log.info("jupyter_artifacts: %s: %s; retrying", what, str(e).strip().splitlines()[0])
            await asyncio.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 2.0)


async def _in_short_transaction(conn: psycopg.AsyncConnection, statement, params=None) -> psycopg.AsyncCursor:
    async with conn.transaction():
        await conn.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")
        return await conn.execute(statement, params)


async def ddl(conn: psycopg.AsyncConnection, statement, params=None) -> None:
    """A short DDL statement in its own transaction, retried while its lock is not granted within
    LOCK_TIMEOUT_MS."""
    await retrying("ddl", lambda: _in_short_transaction(conn, statement, params))


def _count(cur: psycopg.AsyncCursor, row) -> int:
    if cur.description is None:
        return max(cur.rowcount, 0)
    if row is None:
        return 0
    value = next(iter(row.values())) if isinstance(row, dict) else row[0]
    return int(value or 0)


async def batches(conn: psycopg.AsyncConnection, statement, params=None) -> int:
    """Run `statement` (which processes one batch) again and again, each run its own transaction,
    until it reports 0 rows; returns the total. The count is the statement's row count, or the
    first column of its first row when it returns rows (e.g. `SELECT f(...)` or a `WITH ...
    SELECT count(*)`). Each batch must be short: row locks are held until its commit."""

    async def one() -> int:
        async with conn.transaction():
            await conn.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")
            cur = await conn.execute(statement, params)
            return _count(cur, await cur.fetchone() if cur.description else None)

    total = 0
    while True:
        n = await retrying("batch", one)
        total += n
        for hook in after_batch:
            await hook(conn)
        if n == 0:
            return total


async def keyed_batches(conn: psycopg.AsyncConnection, statement, params: dict | None = None, *,
                        after: object = "") -> int:
    """Walk a table in key order, one short transaction per batch: `statement` takes
    `%(after)s` (the last key of the previous batch; `after` at first) and returns one row
    `(n, last)`: the rows it processed and the last key it reached, NULL when none was left.
    For work that leaves nothing a `WHERE` could find cheaply (each batch would rescan what the
    earlier ones did). Returns the total of n."""

    async def one(key) -> tuple[int, object]:
        async with conn.transaction():
            await conn.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")
            # Never a prepared (generic) plan: the key's value decides the index range.
            cur = await conn.execute(statement, {**(params or {}), "after": key}, prepare=False)
            row = await cur.fetchone()
            values = list(row.values()) if isinstance(row, dict) else list(row)
            return int(values[0] or 0), values[1]

    total = 0
    while True:
        n, last = await retrying("batch", lambda key=after: one(key))
        total += n
        for hook in after_batch:
            await hook(conn)
        if last is None:
            return total
        after = last


async def _value(conn: psycopg.AsyncConnection, query, params=None):
    cur = await conn.execute(query, params)
    row = await cur.fetchone()
    return None if row is None else (next(iter(row.values())) if isinstance(row, dict) else row[0])


_TABLE = re.compile(r"^\s*ON\s+(?:ONLY\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


async def create_index(conn: psycopg.AsyncConnection, name: str, definition: str, *, unique: bool = False) -> None:
    """CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS `name` `definition` (e.g. "ON t USING gin
    (col)"), in the current schema, first dropping an INVALID index of that name (an interrupted
    build's). A table under CONCURRENT_ABOVE_BYTES gets a plain build in one short transaction."""
    m = _TABLE.match(definition)
    if m is None:
        raise ValueError(f"index definition must start with ON <table>: {definition!r}")
    kind = "UNIQUE INDEX" if unique else "INDEX"
    size = await _value(conn, "SELECT COALESCE(pg_catalog.pg_total_relation_size(to_regclass(%s)), 0)",
                        (m.group(1),))
    if size < CONCURRENT_ABOVE_BYTES:
        await drop_invalid_index(conn, name)
        await ddl(conn, f"CREATE {kind} IF NOT EXISTS {name} {definition}")
        return

    async def build() -> None:
        await drop_invalid_index(conn, name, concurrently=True)
        # Takes no lock a writer waits for; waits (unbounded) for older transactions to end.
        async with unbounded_lock_wait(conn):
            await conn.execute(f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {name} {definition}")

    await retrying(f"index {name}", build)


async def drop_index(conn: psycopg.AsyncConnection, name: str, table: str) -> None:
    """DROP INDEX `name` (of `table`, in the current schema) IF EXISTS: CONCURRENTLY on a table of
    CONCURRENT_ABOVE_BYTES or more (it waits for the transactions using the index, holding no
    writer back), else in one short transaction."""
    size = await _value(conn, "SELECT COALESCE(pg_catalog.pg_total_relation_size(to_regclass(%s)), 0)", (table,))
    if size < CONCURRENT_ABOVE_BYTES:
        await ddl(conn, f"DROP INDEX IF EXISTS {name}")
        return

    async def drop() -> None:
        async with unbounded_lock_wait(conn):
            await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    await retrying(f"index {name}", drop)


async def drop_invalid_index(conn: psycopg.AsyncConnection, name: str, *, concurrently: bool = False) -> bool:
    """Drop the index `name` of the current schema if a failed or interrupted concurrent build
    left it INVALID (it costs writers upkeep and answers no query). True if one was dropped."""
    invalid = await _value(conn, """
        SELECT NOT i.indisvalid FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
         WHERE c.relname = %s AND c.relnamespace = pg_catalog.to_regnamespace(current_schema())::oid""", (name,))
    if not invalid:
        return False
    log.info("jupyter_artifacts: dropping the invalid index %s an interrupted build left", name)
    if concurrently:
        async with unbounded_lock_wait(conn):
            await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    else:
        await ddl(conn, f"DROP INDEX IF EXISTS {name}")
    return True


@contextlib.asynccontextmanager
async def unbounded_lock_wait(conn: psycopg.AsyncConnection):
    """No lock_timeout for a statement that takes no lock a writer waits for (a concurrent index
    build waits for older transactions, which can take long), then the session's value again."""
    before = await _value(conn, "SELECT current_setting('lock_timeout')")
    await conn.execute("SELECT set_config('lock_timeout', '0', false)")
    try:
        yield
    finally:
        if not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            await conn.execute("SELECT set_config('lock_timeout', %s, false)", (before,))


async def has_constraint(conn: psycopg.AsyncConnection, table: str, name: str) -> bool:
    return bool(await _value(conn, """
        SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = to_regclass(%s) AND conname = %s)""",
        (table, name)))
