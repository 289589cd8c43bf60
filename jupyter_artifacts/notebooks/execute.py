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
* The kernel is contained (kernels.py): an allow-listed environment, a subreaper launcher, and
  no process of it survives the call.
* `duration_ms` is the wall time of the new cell's execution (so a timed-out cell reports about
  `cell_timeout_s`); when the new cell never ran (startup failure, replay timeout, kernel death
  during replay) it is the wall time of the whole attempt.
* The new cell's outputs are capped while they are collected (beyond the cap they are counted,
  not kept: a cell printing gigabytes cannot exhaust the server's memory) and again at the end
  (`cap_outputs`): the first outputs are kept, a stream that crosses the limit is cut, the error
  output of a failing cell is always kept (its traceback shortened if need be), and a final
  stderr stream says how many bytes were left out. Sizes are those of the compact JSON (UTF-8).
  Consecutive stream outputs of the same name are merged and `\\r`/`\\b` are applied as a
  front end would display them (capture.py).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .capture import CappedClient
from .kernel_env import kernel_environment
from .kernels import (
    ContainedKernel,
    ExecutionLimits,
    UnknownKernel,
    check_call,
    kernel_log,
    log,
    ms,
    resolve_kernel,
    run_in_workdir,
    runnable_copy,
)
from .outputs import cap_outputs, too_deep, too_deep_notice

__all__ = [
    "ExecutionLimits",
    "ExecutionResult",
    "UnknownKernel",
    "cap_outputs",
    "execute_appended_cell",
    "kernel_environment",
]


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


def _prepare_notebook(nb: dict):
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or not nb["cells"]:
        raise ValueError("nb must be a notebook dict with at least one cell")
    prepared = runnable_copy(nb)
    if prepared.cells[-1]["cell_type"] != "code":
        raise ValueError("the last cell of nb (the new cell) must be a code cell")
    return prepared


async def _execute(nb, *, kernel_name, ksm, spec, limits: ExecutionLimits, cwd: str, env: dict,
                   workdir: str) -> ExecutionResult:  # fmt: skip
    started = time.monotonic()
    target = len(nb.cells) - 1
    replies: dict[int, dict] = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        if execute_reply is not None:
            replies[cell_index] = execute_reply

    kernel = ContainedKernel(kernel_name=kernel_name, ksm=ksm, spec=spec, limits=limits, cwd=cwd,
                             env=env, workdir=workdir)  # fmt: skip
    client = CappedClient(
        nb,
        km=kernel.km,
        keep=lambda index: index == target,
        cap_bytes=limits.output_cap_bytes,
        kernel_name=kernel_name,
        timeout_func=lambda cell: limits.cell_timeout_s,
        allow_errors=True,  # errors are read from the replies; never stop_on_error
        record_timing=False,
        on_cell_executed=on_cell_executed,
        log=kernel_log,
    )
    result: ExecutionResult | None = None
    try:
        failure = await kernel.start(client)
        if failure is not None:
            return ExecutionResult("kernel_error", ms(started), [], None, "KernelStartupError", failure)

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
                "timeout", ms(cell_started), [], nb.cells[target].get("execution_count"),
                "CellTimeoutError",
                f"{'The new cell' if new else f'Replayed cell {index}'} did not finish within "
                f"{limits.cell_timeout_s:g} s; the kernel was stopped",
                failed_cell_index=index,
            )  # fmt: skip
        except DeadKernelError:
            code = await kernel.exit_code()
            where = "the new cell" if index == target else f"replayed cell {index}"
            result = ExecutionResult(
                "kernel_error", ms(cell_started), [], nb.cells[target].get("execution_count"),
                "DeadKernelError",
                f"The kernel died while running {where}"
                + (f" (exit code {code})" if code is not None else ""),
                failed_cell_index=index,
            )  # fmt: skip
        except Exception as e:  # noqa: BLE001 - a kernel/protocol failure, not the caller's
            log.exception("execute: kernel failure in cell %s", index)
            result = ExecutionResult(
                "kernel_error", ms(cell_started), [], nb.cells[target].get("execution_count"),
                type(e).__name__, f"Kernel failure in cell {index}: {e}", failed_cell_index=index,
            )  # fmt: skip
        else:
            kernel.graceful = True
            reply = replies.get(target, {}).get("content", {})
            status = "error" if reply.get("status") in ("error", "aborted") else "ok"
            result = ExecutionResult(
                status, ms(cell_started), [], nb.cells[target].get("execution_count"),
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
                                     dropped_bytes=client.dropped_bytes[target])  # fmt: skip
        return result
    finally:
        await kernel.close()


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
    check_call("execute_appended_cell", limits, cwd)
    prepared = _prepare_notebook(nb)
    name, ksm, spec = resolve_kernel(nb, kernel_name)
    env = kernel_environment(extra_env)
    return run_in_workdir(
        "jupyter-artifacts-exec-", cwd,
        lambda run_dir, workdir: _execute(prepared, kernel_name=name, ksm=ksm, spec=spec,
                                          limits=limits, cwd=run_dir, env=env, workdir=workdir),
    )  # fmt: skip
