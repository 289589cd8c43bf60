"""Jobs (API.md, "Jobs"): a long operation (an executed cell append) answered at once with 202
and carried on in the background by this server, reaching the same final state the
synchronous call would have. The job's row says how it ended, whichever server is asked;
a change announcement (kind `job`) marks the end for live clients."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from pydantic import ValidationError

from ..db import jobs as store
from ..db.pool import Database
from ..errors import ArtifactsError, NotFound
from ..json_limits import load
from ..models.jobs import Job, JobAccepted
from .background import Running, is_uuid, write_patiently

log = logging.getLogger("jupyter_artifacts")

# The work of a job: the synchronous call's (status, JSON reply text).
Work = Callable[[], Awaitable[tuple[int, str]]]


class Jobs:
    def __init__(self, db: Database):
        self.db = db
        self.running = Running(db, store.beat)

    async def start(self, principal: str, kind: str, method: str, path: str, href: Callable[[str], str],
                    work: Work) -> JobAccepted:
        job_id = str(uuid.uuid4())
        # The job's row is the write a keyed request claims its Idempotency-Key with.
        await self.db.run(lambda conn: store.insert(conn, job_id, principal, kind, method, path))
        self.running.spawn(job_id, self._run(job_id, work))
        return JobAccepted(job_id=job_id, status="running", href=href(job_id))

    async def _run(self, job_id: str, work: Work) -> None:
        try:
            status, text = await work()
            outcome = ("done", status, text, None)
        except ArtifactsError as e:
            outcome = ("failed", e.status, None, {"message": e.message, "reason": e.reason, **e.extra})
        except ValidationError as e:
            outcome = ("failed", 400, None, {"message": f"The request is invalid: {e.errors()[0]['msg']}.",
                                             "reason": "invalid"})
        except asyncio.CancelledError:
            outcome = ("failed", 503, None, {"message": "The server stopped before the job finished; nothing of "
                                                        "it was written. Send the request again.",
                                             "reason": "unavailable"})
        except Exception:
            log.exception("jupyter_artifacts: job %s failed", job_id)
            outcome = ("failed", 500, None, {"message": "The job failed; the error is in the server's log.",
                                             "reason": "error"})
        await self._record(job_id, *outcome)

    async def _record(self, job_id: str, status: str, http_status: int, result: str | None,
                      error: dict | None) -> None:
        def gave_up():
            log.error("jupyter_artifacts: job %s ended (%s) but the database never came back to record it",
                      job_id, status)

        await write_patiently(self.db, lambda conn: store.finish(conn, job_id, status, http_status, result, error),
                              gave_up)

    async def get(self, job_id: str, principal: str) -> Job:
        row = None
        if is_uuid(job_id):
            async with self.db.connection() as conn:
                row = await store.get(conn, job_id, principal)
        if row is None:
            # Jobs are their principal's own: another's job is as unknown as a missing one.
            raise NotFound(f"There is no job {job_id!r} of yours.")
        status, error = row["status"], row["error"]
        if row["stale"]:
            status, error = "failed", {"message": "The server running this job stopped before it finished; a "
                                                  "write is one transaction, so nothing half-done is left. "
                                                  "Check the latest version, then send the request again.",
                                       "reason": "unavailable"}
        return Job(job_id=str(row["id"]), kind=row["kind"], status=status, http_status=row["http_status"],
                   result=load(row["result"]) if row["result"] is not None else None,
                   error=error, created_at=row["created_at"], finished_at=row["finished_at"])

    async def close(self) -> None:
        """Server stop: running jobs end as failed (recorded if the database still answers)."""
        await self.running.close(timeout=5)
