"""Reads on a streaming replica (API.md, "Team deployment" → "Read replica").

The replica is a second pool with the primary's fail-fast machinery (`Database`: a probe after
PROBE_AFTER_S, `down` and a watcher), that never migrates. A read request takes one of its
connections through `lease`, which says None — the primary serves the read — whenever the
replica cannot be trusted for this read, never raising:

- it is down or does not answer (the first such read pays the probe, later ones nothing);
- it lags more than `max_lag_s` (sampled at most every SAMPLE_EVERY_S, on a leased connection);
- this principal wrote something the replica has not replayed yet, and it does not within
  `read_your_writes_timeout_s` (the write's position is noted after its commit, on the
  primary). Once it has timed out, that principal's reads go straight to the primary until a
  sample shows the replica has passed the write: replay is in order, so no later write of theirs
  can be there sooner.

Lag is measured on the replica: 0 when it has replayed all the WAL it has received while
streaming, else `now() - pg_last_xact_replay_timestamp()` (when `status` knows the primary's
current position, 0 means replayed up to it). This costs no query on the primary; it overstates
the lag for the moment a replica replays the first write after an idle spell (the last replayed
commit is old), which at worst sends a few reads to the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from ..errors import ArtifactsError, Unavailable
from .pool import Database, translate_errors
from .routing import ReplicaLost, parse_lsn

log = logging.getLogger("jupyter_artifacts")

SAMPLE_EVERY_S = 1.0
# How long `status` waits for the replica to replay the primary's position before it reports lag.
STATUS_REPLAY_WAIT_S = 2.0
# Most principals whose last write is awaited at once; beyond it the oldest is forgotten.
MAX_PENDING = 10_000
_WAIT_FIRST_S, _WAIT_MOST_S = 0.002, 0.05
# A replica failing a read this way may not fail it on the primary: the read runs again there.
# Undefined objects: a replica still replaying a migration the primary has applied.
_LOST = (psycopg.OperationalError, pg_errors.ReadOnlySqlTransaction, pg_errors.UndefinedTable,
         pg_errors.UndefinedColumn, pg_errors.UndefinedFunction, pg_errors.UndefinedObject,
         PoolTimeout, PoolClosed, OSError)


def multi_host(url: str) -> bool:
    params = conninfo_to_dict(url)
    return any("," in str(params.get(key) or "") for key in ("host", "hostaddr"))


def split_urls(url: str, read_url: str | None) -> tuple[str, str | None]:
    """The primary's URL and the reads' URL. A URL with several hosts and no read URL: writes
    go to the one that accepts them (`target_session_attrs=read-write` unless the URL says),
    reads to a standby if one answers (`prefer-standby`)."""
    if read_url or not multi_host(url):
        return url, read_url or None
    params = conninfo_to_dict(url)
    primary = {**params, "target_session_attrs": params.get("target_session_attrs") or "read-write"}
    return make_conninfo(**primary), make_conninfo(**{**params, "target_session_attrs": "prefer-standby"})


@dataclass
class Sample:
    at: float
    standby: bool
    lag_s: float | None  # None: unknown (not streaming, nothing replayed yet): as if too far behind
    replay_lsn: int | None = None

    def replayed(self, lsn: int) -> bool:
        """Whether this standby had replayed `lsn` (replay only moves forward: true stays true)."""
        return self.standby and self.replay_lsn is not None and self.replay_lsn >= lsn


@dataclass
class Pending:
    """A principal's last write not yet seen replayed."""

    lsn: int
    gave_up: bool = False


async def current_lsn(conn: psycopg.AsyncConnection) -> int | None:
    """The primary's current WAL position (None on a standby)."""
    cur = await conn.execute(
        "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn")
    return parse_lsn((await cur.fetchone())["lsn"])


async def _replayed(conn: psycopg.AsyncConnection, lsn: int) -> bool:
    cur = await conn.execute("SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replay")
    row = await cur.fetchone()
    replay = parse_lsn(row["replay"])
    # Not in recovery: a multi-host URL's reads fell back to the primary itself.
    return not row["standby"] or (replay is not None and replay >= lsn)


async def take_sample(conn: psycopg.AsyncConnection, primary_lsn: int | None = None) -> Sample:
    cur = await conn.execute("""
        SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replay,
               pg_last_wal_receive_lsn()::text AS received,
               EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming,
               extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS behind""")
    row = await cur.fetchone()
    now = time.monotonic()
    if not row["standby"]:
        return Sample(now, False, 0.0)
    replay, received = parse_lsn(row["replay"]), parse_lsn(row["received"])
    if primary_lsn is not None:
        caught_up = replay is not None and replay >= primary_lsn
    else:
        caught_up = row["streaming"] and replay is not None and received is not None and replay >= received
    if caught_up:
        return Sample(now, True, 0.0, replay)
    behind = row["behind"]
    return Sample(now, True, None if behind is None else max(0.0, behind), replay)


class Replica(Database):
    pool_name = "jupyter_artifacts_replica"

    def __init__(self, url: str, *, read_your_writes_timeout_s: float = 0.5, max_lag_s: float = 10.0, **kwargs):
        super().__init__(url, auto_migrate=False, embedded=False, revive=None, **kwargs)
        self.read_your_writes_timeout = read_your_writes_timeout_s
        self.max_lag = max_lag_s
        # With several hosts, `prefer-standby` lands on the primary while no standby answers:
        # such a connection is closed after use (one a second), so the pool dials a standby again.
        self._multi_host = multi_host(url)
        self._redialed_at = 0.0
        self._sample: Sample | None = None
        self._pending: dict[str, Pending] = {}

    # -- read-your-writes --------------------------------------------------------------------

    def note_write(self, principal: str, lsn: int | None) -> None:
        """After a commit on the primary: `principal`'s next read waits for `lsn` on the replica."""
        if lsn is None:
            return
        old = self._pending.pop(principal, None)
        # Replay is in order: if an earlier write was not there in time, this one is not either.
        self._pending[principal] = Pending(max(lsn, old.lsn) if old else lsn, gave_up=bool(old and old.gave_up))
        while len(self._pending) > MAX_PENDING:
            self._pending.pop(next(iter(self._pending)))

    def _settle(self, principal: str, pending: Pending, caught_up: bool) -> None:
        if self._pending.get(principal) is not pending:
            return  # a newer write meanwhile: its own entry stands
        if caught_up:
            del self._pending[principal]
        else:
            pending.gave_up = True

    # -- leases --------------------------------------------------------------------------------

    def _trusted(self, sample: Sample) -> bool:
        return sample.lag_s is not None and sample.lag_s <= self.max_lag

    async def lease(self, principal: str | None):
        """A connection for one read request's reads, or None (then the primary serves them)."""
        if self.down:
            return None
        pending = self._pending.get(principal) if principal is not None else None
        sample = self._sample
        if pending is not None and sample is not None and sample.replayed(pending.lsn):
            self._settle(principal, pending, True)  # another read's sample saw the write replayed
            pending = None
        fresh = sample is not None and time.monotonic() - sample.at < SAMPLE_EVERY_S
        if fresh and (not self._trusted(sample) or (pending is not None and pending.gave_up)):
            return None  # known to lag, or known not to hold this principal's write yet
        try:
            with translate_errors():
                pool = await self.ensure_ready()
                conn = await self._getconn(pool)
        except Unavailable:
            return None
        ok = False
        try:
            if not fresh:
                self._sample = sample = await take_sample(conn)
                if pending is not None and sample.replayed(pending.lsn):
                    self._settle(principal, pending, True)
                    pending = None
            ok = self._trusted(sample)
            if ok and pending is not None:
                ok = await self._wait_for(conn, pending)
                self._settle(principal, pending, ok)
            await conn.commit()  # the checks' implicit transaction: the read begins its own
        except (psycopg.Error, OSError) as e:
            if conn.broken:
                self._mark_down()
            log.info("jupyter_artifacts: the read replica failed a check (%s); reading on the primary", e)
            ok = False
        if not ok:
            await self._give_back(pool, conn)
            return None
        return self._leased(pool, conn, close=self._redial(conn, sample))

    def _redial(self, conn: psycopg.AsyncConnection, sample: Sample) -> bool:
        """Whether to close this connection after use: a multi-host URL's reads landed on the primary."""
        if not self._multi_host or time.monotonic() - self._redialed_at < SAMPLE_EVERY_S:
            return False
        # PostgreSQL 14+ reports it on every connection, free of a query; older: the last sample.
        hot_standby = conn.info.parameter_status("in_hot_standby")
        if (hot_standby == "off") if hot_standby is not None else not sample.standby:
            self._redialed_at = time.monotonic()
            return True
        return False

    async def _wait_for(self, conn: psycopg.AsyncConnection, pending: Pending) -> bool:
        """Whether the replica replays `pending` within the bound (at once if it gave up before)."""
        deadline = time.monotonic() + (0.0 if pending.gave_up else self.read_your_writes_timeout)
        delay = _WAIT_FIRST_S
        while True:
            if await _replayed(conn, pending.lsn):
                return True
            if time.monotonic() + delay > deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, _WAIT_MOST_S)

    async def _give_back(self, pool: AsyncConnectionPool, conn: psycopg.AsyncConnection, close: bool = False) -> None:
        with contextlib.suppress(Exception):
            if close or conn.broken:
                await conn.close()
            elif conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                await conn.rollback()
        with contextlib.suppress(Exception):
            await pool.putconn(conn)

    @contextlib.asynccontextmanager
    async def _leased(self, pool: AsyncConnectionPool, conn: psycopg.AsyncConnection, *,
                      close: bool) -> AsyncIterator[psycopg.AsyncConnection]:
        try:
            async with conn:
                yield conn
        except (pg_errors.QueryCanceled, pg_errors.LockNotAvailable, ArtifactsError):
            raise  # a timeout, or the caller's own error: the primary would say the same
        except _LOST as e:
            if conn.broken:
                self._mark_down()  # later reads skip it until the watcher sees it answer
            log.info("jupyter_artifacts: the read replica failed a read (%s); it runs again on the primary",
                     str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)
            raise ReplicaLost("The read replica failed this read.") from e
        finally:
            await self._give_back(pool, conn, close)

    # -- status --------------------------------------------------------------------------------

    async def status(self, primary_lsn: int | None) -> tuple[bool, float | None, str | None]:
        """(ok, lag in seconds, why not ok); never raises. Given the primary's position, waits
        up to STATUS_REPLAY_WAIT_S for the replica to replay it: WAL written just before (the
        caller's own start-up, autovacuum) is no lag, yet its first sample would report the age
        of the last transaction replayed, seconds on a quiet database."""
        try:
            async with self.connection() as conn:
                sample = await take_sample(conn, primary_lsn)
                deadline = time.monotonic() + STATUS_REPLAY_WAIT_S
                while (primary_lsn is not None and sample.standby and not sample.replayed(primary_lsn)
                       and time.monotonic() < deadline):
                    await asyncio.sleep(0.02)
                    sample = await take_sample(conn, primary_lsn)
        except ArtifactsError:
            return False, None, "The read replica is unreachable; reads are served by the primary."
        if not sample.standby:
            return True, 0.0, None
        return True, sample.lag_s, None
