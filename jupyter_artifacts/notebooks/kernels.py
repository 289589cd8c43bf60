"""One contained kernel for one blocking call: start, an nbclient client on it, teardown.

Shared by cell execution (execute.py) and replay (replay_run.py). Each call is self-contained:
its own kernel, its own event loop (`run_in_private_loop`), its own ZeroMQ context and its own
private temporary directory (connection file, kernel log), so several may run at once in threads.

* The kernel gets an environment built from an allow-list (`kernel_environment`), never the
  server's `os.environ`, and is started with `HistoryManager.hist_file=:memory:` when it is an
  IPython kernel, so concurrent kernels never share a history database.
* No process of the kernel survives the call. On Linux a locally launched kernel is started
  through a small launcher (`reaper.py`, put in front of whatever argv the kernelspec has by
  `ContainedKernelManager`) that makes itself a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`,
  no root needed): every process the kernel starts, even one that leaves the session, clears its
  environment and daemonises (double fork), is re-parented to the launcher when orphaned, so it
  stays a descendant. The launcher reaps those orphans, and when the kernel exits (or on SIGTERM,
  or when the server is gone) kills its whole subtree before it exits itself. At the end of every
  call, whatever the outcome, the server SIGKILLs every descendant of the launcher (psutil,
  recursively, repeated until two listings in a row find none), then the launcher; then, as
  before, the kernel's session and process group, the descendants recorded with psutil while it
  ran, and every process whose environment carries the run's unique `ARTIFACTS_KERNEL_RUN`
  value, repeated until none is left. A run that went well first asks the kernel to shut down
  cleanly (so user code's buffered files get flushed, 2 s at most); a timed-out, dead or
  never-ready kernel is killed at once. The launcher keeps the kernel in its own session and
  process group (jupyter_client's group signals and interrupts reach the kernel as before) and
  passes on exactly the allow-listed environment (JPY_PARENT_PID aside, which names itself).
  Limits: without a subreaper (not Linux; a warning is logged once) a process that both leaves
  the session and execs with a scrubbed environment before a snapshot can still escape, as can,
  on Linux, a descendant of user code that SIGKILLs the launcher itself (same user) and then
  daemonises, or work handed to another service (cron, systemd-run, ssh to localhost): those
  need cgroups or another user, not used here. Kernels launched by a non-local provisioner
  (gateway, cluster) are not wrapped: their containment is their provisioner's.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from . import reaper
from .processes import ProcessTree, psutil

log = logging.getLogger("jupyter_artifacts.notebooks.execute")
# nbclient and jupyter_client log a timed-out or dead kernel as errors: a user's problem, not the
# server's, so they get a logger of their own that an operator can quieten.
kernel_log = log.getChild("kernel")

DEFAULT_KERNEL = "python3"
# Set, with a value unique to the run, in the kernel's environment: its processes inherit it.
RUN_MARKER = "ARTIFACTS_KERNEL_RUN"


class UnknownKernel(ValueError):
    """No kernelspec of that name is installed."""

    def __init__(self, name: str, available: list[str] | None = None):
        self.kernel_name = name
        self.available = sorted(available or [])
        known = ", ".join(self.available) or "none"
        super().__init__(f"No kernel named {name!r} is installed (available: {known})")


@dataclass(frozen=True)
class ExecutionLimits:
    cell_timeout_s: float = 60.0  # per cell (replayed cells too)
    startup_timeout_s: float = 60.0  # kernel start, until it answers kernel_info
    output_cap_bytes: int = 1_000_000  # total size of one cell's outputs as JSON

    def __post_init__(self):
        if not self.cell_timeout_s > 0 or not self.startup_timeout_s > 0:
            raise ValueError("ExecutionLimits: timeouts must be positive")
        if self.output_cap_bytes < 1024:
            raise ValueError("ExecutionLimits: output_cap_bytes must be at least 1024")


_subreaper: bool | None = None


def _subreaper_supported() -> bool:
    """Whether kernels can be started under the subreaper launcher (asked once per process)."""
    global _subreaper
    if _subreaper is None:
        _subreaper = bool(sys.executable) and reaper.subreaper_supported()
        if not _subreaper:
            log.warning(
                "execute: no child subreaper on this system (prctl(PR_SET_CHILD_SUBREAPER) needs "
                "Linux): kernel processes are found through their session, process group, "
                "snapshots and environment marker only; one that leaves the session and clears "
                "its environment at once can outlive the execution"
            )
    return _subreaper


def _check_program(program: str, env: dict | None, cwd: str | None) -> None:
    """Fail as Popen would for a program that cannot run, before the launcher is started (it
    would only write the error to the kernel log and exit)."""
    program = os.path.expanduser(program)
    if os.path.dirname(program):  # a path: relative to the kernel's working directory
        path = program if os.path.isabs(program) or not cwd else os.path.join(cwd, program)
        found = path if os.path.isfile(path) else None
    else:  # a name: looked up in the kernel's PATH
        search = (env or {}).get("PATH", os.defpath)
        found = shutil.which(program, mode=os.F_OK, path=search)
    if found is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
    if not os.access(found, os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), program)


class ContainedKernelManager(AsyncKernelManager):
    """A kernel manager that starts a locally launched kernel under `reaper.py`, a child
    subreaper launcher that keeps every process of the kernel its descendant (`contained`).

    The hook is `_async_launch_kernel` (the command is final: kernelspec argv, `{connection_file}`
    substituted, `python` resolved) and only for a provisioner that launches with the
    LocalProvisioner's own `launch_kernel` (a Popen here); one that starts kernels elsewhere (a
    gateway, a cluster) gets its command untouched. Any command line is wrapped, not only
    Python kernels'."""

    contained = False

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        provisioner = self.provisioner
        local = provisioner is not None and (
            getattr(type(provisioner), "launch_kernel", None) is LocalProvisioner.launch_kernel
        )
        self.contained = bool(local and kernel_cmd and _subreaper_supported())
        if self.contained:
            _check_program(kernel_cmd[0], kw.get("env"), kw.get("cwd"))
            kernel_cmd = reaper.command(kernel_cmd)
        await super()._async_launch_kernel(kernel_cmd, **kw)


def resolve_kernel(nb: dict, kernel_name: str | None) -> tuple[str, KernelSpecManager, Any]:
    """(name, manager, spec): `kernel_name`, else the notebook's kernelspec, else python3."""
    name = kernel_name
    if not name:
        spec = (nb.get("metadata") or {}).get("kernelspec") or {}
        name = spec.get("name") if isinstance(spec, dict) else None
    name = name or DEFAULT_KERNEL
    ksm = KernelSpecManager()
    try:
        spec = ksm.get_kernel_spec(name)
    except NoSuchKernel:
        raise UnknownKernel(name, list(ksm.find_kernel_specs())) from None
    return name, ksm, spec


def runnable_copy(nb: dict) -> nbformat.NotebookNode:
    """A copy of `nb` to run: sources joined, code cells without outputs or counts."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("nb must be a notebook dict with a list of cells")  # noqa: TRY004 - a caller's data
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or "cell_type" not in cell:
            raise ValueError(f"nb cell {i} is not a cell")
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        copy = {**cell, "source": source, "metadata": dict(cell.get("metadata") or {})}
        if cell["cell_type"] == "code":
            copy.update(outputs=[], execution_count=None)
        cells.append(copy)
    return nbformat.from_dict({**nb, "metadata": dict(nb.get("metadata") or {}), "cells": cells})


def tail(path: str, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(f.tell() - limit, 0))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def ms(start: float) -> int:
    return round((time.monotonic() - start) * 1000)


def check_call(name: str, limits: ExecutionLimits, cwd: str | None) -> None:
    """The checks of a blocking kernel call's own arguments (not of the notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(f"{name} blocks: call it from a worker thread "
                           "(asyncio.to_thread), not from a running event loop")  # fmt: skip
    if not isinstance(limits, ExecutionLimits):
        raise TypeError("limits must be an ExecutionLimits")
    if cwd is not None and not os.path.isdir(cwd):
        raise ValueError(f"cwd {cwd!r} is not a directory")


def run_in_workdir(prefix: str, cwd: str | None, start: Callable[[str, str], Coroutine]):
    """`start(cwd, workdir)` run to completion in a private event loop, with `workdir` a new
    private temporary directory (removed afterwards) and `cwd` the given one, else an empty
    directory inside `workdir`."""
    workdir = tempfile.mkdtemp(prefix=prefix)  # 0700
    try:
        run_dir = cwd
        if run_dir is None:
            run_dir = os.path.join(workdir, "cwd")
            os.mkdir(run_dir)
        return run_in_private_loop(start(os.path.abspath(run_dir), workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class ContainedKernel:
    """A kernel of `kernel_name` for one call: `start(client)`, run cells, then always `close()`.

    The client (an nbclient NotebookClient built with `km=self.km`) gets its kernel client from
    `start`; `close` tears everything down, gracefully when `graceful` was set."""

    def __init__(self, *, kernel_name: str, ksm: KernelSpecManager, spec: Any,
                 limits: ExecutionLimits, cwd: str, env: dict, workdir: str):  # fmt: skip
        self.kernel_name = kernel_name
        self.limits = limits
        self.cwd = cwd
        self.workdir = workdir
        self.km = ContainedKernelManager(
            kernel_name=kernel_name,
            kernel_spec_manager=ksm,
            connection_file=os.path.join(workdir, "kernel.json"),
            shutdown_wait_time=2.0,
            log=kernel_log,
        )
        self.extra_args = []
        if self.km.ipykernel or any("ipykernel" in str(a) for a in spec.argv):
            self.extra_args.append("--HistoryManager.hist_file=:memory:")
        self.marker = f"{RUN_MARKER}={uuid.uuid4().hex}"
        self.env = {**env, RUN_MARKER: self.marker.partition("=")[2]}
        self.client = None
        self.tree: ProcessTree | None = None
        self.watcher: asyncio.Task | None = None
        self.graceful = False  # set by the caller when the run went well

    async def start(self, client) -> str | None:
        """Start the kernel and connect `client`; None, or a sentence when it failed."""
        started = time.monotonic()
        self.client = client
        kernel_log_path = os.path.join(self.workdir, "kernel.log")
        km, limits = self.km, self.limits
        try:
            with open(kernel_log_path, "wb") as log_file:
                await asyncio.wait_for(
                    km.start_kernel(extra_arguments=self.extra_args, env=self.env, cwd=self.cwd,
                                    stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file),
                    limits.startup_timeout_s,
                )  # fmt: skip
            self.tree = self._process_tree()
            left = max(limits.startup_timeout_s - (time.monotonic() - started), 0.1)
            client.kc = km.client()
            client.kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
            client.kc.allow_stdin = False
            await asyncio.wait_for(client.kc.wait_for_ready(timeout=left), left + 1.0)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            timed_out = isinstance(e, asyncio.TimeoutError) or "didn't respond" in str(e)
            detail = tail(kernel_log_path)
            msg = (
                f"The kernel {self.kernel_name!r} did not become ready within "
                f"{limits.startup_timeout_s:g} s"
                if timed_out
                else f"The kernel {self.kernel_name!r} failed to start: {e}"
            )
            if detail:
                msg += f"\n--- kernel log ---\n{detail}"
            log.warning("execute: %s", msg)
            return msg
        if self.tree is not None and psutil is not None:
            self.watcher = asyncio.ensure_future(_watch(self.tree))
        return None

    async def exit_code(self) -> int | None:
        with contextlib.suppress(Exception):
            return await self.km.provisioner.poll()
        return None

    def _process_tree(self) -> ProcessTree | None:
        provisioner = self.km.provisioner
        if provisioner is None or not getattr(provisioner, "pid", None):
            return None
        return ProcessTree(provisioner.pid, getattr(provisioner, "pgid", None), self.marker,
                           subreaper=self.km.contained)  # fmt: skip

    async def close(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watcher
        await self._teardown()

    async def _teardown(self) -> None:
        km, client, tree = self.km, self.client, self.tree
        kc = None
        if client is not None:
            kc, client.kc = client.kc, None
        if tree is None:  # launched, but the start did not complete (startup timeout or failure)
            tree = self._process_tree()
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()
        if tree is not None:
            tree.snapshot()
        try:
            if self.graceful and tree is not None:
                # Ask the kernel to exit (user code's files get flushed), 2 s at most. Under the
                # launcher, the kernel's exit makes it kill what the kernel left and exit too.
                with contextlib.suppress(Exception):
                    await km.request_shutdown()
                    await _wait_for_exit(km, km.shutdown_wait_time)
            # Everything of the kernel first, the launcher last (never jupyter_client's group
            # SIGKILL first: a launcher killed before its descendants would hand them to init).
            if tree is not None:
                await asyncio.to_thread(tree.kill)
            await km.shutdown_kernel(now=True)  # reaps the launcher/kernel, frees its resources
        except Exception:  # noqa: BLE001
            log.warning("execute: kernel shutdown failed", exc_info=True)
            with contextlib.suppress(Exception):
                await km.cleanup_resources()
        finally:
            if tree is not None:
                survivors = await asyncio.to_thread(tree.kill)
                if survivors:  # pragma: no cover - would need an unkillable process
                    log.error("execute: kernel processes survived SIGKILL: %s", survivors)
            with contextlib.suppress(Exception):
                if not km.context.closed:
                    km.context.destroy(linger=0)


async def _wait_for_exit(km: AsyncKernelManager, timeout: float) -> None:
    """Wait until the process jupyter_client started has exited, `timeout` at most."""
    deadline = time.monotonic() + timeout
    while km.provisioner is not None and await km.provisioner.poll() is None:
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


async def _watch(tree: ProcessTree) -> None:
    """Record the kernel's descendants while it runs (catches those leaving its session)."""
    while True:
        tree.snapshot()
        await asyncio.sleep(0.5)


def run_in_private_loop(coro):
    """Run `coro` to completion on a new event loop, without touching the calling thread's
    current loop (unlike `asyncio.run`, which resets it to None afterwards)."""
    loop = asyncio.new_event_loop()
    # nbclient's output poller, cut off when a kernel is killed mid-cell, ends in an exception
    # nobody retrieves: the user's timeout, not the server's error.
    loop.set_exception_handler(lambda _loop, context: kernel_log.debug(
        "kernel task ended: %s", context.get("exception") or context.get("message")))
    try:
        return loop.run_until_complete(coro)
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
