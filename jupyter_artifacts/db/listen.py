"""One LISTEN connection per server: the database's change announcements (migration 0007),
handed on as they arrive.

A dedicated autocommit connection, apart from the request pool: a LISTEN belongs to one
session, and a pooled connection would be handed to requests. It survives the database
restarting or the network dropping: it reconnects with backoff, LISTENs again and reports
the gap (`on_gap`), since what was announced meanwhile is lost. It never blocks the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..errors import ArtifactsError
from .pool import Database

log = logging.getLogger("jupyter_artifacts")

HEALTH_CHECK_S = 10.0  # a silent connection is asked `SELECT 1` this often (half-open TCP)
BACKOFF_S = (0.25, 5.0)  # first and longest wait between reconnection attempts


def _with_keepalives(conninfo: str) -> str:
    params = conninfo_to_dict(conninfo)
    for key, value in (("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
                       ("keepalives_count", "3")):
        params.setdefault(key, value)
    if str(params.get("host", "")).startswith("/"):  # unix sockets have no TCP keepalives
        for key in ("keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"):
            params.pop(key, None)
    return make_conninfo(**params)


class ChangeListener:
    """`deliver(payload)` for each notification; `on_gap(reason)` after each reconnection."""

    def __init__(self, db: Database, deliver: Callable[[str], None], on_gap: Callable[[str], None]):
        self.db = db
        self.deliver = deliver
        self.on_gap = on_gap
        self.connected = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._conn: psycopg.AsyncConnection | None = None

    @property
    def started(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        self.connected.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _run(self) -> None:
        wait, lost = BACKOFF_S[0], False
        while True:
            try:
                await self._listen(gap=lost)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, ArtifactsError, OSError) as e:
                if not lost:
                    log.warning("jupyter_artifacts: live updates lost the database (%s); reconnecting",
                                str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)
                lost = True
            if self.connected.is_set():  # it was listening: start the backoff afresh
                wait = BACKOFF_S[0]
            await self._close()
            await self.db.revive()  # an embedded server that died is started again
            await asyncio.sleep(wait)
            wait = min(wait * 2, BACKOFF_S[1])

    async def _listen(self, *, gap: bool) -> None:
        await self.db.ensure_ready()  # the embedded server started, the schema migrated
        self._conn = await psycopg.AsyncConnection.connect(_with_keepalives(self.db.conninfo), autocommit=True)
        cur = await self._conn.execute("SELECT jupyter_artifacts_channel() AS c")
        channel = (await cur.fetchone())[0]
        await self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self.connected.set()
        if gap:
            log.info("jupyter_artifacts: live updates reconnected; clients are told to re-fetch")
            self.on_gap("reconnected")
        while True:
            async for note in self._conn.notifies(timeout=HEALTH_CHECK_S):
                self.deliver(note.payload)
            await self._conn.execute("SELECT 1")
