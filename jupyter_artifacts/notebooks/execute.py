"""Run a notebook's newly appended code cell in a fresh kernel (blocking: call it from a thread).

`execute_appended_cell(nb)` starts a new kernel, replays every earlier code cell of `nb` in
order, runs the last cell (the one just added) and returns only that cell's outputs. Each call
is self-contained: its own kernel, its own event loop, its own ZeroMQ context and its own private
temporary directory (connection file, kernel log, default working directory), removed afterwards,
so several calls may run at once in different threads.

Decisions
---------
* Replayed cells are history. Their outputs are discarded as they arrive and an error in one of
  them does not stop the replay (the user's own kernel went on after it too; a later cell often
  fixes what an earlier one broke). Such errors are only listed in `ExecutionResult.replay_errors`
  so a `NameError` in the new cell can be explained. A replayed cell that times out or kills the
  kernel does end the run ("timeout" / "kernel_error", `failed_cell_index` says which cell).
* The kernel gets an environment built from an allow-list (`kernel_environment`), never the
  server's `os.environ`, and is started with `HistoryManager.hist_file=:memory:` when it is an
  IPython kernel, so concurrent kernels never share a history database.
* No process of the kernel survives the call. On Linux a locally launched kernel is started
  through a small launcher (`reaper.py`, put in front of whatever argv the kernelspec has by
  `_ContainedKernelManager`) that makes itself a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`,
  no root needed): every process the kernel starts, even one that leaves the session, clears its
  environment and daemonises (double fork), is re-parented to the launcher when orphaned, so it
  stays a descendant. The launcher reaps those orphans, and when the kernel exits (or on SIGTERM,
  or when the server is gone) kills its whole subtree before it exits itself. At the end of every
  call, whatever the outcome, the server SIGKILLs every descendant of the launcher (psutil,
  recursively, repeated until two listings in a row find none), then the launcher; then, as
  before, the kernel's session and process group, the descendants recorded with psutil while it
  ran, and every process whose environment carries the run's unique `ARTIFACTS_KERNEL_RUN`
  value, repeated until none is left. An "ok"/"error" run first asks the kernel to shut down
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
* `duration_ms` is the wall time of the new cell's execution (so a timed-out cell reports about
  `cell_timeout_s`); when the new cell never ran (startup failure, replay timeout, kernel death
  during replay) it is the wall time of the whole attempt.
* The new cell's outputs are capped while they are collected (beyond the cap they are counted,
  not kept: a cell printing gigabytes cannot exhaust the server's memory) and again at the end
  (`cap_outputs`): the first outputs are kept, a stream that crosses the limit is cut, the error
  output of a failing cell is always kept (its traceback shortened if need be), and a final
  stderr stream says how many bytes were left out. Sizes are those of the compact JSON (UTF-8).
  Consecutive stream outputs of the same name are merged and `\\r`/`\\b` are applied as a
  front end would display them, so a progress bar does not fill the cap with its history.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import output_from_msg

from . import reaper
from .kernel_env import kernel_environment
from .outputs import (
    apply_control_chars,
    cap_outputs,
    json_size,
    too_deep,
    too_deep_notice,
)
from .processes import ProcessTree, psutil

log = logging.getLogger(__name__)
# nbclient and jupyter_client log a timed-out or dead kernel as errors: a user's problem, not the
# server's, so they get a logger of their own that an operator can quieten.
_kernel_log = log.getChild("kernel")

__all__ = [
    "ExecutionLimits",
    "ExecutionResult",
    "UnknownKernel",
    "cap_outputs",
    "execute_appended_cell",
    "kernel_environment",
]

DEFAULT_KERNEL = "python3"
# Set, with a value unique to the run, in the kernel's environment: its processes inherit it.
_RUN_MARKER = "ARTIFACTS_KERNEL_RUN"


class UnknownKernel(ValueError):
    """No kernelspec of that name is installed."""

    def __init__(self, name: str, available: list[str] | None = None):
        self.kernel_name = name
        self.available = sorted(available or [])
        known = ", ".join(self.available) or "none"
        super().__init__(f"No kernel named {name!r} is installed (available: {known})")


@dataclass
class ExecutionResult:
    status: str  # "ok" | "error" | "timeout" | "kernel_error"
    duration_ms: int
    outputs: list[dict]  # nbformat v4 outputs of the new cell only (capped)
    execution_count: int | None
    ename: str | None = None
    evalue: str | None = None
    # Index (in nb["cells"]) of the cell that ended the run: the new cell, or the replayed cell
    # that timed out / killed the kernel; None when the kernel did not start or all went well.
    failed_cell_index: int | None = None
    # Replayed cells that raised: [{"cell_index", "ename", "evalue"}]; they did not stop the run.
    replay_errors: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ExecutionLimits:
    cell_timeout_s: float = 60.0  # per cell (replayed cells too)
    startup_timeout_s: float = 60.0  # kernel start, until it answers kernel_info
    output_cap_bytes: int = 1_000_000  # total size of the new cell's outputs as JSON

    def __post_init__(self):
        if not self.cell_timeout_s > 0 or not self.startup_timeout_s > 0:
            raise ValueError("ExecutionLimits: timeouts must be positive")
        if self.output_cap_bytes < 1024:
            raise ValueError("ExecutionLimits: output_cap_bytes must be at least 1024")


# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------


class _Client(NotebookClient):
    """nbclient with outputs kept for the target cell only, merged and capped as they arrive."""

    def __init__(self, nb, *, target_index: int, cap_bytes: int, **kw):
        super().__init__(nb, **kw)
        self.target_index = target_index
        self.cap_bytes = cap_bytes
        self.kept_bytes = 0
        self.dropped_bytes = 0

    def _reset_sizes(self) -> None:
        self.kept_bytes = 0
        self.dropped_bytes = 0

    def output(self, outs, msg, display_id, cell_index):
        if cell_index != self.target_index:
            return None  # history: not stored
        parent_id = msg["parent_header"].get("msg_id")
        if self.output_hook_stack[parent_id]:  # captured by an Output widget
            return super().output(outs, msg, display_id, cell_index)
        try:
            out = output_from_msg(msg)
        except ValueError:
            self.log.debug("unhandled iopub msg: %s", msg.get("msg_type"))
            return None
        if too_deep(out):
            out = nbformat.from_dict(too_deep_notice(out))
        if self.clear_before_next_output:
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
            self._reset_sizes()
        full = self.kept_bytes >= self.cap_bytes
        if out.output_type == "stream":
            last = outs[-1] if outs else None
            if last is not None and last.output_type == "stream" and last.name == out.name:
                if full:
                    self.dropped_bytes += json_size(out.text) - 2
                    return None
                head, nl, line = last.text.rpartition("\n")
                tail = apply_control_chars(line + out.text)
                before = json_size(line) - 2
                last.text = head + nl + tail
                self.kept_bytes += json_size(tail) - 2 - before
                return last
            out.text = apply_control_chars(out.text)
        size = json_size(out)
        if full and out.output_type != "error":
            self.dropped_bytes += size
            return None
        if display_id:
            self._display_id_map.setdefault(display_id, {}).setdefault(cell_index, []).append(
                len(outs)
            )
        outs.append(out)
        self.kept_bytes += size
        return out

    def clear_output(self, outs, msg, cell_index):
        super().clear_output(outs, msg, cell_index)
        parent_id = msg["parent_header"].get("msg_id")
        if cell_index == self.target_index and not self.output_hook_stack[parent_id]:
            if not msg["content"].get("wait"):
                self._reset_sizes()


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


class _ContainedKernelManager(AsyncKernelManager):
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


def _resolve_kernel(nb: dict, kernel_name: str | None) -> tuple[str, KernelSpecManager, Any]:
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


def _prepare_notebook(nb: dict):
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or not nb["cells"]:
        raise ValueError("nb must be a notebook dict with at least one cell")
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
    if cells[-1]["cell_type"] != "code":
        raise ValueError("the last cell of nb (the new cell) must be a code cell")
    return nbformat.from_dict({**nb, "metadata": dict(nb.get("metadata") or {}), "cells": cells})


def _tail(path: str, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(f.tell() - limit, 0))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _ms(start: float) -> int:
    return int(round((time.monotonic() - start) * 1000))


async def _execute(nb, *, kernel_name, ksm, spec, limits: ExecutionLimits, cwd: str, env: dict,
                   workdir: str) -> ExecutionResult:  # fmt: skip
    started = time.monotonic()
    target = len(nb.cells) - 1
    replies: dict[int, dict] = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        if execute_reply is not None:
            replies[cell_index] = execute_reply

    km = _ContainedKernelManager(
        kernel_name=kernel_name,
        kernel_spec_manager=ksm,
        connection_file=os.path.join(workdir, "kernel.json"),
        shutdown_wait_time=2.0,
        log=_kernel_log,
    )
    client = _Client(
        nb,
        km=km,
        target_index=target,
        cap_bytes=limits.output_cap_bytes,
        kernel_name=kernel_name,
        timeout_func=lambda cell: limits.cell_timeout_s,
        allow_errors=True,  # errors are read from the replies; never stop_on_error
        record_timing=False,
        on_cell_executed=on_cell_executed,
        log=_kernel_log,
    )
    extra_args = []
    if km.ipykernel or any("ipykernel" in str(a) for a in spec.argv):
        extra_args.append("--HistoryManager.hist_file=:memory:")
    kernel_log = os.path.join(workdir, "kernel.log")
    marker = f"{_RUN_MARKER}={uuid.uuid4().hex}"
    env = {**env, _RUN_MARKER: marker.partition("=")[2]}

    tree: ProcessTree | None = None
    watcher: asyncio.Task | None = None
    graceful = False
    result: ExecutionResult | None = None
    try:
        # ---- start
        try:
            with open(kernel_log, "wb") as log_file:
                await asyncio.wait_for(
                    km.start_kernel(extra_arguments=extra_args, env=env, cwd=cwd,
                                    stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file),
                    limits.startup_timeout_s,
                )  # fmt: skip
            tree = _process_tree(km, marker)
            left = max(limits.startup_timeout_s - (time.monotonic() - started), 0.1)
            client.kc = km.client()
            client.kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
            client.kc.allow_stdin = False
            await asyncio.wait_for(client.kc.wait_for_ready(timeout=left), left + 1.0)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            timed_out = isinstance(e, asyncio.TimeoutError) or "didn't respond" in str(e)
            detail = _tail(kernel_log)
            msg = (
                f"The kernel {kernel_name!r} did not become ready within "
                f"{limits.startup_timeout_s:g} s"
                if timed_out
                else f"The kernel {kernel_name!r} failed to start: {e}"
            )
            if detail:
                msg += f"\n--- kernel log ---\n{detail}"
            log.warning("execute: %s", msg)
            result = ExecutionResult("kernel_error", _ms(started), [], None,
                                     "KernelStartupError", msg)  # fmt: skip
            return result

        if tree is not None and psutil is not None:
            watcher = asyncio.ensure_future(_watch(tree))

        # ---- replay, then the new cell
        cell_started = started
        index = 0
        try:
            for index, cell in enumerate(nb.cells):
                if index == target:
                    cell_started = time.monotonic()
                await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            new = index == target
            result = ExecutionResult(
                "timeout", _ms(cell_started), [], nb.cells[target].get("execution_count"),
                "CellTimeoutError",
                f"{'The new cell' if new else f'Replayed cell {index}'} did not finish within "
                f"{limits.cell_timeout_s:g} s; the kernel was stopped",
                failed_cell_index=index,
            )  # fmt: skip
        except DeadKernelError:
            code = None
            with contextlib.suppress(Exception):
                code = await km.provisioner.poll()
            where = "the new cell" if index == target else f"replayed cell {index}"
            result = ExecutionResult(
                "kernel_error", _ms(cell_started), [], nb.cells[target].get("execution_count"),
                "DeadKernelError",
                f"The kernel died while running {where}"
                + (f" (exit code {code})" if code is not None else ""),
                failed_cell_index=index,
            )  # fmt: skip
        except Exception as e:  # noqa: BLE001 - a kernel/protocol failure, not the caller's
            log.exception("execute: kernel failure in cell %s", index)
            result = ExecutionResult(
                "kernel_error", _ms(cell_started), [], nb.cells[target].get("execution_count"),
                type(e).__name__, f"Kernel failure in cell {index}: {e}", failed_cell_index=index,
            )  # fmt: skip
        else:
            graceful = True
            reply = replies.get(target, {}).get("content", {})
            status = "error" if reply.get("status") in ("error", "aborted") else "ok"
            result = ExecutionResult(
                status, _ms(cell_started), [], nb.cells[target].get("execution_count"),
                failed_cell_index=target if status == "error" else None,
            )  # fmt: skip
            if status == "error":
                result.ename = reply.get("ename") or "Aborted"
                result.evalue = reply.get("evalue") or ""

        result.replay_errors = [
            {"cell_index": i, "ename": r["content"].get("ename"), "evalue": r["content"].get("evalue")}
            for i, r in sorted(replies.items())
            if i != target and r.get("content", {}).get("status") == "error"
        ]  # fmt: skip
        # Display updates replace data in place, past `output`: check depth once more.
        outputs = [too_deep_notice(o) if too_deep(o) else o for o in nb.cells[target].get("outputs", [])]
        outputs = json.loads(json.dumps(outputs))
        result.outputs = cap_outputs(outputs, limits.output_cap_bytes,
                                     dropped_bytes=client.dropped_bytes)  # fmt: skip
        return result
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await _teardown(km, client, tree, graceful=graceful, marker=marker)


def _process_tree(km: _ContainedKernelManager, marker: str) -> ProcessTree | None:
    provisioner = km.provisioner
    if provisioner is None or not getattr(provisioner, "pid", None):
        return None
    return ProcessTree(provisioner.pid, getattr(provisioner, "pgid", None), marker,
                       subreaper=km.contained)  # fmt: skip


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


async def _teardown(km: AsyncKernelManager, client: _Client, tree: ProcessTree | None, *,
                    graceful: bool, marker: str) -> None:  # fmt: skip
    kc, client.kc = client.kc, None
    if tree is None:  # launched, but the start did not complete (startup timeout or failure)
        tree = _process_tree(km, marker)
    if kc is not None:
        with contextlib.suppress(Exception):
            kc.stop_channels()
    if tree is not None:
        tree.snapshot()
    try:
        if graceful and tree is not None:
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


def execute_appended_cell(
    nb: dict,
    *,
    kernel_name: str | None = None,
    limits: ExecutionLimits = ExecutionLimits(),
    cwd: str | None = None,
    extra_env: dict | None = None,
) -> ExecutionResult:
    """Replay every code cell of `nb` but the last in a fresh kernel, then run the last one.

    nb: an nbformat 4 notebook dict whose LAST cell is the new code cell (not modified). The
    kernel is `kernel_name`, else the notebook's metadata.kernelspec.name, else "python3". Its
    working directory is `cwd` (the notebook's directory, normally), else an empty temporary
    directory removed afterwards; its environment is `kernel_environment(extra_env)`.

    Status: "ok"; "error" (the new cell raised: ename, evalue and the error output); "timeout"
    (a cell, replayed or new, ran longer than `limits.cell_timeout_s`); "kernel_error" (the
    kernel did not start, or died). Errors in replayed cells do not stop the run (they are
    history; see `ExecutionResult.replay_errors`). The kernel and all its processes are gone when
    this returns. Blocking: run it in a worker thread (it runs its own event loop, so it cannot be
    called from a thread whose event loop is running).

    Raises UnknownKernel (a ValueError) for a kernel name with no kernelspec, ValueError /
    TypeError for malformed arguments; never for what the notebook's code does.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("execute_appended_cell blocks: call it from a worker thread "
                           "(asyncio.to_thread), not from a running event loop")  # fmt: skip
    if not isinstance(limits, ExecutionLimits):
        raise TypeError("limits must be an ExecutionLimits")
    if cwd is not None and not os.path.isdir(cwd):
        raise ValueError(f"cwd {cwd!r} is not a directory")
    prepared = _prepare_notebook(nb)
    name, ksm, spec = _resolve_kernel(nb, kernel_name)
    env = kernel_environment(extra_env)
    workdir = tempfile.mkdtemp(prefix="jupyter-artifacts-exec-")  # 0700
    try:
        run_dir = cwd
        if run_dir is None:
            run_dir = os.path.join(workdir, "cwd")
            os.mkdir(run_dir)
        return _run_in_private_loop(
            _execute(prepared, kernel_name=name, ksm=ksm, spec=spec, limits=limits,
                     cwd=os.path.abspath(run_dir), env=env, workdir=workdir)
        )  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run_in_private_loop(coro):
    """Run `coro` to completion on a new event loop, without touching the calling thread's
    current loop (unlike `asyncio.run`, which resets it to None afterwards)."""
    loop = asyncio.new_event_loop()
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

