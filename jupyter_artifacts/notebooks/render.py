"""nbconvert's HTML rendering of a notebook version, in a recycled worker process.

The HTML is served only with `Content-Security-Policy: sandbox allow-scripts`, so the
scripts of rich outputs run in an opaque origin that cannot reach the Jupyter server.

Why a process and not a thread: measured with benchmarks/memory.py, 1,000 renders of distinct
versions on the server's threads grew its resident memory by 27 MB (+19 %) that never came back
(glibc keeps the freed pages of each thread's malloc arena); the allocations were not a leak
(`malloc_trim` returned them) but trimming after every render costs ~20 ms. A worker process
that is replaced every `TASKS_PER_WORKER` renders keeps the server flat, and nbconvert's CPU
time no longer holds the server's GIL. The worker runs with the kernels' allow-listed
environment: no database URL or token reaches it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..errors import RenderFailed

log = logging.getLogger("jupyter_artifacts")

TASKS_PER_WORKER = 100


def render_html(nb: dict) -> str:
    """Render `nb` (an nbformat 4 dict) to a standalone HTML page (blocking)."""
    import nbformat
    from nbconvert import HTMLExporter

    # One exporter per call: exporters keep state between conversions.
    exporter = HTMLExporter(template_name="lab")
    body, _resources = exporter.from_notebook_node(nbformat.from_dict(nb))
    return body


def _scrub_environment() -> None:
    from .kernel_env import kernel_environment

    keep = kernel_environment()
    os.environ.clear()
    os.environ.update(keep)


class RenderPool:
    """Renders on one worker process, started on first use and replaced every
    `tasks_per_worker` renders (and after a crash)."""

    def __init__(self, workers: int = 1, tasks_per_worker: int = TASKS_PER_WORKER):
        self.workers = workers
        self.tasks_per_worker = tasks_per_worker
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_scrub_environment, max_tasks_per_child=self.tasks_per_worker)
        return self._executor

    async def render(self, nb: dict) -> str:
        pool = self._pool()
        try:
            future = pool.submit(render_html, nb)
        except BrokenProcessPool:  # an earlier render killed the worker: start afresh
            self._discard(pool)
            pool = self._pool()
            future = pool.submit(render_html, nb)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            # The next render gets a fresh worker; this one is not retried (it may be the cause).
            self._discard(pool)
            log.error("jupyter_artifacts: the notebook renderer process died")
            raise RenderFailed("The notebook could not be rendered: the renderer process died "
                               "(the notebook may be too large to render).") from None

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._executor is pool:
            self._executor = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
