"""Re-execute every code cell of a notebook version in a fresh, contained kernel (blocking).

`replay_notebook(nb)` runs the code cells in order in a new kernel started as for cell execution
(kernels.py: allow-listed environment, subreaper launcher, whole process tree killed at the end,
outputs capped per cell), keeps every cell's outputs and execute reply, and asks the kernel which
environment it ran in. It judges nothing: replay_compare.judge compares the run with the stored
outputs.

Decisions
---------
* An error in a cell does not stop the run (the stored notebook often holds errors too; judging
  them is the comparison's business). A cell that times out, or a kernel that dies, does: later
  cells are not run and `failed_cell_index` names the cell.
* `timeout_s` bounds the whole replay, kernel start included; a cell gets
  min(limits.cell_timeout_s, time left).
* Cells marked for nbval as skipped (`nbval-skip` tag, `# NBVAL_SKIP` first line) are not run.
* A notebook with no code cell to run needs no kernel: status "ok" at once, and the environment
  is the server's.
* The environment is the kernel's own for an IPython kernel (fingerprint.py: its Python and the
  distributions on its sys.path, asked before the cells), the server's interpreter otherwise
  (`source` says which).
* The kernel is killed at once after the last cell, not asked to shut down: nothing it does
  after the last cell is part of the replay.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .capture import CappedClient
from .fingerprint import KernelEnvironment, environment, server_environment
from .kernel_env import kernel_environment
from .kernels import (
    DEFAULT_KERNEL,
    ContainedKernel,
    ExecutionLimits,
    check_call,
    kernel_log,
    log,
    ms,
    resolve_kernel,
    run_in_workdir,
    runnable_copy,
)
from .normalise import nbval_marker
from .outputs import cap_outputs, too_deep, too_deep_notice

__all__ = ["ReplayRun", "replay_notebook"]

@dataclass
class ReplayRun:
    status: str  # "ok" (every code cell ran, some may have raised) | "timeout" | "kernel_error"
    duration_ms: int  # wall time of the whole replay (kernel start to teardown start)
    outputs: list  # per cell index: the capped outputs of a code cell that ran; None otherwise
    replies: list  # per cell index: {"status", "ename"?, "evalue"?, "execution_count"} or None
    failed_cell_index: int | None  # the cell that timed out or during which the kernel died
    message: str | None  # a sentence for timeout / kernel_error
    kernel: dict  # {"name", "language", "language_version"}
    environment: dict  # {"python", "packages_hash", "packages", "source": "kernel"|"server"}


def _prepare(nb: dict) -> tuple[nbformat.NotebookNode, set[int]]:
    """A copy to run (code cells emptied) and the indices of the code cells to run."""
    prepared = runnable_copy(nb)
    runnable = {i for i, cell in enumerate(nb["cells"])
                if cell["cell_type"] == "code" and nbval_marker(cell) != "skip"}  # fmt: skip
    return prepared, runnable


def _kernel_info(reply: dict | None, name: str, nb: dict) -> dict:
    info = ((reply or {}).get("content") or {}).get("language_info") or {}
    if not info:
        info = (nb.get("metadata") or {}).get("language_info") or {}
    return {"name": name, "language": info.get("name"), "language_version": info.get("version")}


def _stored_outputs(cell) -> list[dict]:
    # Display updates replace data in place, past `output`: check depth once more.
    outputs = [too_deep_notice(o) if too_deep(o) else o for o in cell.get("outputs", [])]
    return json.loads(json.dumps(outputs))


async def _replay(nb, runnable: set[int], *, kernel_name, ksm, spec, timeout_s: float,
                  limits: ExecutionLimits, cwd: str, env: dict, workdir: str,
                  on_progress) -> ReplayRun:  # fmt: skip
    started = time.monotonic()
    deadline = started + timeout_s
    n = len(nb.cells)
    outputs: list = [None] * n
    replies: list = [None] * n

    def left() -> float:
        return deadline - time.monotonic()

    def on_cell_executed(cell, cell_index, execute_reply):
        content = (execute_reply or {}).get("content") or {}
        reply = {"status": "error" if content.get("status") in ("error", "aborted") else "ok",
                 "execution_count": content.get("execution_count")}  # fmt: skip
        if reply["status"] == "error":
            reply.update(ename=content.get("ename") or "Aborted", evalue=content.get("evalue") or "")
        replies[cell_index] = reply

    startup = dataclasses.replace(limits, startup_timeout_s=min(limits.startup_timeout_s, timeout_s))
    kernel = ContainedKernel(kernel_name=kernel_name, ksm=ksm, spec=spec, limits=startup, cwd=cwd,
                             env=env, workdir=workdir)  # fmt: skip
    client = CappedClient(
        nb, km=kernel.km, keep=lambda index: True, cap_bytes=limits.output_cap_bytes,
        kernel_name=kernel_name, allow_errors=True, record_timing=False,
        timeout_func=lambda cell: max(min(limits.cell_timeout_s, left()), 0.001),
        on_cell_executed=on_cell_executed, log=kernel_log,
    )  # fmt: skip

    def run(status: str, kernel_meta: dict, env_info: dict, failed: int | None = None,
            message: str | None = None) -> ReplayRun:  # fmt: skip
        for i in runnable:
            if replies[i] is not None or i == failed:
                outputs[i] = cap_outputs(_stored_outputs(nb.cells[i]), limits.output_cap_bytes,
                                         dropped_bytes=client.dropped_bytes[i])  # fmt: skip
        return ReplayRun(status, ms(started), outputs, replies, failed, message, kernel_meta,
                         env_info)  # fmt: skip

    try:
        failure = await kernel.start(client)
        kernel_meta = _kernel_info(None, kernel_name, nb)
        if failure is not None:
            return run("kernel_error", kernel_meta, server_environment(), message=failure)
        info = None
        try:
            info = await client.kc.kernel_info(reply=True, timeout=max(min(10.0, left()), 0.1))
        except Exception:  # noqa: BLE001 - the kernel answered wait_for_ready; the info is optional
            log.info("replay: no kernel_info reply", exc_info=True)
        kernel_meta = _kernel_info(info, kernel_name, nb)
        ipython = ((info or {}).get("content") or {}).get("implementation") == "ipython"
        if ipython:
            kernel_env = KernelEnvironment(kernel_meta["language_version"])
            await kernel_env.ask(client.kc, max(left(), 0.1))

        def unknown_env() -> dict:  # a stopped kernel cannot be asked: its interpreter only
            if not ipython:
                return server_environment()
            kernel_env.cancel()
            return environment(kernel_env.python, [], "kernel")

        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        index, done = None, 0
        try:
            for index in code:
                if index in runnable:
                    if left() <= 0:
                        raise CellTimeoutError(f"no time left for cell {index}")
                    await client.async_execute_cell(nb.cells[index], index)
                    if replies[index] is None:  # an empty cell: nbclient does not send it
                        replies[index] = {"status": "ok", "execution_count": None}
                done += 1  # an nbval-skip cell is done when passed
                if on_progress is not None:
                    try:
                        on_progress(done, len(code))
                    except Exception:  # noqa: BLE001 - a progress report never stops a replay
                        log.warning("replay: on_progress failed", exc_info=True)
        except CellTimeoutError:
            if left() <= 0:
                msg = (f"The replay did not finish within {timeout_s:g} s (cell {index} was "
                       "running or next); the kernel was stopped")  # fmt: skip
            else:
                msg = (f"Cell {index} did not finish within {limits.cell_timeout_s:g} s; "
                       "the kernel was stopped")  # fmt: skip
            replies[index] = None
            return run("timeout", kernel_meta, unknown_env(), index, msg)
        except DeadKernelError:
            code = await kernel.exit_code()
            msg = f"The kernel died while running cell {index}" + (
                f" (exit code {code})" if code is not None else "")
            replies[index] = None
            return run("kernel_error", kernel_meta, unknown_env(), index, msg)
        except Exception as e:  # noqa: BLE001 - a kernel/protocol failure, not the caller's
            log.exception("replay: kernel failure in cell %s", index)
            replies[index] = None
            return run("kernel_error", kernel_meta, unknown_env(), index,
                       f"Kernel failure in cell {index}: {e}")
        # Not kernel.graceful: nothing the kernel does after the last cell is looked at, and files
        # it writes are no part of a replay; killing it at once saves its shutdown's time.
        return run("ok", kernel_meta, await kernel_env.result() if ipython else server_environment())
    finally:
        await kernel.close()


def replay_notebook(
    nb: dict,
    *,
    kernel_name: str | None = None,
    timeout_s: float = 600.0,
    limits: ExecutionLimits = ExecutionLimits(),  # noqa: B008 - frozen, never mutated
    cwd: str | None = None,
    extra_env: dict | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReplayRun:
    """Run every code cell of `nb` in order in a fresh contained kernel and return what it said.

    The kernel is `kernel_name`, else the notebook's metadata.kernelspec.name, else "python3"; its
    working directory `cwd`, else an empty private temporary directory removed afterwards; its
    environment `kernel_environment(extra_env)`. `on_progress(done, total)` is called from this
    thread after each code cell (total: every code cell; an nbval-skip cell counts when passed).
    The kernel and all its processes are gone when this returns.

    Raises UnknownKernel (a ValueError) for a kernel with no kernelspec, ValueError / TypeError for
    malformed arguments; never for what the notebook's code does.
    """
    check_call("replay_notebook", limits, cwd)
    if not isinstance(timeout_s, int | float) or not timeout_s > 0:
        raise ValueError("timeout_s must be a positive number of seconds")
    prepared, runnable = _prepare(nb)
    if not runnable:
        spec = (nb.get("metadata") or {}).get("kernelspec") or {}
        name = kernel_name or (spec.get("name") if isinstance(spec, dict) else None) or DEFAULT_KERNEL
        return ReplayRun("ok", 0, [None] * len(prepared.cells), [None] * len(prepared.cells), None,
                         None, _kernel_info(None, name, nb), server_environment())  # fmt: skip
    name, ksm, spec = resolve_kernel(nb, kernel_name)
    env = kernel_environment(extra_env)
    return run_in_workdir(
        "jupyter-artifacts-replay-", cwd,
        lambda run_dir, workdir: _replay(prepared, runnable, kernel_name=name, ksm=ksm, spec=spec,
                                         timeout_s=timeout_s, limits=limits, cwd=run_dir, env=env,
                                         workdir=workdir, on_progress=on_progress),
    )  # fmt: skip
