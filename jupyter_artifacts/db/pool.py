"""A lazily opened async connection pool that migrates the schema on first use.

The pool is opened on the first request rather than at server start because the
server may start while the database is down (and pytest-jupyter never runs the
extension's async start hook); every request retries until the database answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from .. import json_limits
from ..errors import ArtifactsError, Conflict, Invalid, Unavailable, excerpt
from . import idempotency, routing

log = logging.getLogger("jupyter_artifacts")
T = TypeVar("T")
REVIVE_EVERY_S = 5.0
# A request that has waited this long for a connection asks the database directly whether it
# answers: a busy pool keeps waiting (up to pool_timeout), a dead database is a 503 at once.
PROBE_AFTER_S = 0.4
PROBE_TIMEOUT_S = 0.5
# While the database is known to be down, how often a watcher looks for it to come back.
WATCH_EVERY_S = 0.5

# Failures that mean "the database cannot answer now": 503, and the next request retries.
_UNAVAILABLE = (psycopg.OperationalError, PoolTimeout, PoolClosed)
# Failures a transaction may hit under concurrency and that succeed when run again.
_RETRYABLE = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
TOO_MANY_CONNECTIONS = "53300"


def with_client_defaults(url: str, connect_timeout_s: int = 5) -> str:
    """The URL with a connect timeout and an application name, unless the operator set them."""
    params = conninfo_to_dict(url)
    params.setdefault("connect_timeout", str(connect_timeout_s))
    params.setdefault("application_name", "jupyter_artifacts")
    return make_conninfo(**params)


def session_settings(*, statement_timeout_ms: int, lock_timeout_ms: int,
                     idle_in_transaction_timeout_ms: int) -> dict[str, str]:
    """What every connection of the extension sets for its session. Set with SQL when the
    connection is made, not as the startup packet's `options`: PgBouncer refuses a connection
    whose startup packet carries options it does not know (docs/team.md)."""
    return {"statement_timeout": str(statement_timeout_ms), "lock_timeout": str(lock_timeout_ms),
            "idle_in_transaction_session_timeout": str(idle_in_transaction_timeout_ms), "TimeZone": "UTC",
            # Marks the extension's own sessions: the database's triggers leave its writes
            # alone (it records their processing steps itself) and act for other writers.
            "jupyter_artifacts.writer": "extension"}


def session_configurer(settings: dict[str, str]) -> Callable[[psycopg.AsyncConnection], Awaitable[None]]:
    """The pool's `configure`: the JSON limits and the session settings of each new connection."""
    names, values = list(settings), list(settings.values())

    async def configure(conn: psycopg.AsyncConnection) -> None:
        await configure_json(conn)
        await conn.execute("SELECT set_config(n, v, false) FROM unnest(%s::text[], %s::text[]) AS s(n, v)",
                           (names, values))
        await conn.commit()  # a session setting made in a transaction is undone by its rollback

    return configure


@contextlib.contextmanager
def translate_errors(passthrough: tuple[type[BaseException], ...] = ()):
    """Turn driver errors into the project's error types (the only place that does);
    `passthrough` errors are left to the caller (Database.run retries lost races)."""
    try:
        yield
    except ArtifactsError:
        raise
    except passthrough:
        raise
    except (pg_errors.QueryCanceled, pg_errors.LockNotAvailable) as e:
        raise Unavailable(f"The database did not answer in time ({e.sqlstate}); try again.") from e
    except _UNAVAILABLE as e:
        raise Unavailable("The artifacts database is unreachable; try again shortly.") from e
    except psycopg.DataError as e:
        # Values PostgreSQL cannot store (NUL characters, out-of-range numbers): the
        # caller's input is at fault, and the transaction was rolled back.
        detail = getattr(getattr(e, "diag", None), "message_primary", None) or str(e)
        raise Invalid(f"A value in the request cannot be stored: {excerpt(detail.rstrip('.'), 200)}.") from e
    except psycopg.IntegrityError as e:
        # A constraint the rules above did not foresee (often another writer's row): the
        # transaction was rolled back and nothing changed.
        what = getattr(getattr(e, "diag", None), "constraint_name", None) or type(e).__name__
        raise Conflict(f"The request conflicts with data already stored ({what}); nothing was changed.") from e


async def configure_json(conn: psycopg.AsyncConnection) -> None:
    """JSON columns load with subtrees deeper than the write limit kept verbatim (RawJSON), and
    dump them back verbatim, so a value another service stored is never unreadable here."""
    set_json_loads(json_limits.load, conn)
    set_json_dumps(json_limits.dumps, conn)


class Database:
    """The store's entry point: `await db.run(work)` for a write, `async with db.connection()`
    for reads. With `read_url`, a read request's reads go to that replica (db/replica.py)."""

    pool_name = "jupyter_artifacts"

    def __init__(
        self,
        url: str | Callable[[], str],
        *,
        min_size: int = 1,
        max_size: int = 10,
        pool_timeout_s: float = 10.0,
        statement_timeout_ms: int = 30_000,
        lock_timeout_ms: int = 10_000,
        idle_in_transaction_timeout_ms: int = 60_000,
        auto_migrate: bool = True,
        max_retries: int = 8,
        embedded: bool = False,
        revive: Callable[[], None] | None = None,
        read_url: str | None = None,
        read_your_writes_timeout_s: float = 0.5,
        replica_max_lag_s: float = 10.0,
    ):
        self._url = url
        self._min_size = min_size
        self._max_size = max_size
        self._pool_timeout = pool_timeout_s
        self._session = {"statement_timeout_ms": statement_timeout_ms, "lock_timeout_ms": lock_timeout_ms,
                         "idle_in_transaction_timeout_ms": idle_in_transaction_timeout_ms}
        self.auto_migrate = auto_migrate
        self.max_retries = max_retries
        self.embedded = embedded
        # The embedded server, started again if it dies under us (at most every REVIVE_EVERY_S).
        self._revive = revive
        self._revived_at = -REVIVE_EVERY_S
        self._pool: AsyncConnectionPool | None = None
        self._ready = False
        # Set while the database is known to be unreachable: requests answer 503 at once
        # (API.md: "within about a second") until the watcher sees it answer again.
        self._down = False
        self._watcher: asyncio.Task | None = None
        self._probe: asyncio.Future | None = None
        self._probed_at = 0.0
        self._full = False  # the last probe was refused for want of connections (max_connections)
        self._lock = asyncio.Lock()
        # Checks run once after migrations (each in its own transaction), e.g. that every
        # link has its processing step.
        self.on_ready: list[Callable[[psycopg.AsyncConnection], Awaitable[object]]] = []
        self.replica = None
        if read_url:
            from .replica import Replica

            self.replica = Replica(
                read_url, read_your_writes_timeout_s=read_your_writes_timeout_s, max_lag_s=replica_max_lag_s,
                min_size=min_size, max_size=max_size, pool_timeout_s=pool_timeout_s, max_retries=max_retries,
                **self._session)

    async def _conninfo(self) -> str:
        url = self._url
        if callable(url):
            # Starting the embedded server blocks for about a second: keep it off the loop.
            url = await asyncio.to_thread(url)
            self._url = url
        return with_client_defaults(url)

    @property
    def conninfo(self) -> str:
        """The connection string requests use (known once `ensure_ready` has run)."""
        if self._pool is None:
            raise RuntimeError("the database is not open yet")
        return self._pool.conninfo

    async def ensure_ready(self) -> AsyncConnectionPool:
        """Open the pool and apply migrations once; safe to call concurrently and repeatedly."""
        if self._ready and self._pool is not None:
            return self._pool
        async with self._lock:
            if self._pool is None:
                with translate_errors():
                    conninfo = await self._conninfo()
                self._pool = AsyncConnectionPool(
                    conninfo, min_size=self._min_size, max_size=self._max_size,
                    timeout=self._pool_timeout, open=False, name=self.pool_name,
                    kwargs={"row_factory": dict_row}, check=AsyncConnectionPool.check_connection,
                    configure=session_configurer(session_settings(**self._session)),
                    reconnect_timeout=30.0,
                )
                await self._pool.open(wait=False)
            if not self._ready:
                if self.auto_migrate:
                    from .migrate import apply_migrations

                    with translate_errors():
                        async with self._pooled(self._pool) as conn:
                            await apply_migrations(conn)
                            for check in self.on_ready:
                                async with conn.transaction():
                                    await check(conn)
                self._ready = True
        return self._pool

    @contextlib.asynccontextmanager
    async def _pooled(self, pool: AsyncConnectionPool, writer: str | None = None
                      ) -> AsyncIterator[psycopg.AsyncConnection]:
        """`pool.connection()`, but failing fast when the database is down (see `_getconn`);
        with a `writer`, the commit's WAL position is noted for their next read."""
        conn = await self._getconn(pool)
        try:
            async with conn:
                yield conn
            if writer is not None:
                await self._note_write(conn, writer)
        finally:
            await pool.putconn(conn)

    def _writer(self, *, writes: bool) -> str | None:
        """Whose commits to note for read-your-writes: the request's principal, when there is
        a replica, for transactions that may write (`run`, or any in a write request)."""
        if self.replica is None:
            return None
        req = routing.CURRENT.get()
        if req is None or (req.read_only and not writes):
            return None
        return req.principal

    async def _note_write(self, conn: psycopg.AsyncConnection, principal: str) -> None:
        # After the commit: the insert position is past its commit record, even with
        # synchronous_commit off (pg_current_wal_lsn may not be yet).
        try:
            await conn.set_autocommit(True)
            try:
                cur = await conn.execute("SELECT pg_current_wal_insert_lsn()::text AS lsn")
                lsn = routing.parse_lsn((await cur.fetchone())["lsn"])
            finally:
                if not conn.broken:
                    await conn.set_autocommit(False)
        except psycopg.Error as e:
            # The write stands; only this principal's next read may miss it on the replica.
            log.warning("jupyter_artifacts: the position of a commit is unknown (%s)", e)
            return
        self.replica.note_write(principal, lsn)

    async def _getconn(self, pool: AsyncConnectionPool) -> psycopg.AsyncConnection:
        if self._down:
            raise self._unavailable()
        waiting = asyncio.ensure_future(pool.getconn())
        done, _ = await asyncio.wait({waiting}, timeout=PROBE_AFTER_S)
        if done or await self.reachable():
            return await waiting  # ready, or a busy pool: wait for a connection to come back
        waiting.cancel()
        with contextlib.suppress(BaseException):
            # Handed a connection just before the cancel landed: give it back.
            await pool.putconn(await waiting)
        self._mark_down()
        raise self._unavailable()

    async def reachable(self) -> bool:
        """Whether the database accepts a new connection now. Requests waiting together share
        one probe, and its answer stands for PROBE_TIMEOUT_S (a busy pool is not flooded)."""
        now = time.monotonic()
        if self._probe is None or (self._probe.done() and now - self._probed_at > PROBE_TIMEOUT_S):
            self._probed_at = now
            self._probe = asyncio.ensure_future(self._connect_once())
        return await asyncio.shield(self._probe)

    async def _connect_once(self) -> bool:
        try:
            conninfo = self.conninfo if self._pool is not None else await self._conninfo()
            conn = await asyncio.wait_for(psycopg.AsyncConnection.connect(conninfo), PROBE_TIMEOUT_S)
        except (Exception, asyncio.TimeoutError) as e:  # noqa: BLE001 - any failure to connect means "not now"
            text = str(e)
            self._full = ("too many clients" in text or "too many connections" in text
                          or getattr(e, "sqlstate", None) == TOO_MANY_CONNECTIONS)
            return False
        self._full = False
        with contextlib.suppress(Exception):
            await conn.close()
        return True

    def _unavailable(self) -> Unavailable:
        if self._full:
            # Not down, but out of connections: the operator's cue to size max_connections (docs/team.md).
            return Unavailable("The artifacts database refuses new connections (too many: its max_connections or "
                               "this role's connection limit is reached); try again shortly.")
        return Unavailable("The artifacts database is unreachable; try again shortly.")

    def _mark_down(self) -> None:
        self._down = True
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        """While down: probe until the database answers, then drop the pool's dead connections."""
        while self._down:
            await asyncio.sleep(WATCH_EVERY_S)
            if self._revive is not None:
                await self.revive()
            if await self.reachable():
                if self._pool is not None:
                    with contextlib.suppress(Exception):
                        await self._pool.check()
                self._down = False

    @property
    def down(self) -> bool:
        return self._down

    @contextlib.asynccontextmanager
    async def connection(self, *, routed: bool = True) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection for reads. In a read request, the replica's when one is configured and
        fit to serve it (else the primary's); `routed=False`: the primary's, always."""
        try:
            pool = await self.ensure_ready()  # migrated on the primary before anything reads
            req = routing.reads_on_replica() if routed and self.replica is not None else None
            lease = await self.replica.lease(req.principal) if req is not None else None
            if lease is not None:
                async with lease as conn:
                    yield conn
                return
            with translate_errors():
                async with self._pooled(pool, self._writer(writes=False)) as conn:
                    yield conn
        except Unavailable as e:
            if not isinstance(e, routing.ReplicaLost):
                await self.revive()
            raise

    async def revive(self) -> None:
        """After a failure: if this is the embedded server and it died, start it again (the
        request that noticed still gets its 503; the pool reconnects for the next one)."""
        if self._revive is None or time.monotonic() - self._revived_at < REVIVE_EVERY_S:
            return
        self._revived_at = time.monotonic()
        try:
            await asyncio.to_thread(self._revive)
        except Exception:
            log.exception("jupyter_artifacts: the embedded PostgreSQL could not be started again")

    async def run(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]]) -> T:
        """Run `work` in one transaction; retry the whole of it after rollback on
        serialization failures and deadlocks (bounded), so a caller never sees a half-write."""
        try:
            return await self._run(work)
        except Unavailable:
            await self.revive()
            raise

    async def _run(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]]) -> T:
        pool = await self.ensure_ready()
        attempt = 0
        while True:
            attempt += 1
            try:
                # Serialization failures and deadlocks are OperationalErrors too: retried here.
                with translate_errors(passthrough=_RETRYABLE):
                    async with self._pooled(pool, self._writer(writes=True)) as conn, conn.transaction():
                        # A keyed request (Idempotency-Key) claims its key in the
                        # transaction of its write: both commit, or neither.
                        await idempotency.claim(conn)
                        result = await work(conn)
                    idempotency.claimed()
                    return result
            except _RETRYABLE:
                if attempt >= self.max_retries:
                    raise Unavailable("The database stayed too busy to finish this write; try again.") from None
                await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
            except Retry as e:
                if attempt >= self.max_retries:
                    raise Unavailable(f"Gave up after {attempt} attempts: {e}") from None
                await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))

    async def close(self) -> None:
        if self.replica is not None:
            await self.replica.close()
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        if self._pool is not None:
            pool, self._pool = self._pool, None
            self._ready = False
            with contextlib.suppress(Exception):
                await pool.close(timeout=5)



class Retry(Exception):
    """Raised inside `Database.run` work to roll back and run it again (a lost race)."""
