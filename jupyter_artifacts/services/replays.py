"""Replays (API.md, "Replay"): every code cell of one notebook version re-executed, in order, in
a fresh contained kernel, and the outputs judged against the stored ones.

A replay is accepted at once (its row, `running`) and runs in the background on this server,
in a worker thread, under the same kernel concurrency limit and execution limits as executed
cell appends. While it runs the row gets its progress and a heartbeat; a running replay whose
server stopped beating reads as `failed`. Its end is written once (the database refuses any
later change) and announced as a `replay` live event by the database's trigger. A replay never
writes a version."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Callable

from ..db import artifacts as store
from ..db import replays as replay_store
from ..db.pool import Database
from ..errors import ArtifactsError, Conflict, Invalid, NotFound
from ..models import replays as m
from ..models.common import CreatedBy
from ..models.notebooks import DiffSummary
from ..notebooks.content import notebook_content
from .actors import Actor
from .background import Running, is_uuid, write_patiently
from .pages import decode_cursor, page_of
from .versions import resolve

log = logging.getLogger("jupyter_artifacts")

STALE_MESSAGE = ("The server running this replay stopped before it finished; nothing was recorded. "
                 "Start the replay again.")


@dataclasses.dataclass(frozen=True)
class ReplaySettings:
    default_timeout_s: float = 600.0
    max_timeout_s: float = 3600.0


@dataclasses.dataclass(frozen=True)
class _Target:
    """What a replay runs: one stored version."""

    artifact_id: str
    version_id: str
    version_number: int
    nb: dict
    normalisers: list
    kernel_name: str | None  # None: the notebook needs no kernel (no code cell)
    asked_kernel: str | None
    total: int


def _done(nb: dict, run) -> int:
    """Code cells passed: all of them unless the run stopped in one (nbval-skip cells, never run,
    are passed too)."""
    if run.failed_cell_index is None:
        return code_cell_count(nb)
    return code_cell_count({"cells": (nb.get("cells") or [])[: run.failed_cell_index + 1]})


def code_cell_count(nb: dict) -> int:
    return sum(1 for c in nb.get("cells") or [] if isinstance(c, dict) and c.get("cell_type") == "code")


def installed_kernels() -> list[str]:
    from jupyter_client.kernelspec import KernelSpecManager

    return sorted(KernelSpecManager().find_kernel_specs())


class ReplayService:
    def __init__(self, db: Database, notebooks, settings: ReplaySettings | None = None):
        self.db = db
        self.notebooks = notebooks  # its settings (limits, kernels) and its kernel semaphore
        self.settings = settings or ReplaySettings()
        self.running = Running(db, replay_store.beat)
        self._progress: dict[str, tuple[int, int]] = {}
        self._writing: set[str] = set()

    # -- starting ----------------------------------------------------------------------------

    async def start(self, ref: str, n: int, body: m.StartReplay, actor: Actor,
                    href: Callable[[str], str]) -> m.ReplayAccepted:
        target = await self._target(ref, n, body)
        replay_id = await self._insert(target, body, actor)
        self.running.spawn(replay_id, self._run(replay_id, target, self._timeout(body)))
        return m.ReplayAccepted(replay_id=replay_id, status="running", href=href(replay_id))

    async def run(self, ref: str, n: int, body: m.StartReplay, actor: Actor) -> m.Replay:
        """Start a replay and wait for its end (the CLI's way)."""
        target = await self._target(ref, n, body)
        replay_id = await self._insert(target, body, actor)
        # Spawned, so that it beats as a server's replay does.
        await self.running.spawn(replay_id, self._run(replay_id, target, self._timeout(body)))
        return await self.get(replay_id)

    def _timeout(self, body: m.StartReplay) -> float:
        return body.timeout_s if body.timeout_s is not None else self.settings.default_timeout_s

    async def _target(self, ref: str, n: int, body: m.StartReplay) -> _Target:
        from ..notebooks.replay_compare import declared_normalisers

        timeout = self._timeout(body)
        if not 1 <= timeout <= self.settings.max_timeout_s:
            raise Invalid(f"timeout_s must be between 1 and {self.settings.max_timeout_s:g} seconds (this server's "
                          f"replay_max_timeout_s); it is {timeout:g}.")
        async with self.db.connection() as conn:
            found = await resolve(conn, ref)
            if found.row is None or found.row["artifact_type"] != "notebook":
                raise NotFound(f"{found.artifact_id} is not a notebook.")
            row = await store.by_number(conn, found.artifact_id, n, content=True)
            if row is None:
                raise NotFound(f"{found.artifact_id} has no version {n}.")
            nb = await notebook_content(conn, row)
        if nb is None:
            raise Conflict(f"The content of {found.artifact_id}@v{n} is unknown (an adopted legacy version); it "
                           "cannot be replayed.")
        metadata = row["metadata"] if isinstance(row["metadata"], dict) else {}
        try:
            normalisers = declared_normalisers(metadata, nb)
        except ValueError as e:
            raise Invalid(f"The replay normalisers declared by {found.artifact_id}@v{n} are invalid: "
                          f"{str(e).rstrip('.')}.") from None
        total = code_cell_count(nb)
        spec = (nb.get("metadata") or {}).get("kernelspec")
        own = spec.get("name") if isinstance(spec, dict) and isinstance(spec.get("name"), str) else None
        kernel = body.kernel_name or own or self.notebooks.settings.default_kernel
        if body.kernel_name or total:
            available = await asyncio.to_thread(installed_kernels)
            if kernel not in available:
                raise Invalid(f"No kernel named {kernel!r} is installed on this server (available: "
                              f"{', '.join(available) or 'none'}); name one with kernel_name.",
                              extra={"available_kernels": available})
        return _Target(found.artifact_id, row["id"], n, nb, normalisers, kernel if total else None,
                       body.kernel_name, total)

    async def _insert(self, target: _Target, body: m.StartReplay, actor: Actor) -> str:
        replay_id = str(uuid.uuid4())
        # The replay's row is the write a keyed request (Idempotency-Key) claims its key with.
        await self.db.run(lambda conn: replay_store.insert(
            conn, replay_id=replay_id, artifact_id=target.artifact_id, version_id=target.version_id,
            version_number=target.version_number, kernel_name=target.asked_kernel, timeout_s=self._timeout(body),
            total=target.total, actor_type=actor.actor_type, actor_id=actor.actor_id,
            recorded_by=actor.recorded_by))
        return replay_id

    # -- running -----------------------------------------------------------------------------

    async def _run(self, replay_id: str, target: _Target, timeout_s: float) -> None:
        from ..notebooks.replay_compare import judge

        try:
            run = await self._execute(replay_id, target, timeout_s)
            status, verdicts = await asyncio.to_thread(judge, target.nb, run, target.normalisers)
            outcome = {"status": status, "cells": every_cell(target.nb, verdicts),
                       "outputs": {"outputs": run.outputs, "replies": run.replies}, "duration_ms": run.duration_ms,
                       "kernel": run.kernel, "environment": run.environment, "message": run.message,
                       "progress": {"done": _done(target.nb, run), "total": target.total}}
        except asyncio.CancelledError:
            outcome = _failed("The server stopped before the replay finished. Start the replay again.")
            with contextlib.suppress(ArtifactsError, asyncio.TimeoutError):
                await asyncio.wait_for(self._finish(replay_id, outcome, patient=False), 5)
            raise
        except ArtifactsError as e:
            outcome = _failed(e.message)
        except Exception:
            log.exception("jupyter_artifacts: replay %s failed", replay_id)
            outcome = _failed("The replay failed in the server; the error is in the server's log.")
        self._progress.pop(replay_id, None)
        await self._finish(replay_id, outcome)

    async def _execute(self, replay_id: str, target: _Target, timeout_s: float):
        from ..notebooks.execute import ExecutionLimits, UnknownKernel
        from ..notebooks.replay_run import replay_notebook

        s = self.notebooks.settings
        limits = ExecutionLimits(cell_timeout_s=s.cell_timeout_s, startup_timeout_s=s.startup_timeout_s,
                                 output_cap_bytes=s.output_cap_bytes)
        loop = asyncio.get_running_loop()

        def on_progress(done: int, total: int) -> None:  # called from the worker thread
            loop.call_soon_threadsafe(self._note_progress, replay_id, done, total)

        call = {"kernel_name": target.kernel_name, "timeout_s": timeout_s, "limits": limits, "cwd": s.execution_cwd,
                "extra_env": dict(s.kernel_env), "on_progress": on_progress}
        if target.kernel_name is None:  # no code cell: nothing to wait for
            return await asyncio.to_thread(replay_notebook, target.nb, **call)
        async with self.notebooks.executions:
            try:
                return await asyncio.to_thread(replay_notebook, target.nb, **call)
            except UnknownKernel as e:
                raise Invalid(f"The notebook's kernel cannot be started: {str(e).rstrip('.')}.") from None

    def _note_progress(self, replay_id: str, done: int, total: int) -> None:
        """The newest progress is written; writes never overlap, so none overtakes a newer one."""
        self._progress[replay_id] = (done, total)
        if replay_id not in self._writing:
            self._writing.add(replay_id)
            asyncio.ensure_future(self._write_progress(replay_id))

    async def _write_progress(self, replay_id: str) -> None:
        try:
            written = None
            while (latest := self._progress.get(replay_id)) is not None and latest != written:
                with contextlib.suppress(ArtifactsError):
                    await self.db.run(lambda conn, p=latest: replay_store.progress(conn, replay_id, *p))
                written = latest
        finally:
            self._writing.discard(replay_id)

    async def _finish(self, replay_id: str, outcome: dict, patient: bool = True) -> None:
        def gave_up():
            log.error("jupyter_artifacts: replay %s ended (%s) but it was not recorded", replay_id, outcome["status"])

        work = lambda conn: replay_store.finish(conn, replay_id, **outcome)
        if patient:
            await write_patiently(self.db, work, gave_up)
        else:
            await self.db.run(work)

    # -- reading -----------------------------------------------------------------------------

    async def get(self, replay_id: str) -> m.Replay:
        row = None
        if is_uuid(replay_id):
            async with self.db.connection() as conn:
                row = await replay_store.get(conn, replay_id)
        if row is None:
            raise NotFound(f"There is no replay {replay_id[:60]!r}.")
        return to_replay(row)

    async def of_version(self, ref: str, n: int, page: m.ReplaysQuery) -> m.ReplayPage:
        after = decode_cursor(page.cursor) if page.cursor else None
        if after is not None and not is_uuid(after[1]):
            raise Invalid("The cursor is not one this server handed out; start again without it.")
        async with self.db.connection() as conn:
            artifact_id = await self._notebook_id(conn, ref)
            if await store.by_number(conn, artifact_id, n) is None:
                raise NotFound(f"{artifact_id} has no version {n}.")
            rows = await replay_store.of_version(conn, artifact_id, n, page.limit, after)
        rows, cursor = page_of([{**r, "id": str(r["id"])} for r in rows], page.limit)
        return m.ReplayPage(items=[to_replay(r) for r in rows], next_cursor=cursor)

    async def latest(self, ref: str) -> m.LatestReplays:
        async with self.db.connection() as conn:
            artifact_id = await self._notebook_id(conn, ref)
            rows = await replay_store.latest_per_version(conn, artifact_id)
        return m.LatestReplays(notebook_id=artifact_id, items=[to_replay(r) for r in rows])

    async def diff(self, replay_id: str) -> m.ReplayDiff:
        from ..notebooks.diff import diff_notebooks
        from ..notebooks.replay_compare import replayed_notebook
        from ..notebooks.replay_run import ReplayRun

        row = None
        if is_uuid(replay_id):
            async with self.db.connection() as conn:
                row = await replay_store.get(conn, replay_id, outputs=True)
                if row is not None:
                    version = await store.by_number(conn, row["artifact_id"], row["version_number"], content=True)
                    base = await notebook_content(conn, version) if version is not None else None
        if row is None:
            raise NotFound(f"There is no replay {replay_id[:60]!r}.")
        replay = to_replay(row)
        if replay.status == "running":
            raise Conflict(f"Replay {replay_id} is still running; its diff exists once it has finished.")
        if base is None or not isinstance(row["outputs"], dict):
            raise Conflict(f"Replay {replay_id} ran no cells ({replay.status}); there is nothing to diff.")
        stored = row["outputs"]
        run = ReplayRun(status="ok", duration_ms=row["duration_ms"] or 0, outputs=stored.get("outputs") or [],
                        replies=stored.get("replies") or [], failed_cell_index=None, message=row["message"],
                        kernel=row["kernel"] or {}, environment=row["environment"] or {})

        def compute():
            return diff_notebooks(base, replayed_notebook(base, run))

        diff, summary = await asyncio.to_thread(compute)
        return m.ReplayDiff(replay_id=replay.replay_id, ref=replay.ref, base=base, diff=diff,
                            summary=DiffSummary(**summary))

    @staticmethod
    async def _notebook_id(conn, ref: str) -> str:
        found = await resolve(conn, ref)
        if found.row is None or found.row["artifact_type"] != "notebook":
            raise NotFound(f"{found.artifact_id} is not a notebook.")
        return found.artifact_id

    async def close(self) -> None:
        """Server stop: running replays end as failed (recorded if the database still answers)."""
        await self.running.close(timeout=10)


def every_cell(nb: dict, verdicts) -> list[dict]:
    """A verdict for every cell of the notebook (API.md: non-code cells are `skipped`)."""
    judged = {v.index: dataclasses.asdict(v) for v in verdicts}
    cells = nb.get("cells") or []
    return [judged.get(i) or {"index": i, "cell_id": c.get("id") if isinstance(c, dict) else None,
                              "verdict": "skipped", "detail": None} for i, c in enumerate(cells)]


def _failed(message: str) -> dict:
    return {"status": "failed", "cells": None, "outputs": None, "duration_ms": None, "kernel": None,
            "environment": None, "message": message, "progress": None}


def to_replay(row: dict) -> m.Replay:
    status, message = row["status"], row["message"]
    if row.get("stale"):
        status, message = "failed", STALE_MESSAGE
    cells = [m.ReplayCell(**c) for c in row["cells"] or []]
    count = {v: sum(1 for c in cells if c.verdict == v) for v in ("same", "differs", "error", "skipped")}
    progress = row["progress"] or {}
    kernel, env = row["kernel"], row["environment"]
    return m.Replay(
        replay_id=str(row["id"]), ref=f"{row['artifact_id']}@v{row['version_number']}", notebook_id=row["artifact_id"],
        version_number=row["version_number"], status=status, cells=cells,
        counts=m.ReplayCounts(code_cells=progress.get("total", 0), **count), duration_ms=row["duration_ms"],
        kernel=m.ReplayKernel(**{k: kernel.get(k) for k in ("name", "language", "language_version")}) if kernel else None,
        environment=m.ReplayEnvironment(**{k: v for k, v in env.items() if k in m.ReplayEnvironment.model_fields})
        if env else None,
        message=message, progress=m.ReplayProgress(done=progress.get("done", 0), total=progress.get("total", 0)),
        timeout_s=row["timeout_s"], created_at=row["created_at"], finished_at=row["finished_at"],
        recorded_by=row["recorded_by"],
        created_by=CreatedBy(actor_type=row["actor_type"] or "unknown", actor_id=row["actor_id"],
                             recorded_by=row["recorded_by"]))
