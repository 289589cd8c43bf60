"""What background work (jobs, replays) shares: writing its end while the database may be down,
and a heartbeat that tells other servers the work still runs here."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import uuid
from collections.abc import Awaitable, Callable, Coroutine

from ..db.idempotency import CURRENT
from ..db.pool import Database
from ..errors import ArtifactsError, Unavailable

BEAT_EVERY_S = 15.0
# How long finished work keeps trying to record its end while the database is down.
RECORD_FOR_S = 600.0


async def write_patiently(db: Database, work: Callable[[object], Awaitable[object]],
                          gave_up: Callable[[], None]) -> None:
    """`db.run(work)`, retried with backoff while the database is unavailable (at most
    RECORD_FOR_S); `gave_up()` is called if it never came back."""
    loop = asyncio.get_running_loop()
    deadline, delay = loop.time() + RECORD_FOR_S, 0.5
    while True:
        try:
            await db.run(work)
            return
        except Unavailable:
            if loop.time() > deadline:
                gave_up()
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Running:
    """The background tasks of one kind on this server, by id, with their heartbeat: every
    BEAT_EVERY_S, `beat(conn, ids)` for the ids still running here."""

    def __init__(self, db: Database, beat: Callable[[object, list[str]], Awaitable[None]]):
        self.db = db
        self.beat = beat
        self.tasks: dict[str, asyncio.Task] = {}
        self._beat: asyncio.Task | None = None

    def spawn(self, task_id: str, coro: Coroutine) -> asyncio.Task:
        # The work runs outside the request's idempotency claim: the request's own write
        # (the row of the job or replay) claimed its key.
        ctx = contextvars.copy_context()
        ctx.run(CURRENT.set, None)
        task = ctx.run(asyncio.get_running_loop().create_task, coro)
        self.tasks[task_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(task_id, None))
        if self._beat is None or self._beat.done():
            self._beat = asyncio.ensure_future(self._heartbeat())
        return task

    async def _heartbeat(self) -> None:
        while self.tasks:
            await asyncio.sleep(BEAT_EVERY_S)
            with contextlib.suppress(ArtifactsError):
                ids = list(self.tasks)
                if ids:
                    await self.db.run(lambda conn, ids=ids: self.beat(conn, ids))

    async def close(self, timeout: float) -> None:
        """Server stop: the running tasks are cancelled (each records that it was cut off)."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        if self._beat is not None:
            self._beat.cancel()
