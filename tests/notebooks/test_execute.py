"""jupyter_artifacts.notebooks.execute: real ipykernel kernels, no mocks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from tests_helpers import gone

from jupyter_artifacts.notebooks.execute import (
    ExecutionLimits,
    ExecutionResult,
    UnknownKernel,
    cap_outputs,
    execute_appended_cell,
    kernel_environment,
)


def notebook(*sources: str, kernel: str | None = "python3") -> dict:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    if kernel:
        nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    return json.loads(json.dumps(nb))  # a plain dict, as the server has it


def assert_valid_outputs(outputs: list[dict]) -> None:
    nb = new_notebook(cells=[new_code_cell("x", outputs=outputs)])
    nbformat.validate(nbformat.from_dict(nb))


def text_of(result: ExecutionResult, name: str = "stdout") -> str:
    return "".join(o["text"] for o in result.outputs if o["output_type"] == "stream" and o["name"] == name)


# Prints the kernel's pid, one child in its process group and one that left it (own session).
SPAWN = """
import os, subprocess
group_child = subprocess.Popen(['sleep', '1000'])
session_child = subprocess.Popen(['sleep', '1001'], start_new_session=True)
print(os.getpid(), group_child.pid, session_child.pid, flush=True)
"""


def spawned_pids(result: ExecutionResult) -> list[int]:
    return [int(p) for p in text_of(result).split()[:3]]


# ------------------------------------------------------------------------------------ statuses


def test_ok_returns_only_the_new_cells_outputs():
    nb = notebook("x = 20\nprint('history 1')", "y = x + 1\ny", "print('new', x, y)\nx + y + 1")
    nb["cells"].insert(1, new_markdown_cell("# notes"))
    nb["cells"][0]["outputs"] = [new_output("stream", name="stdout", text="old output\n")]

    r = execute_appended_cell(nb)

    assert r.status == "ok", r
    assert (r.ename, r.evalue, r.failed_cell_index, r.replay_errors) == (None, None, None, [])
    assert [o["output_type"] for o in r.outputs] == ["stream", "execute_result"]
    assert r.outputs[0] == {"output_type": "stream", "name": "stdout", "text": "new 20 21\n"}
    assert r.outputs[1]["data"] == {"text/plain": "42"}
    assert r.execution_count == 3 == r.outputs[1]["execution_count"]
    assert "history" not in json.dumps(r.outputs) and "old output" not in json.dumps(r.outputs)
    assert isinstance(r.duration_ms, int) and r.duration_ms >= 0  # speed is not a test's business
    assert_valid_outputs(r.outputs)
    assert nb["cells"][0]["outputs"][0]["text"] == "old output\n"  # the input is not modified


def test_error_in_new_cell():
    r = execute_appended_cell(notebook("print('before')\nraise ValueError('boom')"))

    assert r.status == "error"
    assert (r.ename, r.evalue, r.failed_cell_index) == ("ValueError", "boom", 0)
    assert [o["output_type"] for o in r.outputs] == ["stream", "error"]
    assert r.outputs[-1]["ename"] == "ValueError" and r.outputs[-1]["traceback"]
    assert_valid_outputs(r.outputs)


def test_errors_in_replayed_cells_do_not_stop_the_run():
    r = execute_appended_cell(notebook("a = 1", "1/0", "b = undefined_name", "print(a)"))

    assert r.status == "ok"
    assert text_of(r) == "1\n"
    assert r.replay_errors == [
        {"cell_index": 1, "ename": "ZeroDivisionError", "evalue": "division by zero"},
        {"cell_index": 2, "ename": "NameError", "evalue": "name 'undefined_name' is not defined"},
    ]


@pytest.mark.slow
def test_timeout_kills_the_kernel_and_all_its_processes():
    r = execute_appended_cell(
        notebook("x = 1", SPAWN + "while True: pass"), limits=ExecutionLimits(cell_timeout_s=2)
    )

    assert r.status == "timeout", r
    assert r.ename == "CellTimeoutError" and r.failed_cell_index == 1
    assert isinstance(r.duration_ms, int)
    pids = spawned_pids(r)  # the partial output is kept
    assert len(pids) == 3
    assert all(gone(p) for p in pids), [(p, gone(p)) for p in pids]


@pytest.mark.slow
def test_timeout_in_a_replayed_cell():
    r = execute_appended_cell(
        notebook("import time; time.sleep(30)", "print('never')"), limits=ExecutionLimits(cell_timeout_s=1)
    )
    assert r.status == "timeout" and r.failed_cell_index == 0
    assert r.outputs == []


def test_dead_kernel_is_a_kernel_error_and_leaves_no_process():
    # The session child is orphaned at once: only the environment marker can still find it.
    r = execute_appended_cell(notebook("x = 1", SPAWN + "import time; time.sleep(0.2); os._exit(1)"))

    assert r.status == "kernel_error", r
    assert r.ename == "DeadKernelError" and "exit code 1" in r.evalue
    assert r.failed_cell_index == 1
    pids = spawned_pids(r)  # output sent before the death is kept
    assert len(pids) == 3
    assert all(gone(p) for p in pids), [(p, gone(p)) for p in pids]


def test_no_process_or_connection_file_survives_a_successful_run():
    r = execute_appended_cell(
        notebook(SPAWN + "from ipykernel import get_connection_file; print(get_connection_file())")
    )

    assert r.status == "ok", r
    pids = spawned_pids(r)
    assert len(pids) == 3 and all(gone(p) for p in pids)
    connection_file = text_of(r).split()[3]
    assert not os.path.exists(connection_file)
    assert not os.path.exists(os.path.dirname(connection_file))  # the private temp dir


def test_cwd_is_used_and_defaults_to_an_empty_private_directory(tmp_path):
    (tmp_path / "data.txt").write_text("from the notebook's directory")
    r = execute_appended_cell(notebook("print(open('data.txt').read())"), cwd=str(tmp_path))
    assert text_of(r) == "from the notebook's directory\n"

    r = execute_appended_cell(notebook("import os; print(os.getcwd()); print(os.listdir('.'))"))
    cwd, listing = text_of(r).splitlines()
    assert listing == "[]" and cwd != os.getcwd() and not os.path.exists(cwd)


# ------------------------------------------------------------------------------------ outputs


def test_huge_output_is_capped_with_a_notice():
    r = execute_appended_cell(notebook("print('x' * 5_000_000)\n'done'"))

    assert r.status == "ok"
    size = len(json.dumps(r.outputs, separators=(",", ":")).encode())
    assert 900_000 < size <= 1_000_000
    assert_valid_outputs(r.outputs)
    assert r.outputs[0]["output_type"] == "stream" and set(r.outputs[0]["text"]) == {"x"}
    notice = r.outputs[-1]
    assert notice["output_type"] == "stream" and notice["name"] == "stderr"
    assert "output truncated" in notice["text"] and "limit 1,000,000 bytes" in notice["text"]
    omitted = int(notice["text"].split("truncated: ")[1].split(" of")[0].replace(",", ""))
    assert 4_000_000 < omitted < 4_200_000  # 5 MB printed, ~1 MB kept (the result too is gone)


def test_many_small_outputs_are_capped_and_the_error_is_kept():
    code = "for i in range(100_000):\n    print(i)\nraise RuntimeError('late')"
    r = execute_appended_cell(notebook(code), limits=ExecutionLimits(output_cap_bytes=50_000))

    assert r.status == "error" and r.ename == "RuntimeError"
    assert len(json.dumps(r.outputs, separators=(",", ":")).encode()) <= 50_000
    assert [o["output_type"] for o in r.outputs] == ["stream", "error", "stream"]
    assert text_of(r).startswith("0\n1\n2\n")
    assert "output truncated" in r.outputs[-1]["text"]
    assert_valid_outputs(r.outputs)


def test_streams_are_merged_and_cleared_like_a_front_end_shows_them():
    code = (
        "import sys\nfrom IPython.display import clear_output\n"
        "print('gone'); clear_output()\n"
        "for i in range(5):\n    print(f'\\r{i}', end='', flush=True)\n"
        "print()\nprint('a', flush=True)\nprint('b')"
    )
    r = execute_appended_cell(notebook(code))
    assert r.outputs == [{"output_type": "stream", "name": "stdout", "text": "4\na\nb\n"}]


def test_cap_outputs():
    small = [new_output("stream", name="stdout", text="hello\n")]
    assert cap_outputs(small, 1024) is small

    outs = [
        new_output("stream", name="stdout", text="é" * 3000),
        new_output("display_data", data={"text/plain": "later"}),
        new_output("error", ename="E", evalue="v", traceback=["line"] * 2000),
    ]
    capped = cap_outputs(outs, 4096)
    assert len(json.dumps(capped, ensure_ascii=False, separators=(",", ":")).encode()) <= 4096
    assert [o["output_type"] for o in capped] == ["stream", "error", "stream"]
    assert capped[0]["text"] and set(capped[0]["text"]) == {"é"}
    assert capped[1]["ename"] == "E" and capped[1]["traceback"][0].endswith("traceback lines not stored]")
    assert_valid_outputs(capped)

    # outputs already dropped while collecting are reported even when the rest fits
    capped = cap_outputs(small, 1024, dropped_bytes=5000)
    assert capped[0] == small[0] and "output truncated" in capped[-1]["text"]


# ------------------------------------------------------------------------------------ environment

SECRETS = {
    "JUPYTER_ARTIFACTS_DATABASE_URL": "postgresql://u:s3cret-db@h/db",
    "JUPYTER_TOKEN": "tok-4b2e8f",
    "PGPASSWORD": "pg-pass-91c",
    "SOME_SECRET": "shh-7d1a",
    "DATABASE_URL": "postgresql://u:other-db@h/db",
    "JPY_API_TOKEN": "jpy-token-5c3",
    "JUPYTERHUB_API_TOKEN": "hub-token-8e2",
    "AWS_SECRET_ACCESS_KEY": "aws-77f0",
    "CONDA_TOKEN": "conda-token-1f",
}


def test_kernel_environment_is_an_allow_list(monkeypatch):
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("SOMETHING_ELSE", "x")
    env = kernel_environment({"MY_SETTING": "1", "LC_ALL": None})

    assert not set(SECRETS) & set(env)
    assert "SOMETHING_ELSE" not in env and "LC_ALL" not in env
    assert env["MY_SETTING"] == "1" and env["PATH"] == os.environ["PATH"]
    for bad in ("PGHOST", "MY_API_KEY", "JUPYTER_ARTIFACTS_X", "A_PASSWORD"):
        with pytest.raises(ValueError):
            kernel_environment({bad: "x"})
    with pytest.raises(TypeError):
        kernel_environment({"N": 1})


def test_kernel_sees_none_of_the_servers_secrets(monkeypatch):
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    r = execute_appended_cell(
        notebook("import os, json\nprint(json.dumps(dict(os.environ)))"), extra_env={"PROBE": "yes"}
    )

    assert r.status == "ok", r
    env = json.loads(text_of(r))
    assert env["PROBE"] == "yes" and "PATH" in env
    assert not set(SECRETS) & set(env)
    dumped = json.dumps(env)
    assert not [v for v in SECRETS.values() if v in dumped]
    assert not [k for k in env if "TOKEN" in k or "SECRET" in k or k.startswith("PG")]


# ------------------------------------------------------------------------------------ kernels, threads


@pytest.mark.slow
def test_parallel_executions_in_threads():
    def run(i: int) -> ExecutionResult:
        return execute_appended_cell(notebook(f"v = {i}", "import os, threading\nprint(v, os.getpid())\nv * 10"))

    threads_before = threading.active_count()
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(run, range(3)))

    assert [r.status for r in results] == ["ok"] * 3
    assert [r.outputs[-1]["data"]["text/plain"] for r in results] == ["0", "10", "20"]
    kernel_pids = {int(text_of(r).split()[1]) for r in results}
    assert len(kernel_pids) == 3 and all(gone(p) for p in kernel_pids)
    assert threading.active_count() <= threads_before  # no leftover channel/loop threads


def test_called_as_the_server_does_from_a_worker_thread():
    """The server's loop hands the call to a thread; calling it on the loop itself is refused,
    and a thread's own (idle) event loop is left as it was."""
    outcome: dict = {}

    def server_thread():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            outcome["direct"] = execute_appended_cell(notebook("print('direct')"))
            outcome["loop_kept"] = asyncio.get_event_loop() is loop

            async def handler():
                with pytest.raises(RuntimeError, match="worker thread"):
                    execute_appended_cell(notebook("1"))
                return await asyncio.to_thread(execute_appended_cell, notebook("print('worker')"))

            outcome["worker"] = loop.run_until_complete(handler())
        except BaseException as e:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = e
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=server_thread)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    assert text_of(outcome["direct"]) == "direct\n" and outcome["loop_kept"]
    assert outcome["worker"].status == "ok" and text_of(outcome["worker"]) == "worker\n"


@pytest.fixture
def install_kernel(tmp_path, monkeypatch):
    """install_kernel(name, argv, env) -> name: a kernelspec found through JUPYTER_PATH."""
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))

    def install(name: str, argv: list[str], env: dict | None = None) -> str:
        spec_dir = tmp_path / "jupyter" / "kernels" / name
        spec_dir.mkdir(parents=True)
        spec = {"argv": argv, "display_name": name, "language": "python", "env": env or {}}
        (spec_dir / "kernel.json").write_text(json.dumps(spec))
        return name

    return install


@pytest.fixture
def custom_kernel(install_kernel):
    return install_kernel(
        "artifacts-test-kernel",
        [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        {"ARTIFACTS_TEST_KERNEL": "custom"},
    )


def test_notebook_kernelspec_is_honoured(custom_kernel):
    probe = "import os; print(os.environ.get('ARTIFACTS_TEST_KERNEL'))"
    r = execute_appended_cell(notebook(probe, kernel=custom_kernel))
    assert r.status == "ok" and text_of(r) == "custom\n"

    r = execute_appended_cell(notebook(probe, kernel=custom_kernel), kernel_name="python3")
    assert r.status == "ok" and text_of(r) == "None\n"  # the argument wins


def test_unknown_kernel_raises_a_clear_error():
    with pytest.raises(UnknownKernel, match="no-such-kernel") as info:
        execute_appended_cell(notebook("1", kernel="no-such-kernel"))
    assert isinstance(info.value, ValueError) and "python3" in info.value.available
    with pytest.raises(UnknownKernel):
        execute_appended_cell(notebook("1"), kernel_name="no-such-kernel")


def test_programming_errors_raise():
    with pytest.raises(ValueError):
        execute_appended_cell({"cells": []})
    with pytest.raises(ValueError):
        execute_appended_cell(json.loads(json.dumps(new_notebook(cells=[new_markdown_cell("x")]))))
    with pytest.raises(ValueError):
        ExecutionLimits(cell_timeout_s=0)


@pytest.mark.slow
def test_kernel_that_never_gets_ready_is_killed(install_kernel, tmp_path):
    script = (
        "import os, subprocess, time\n"
        "child = subprocess.Popen(['sleep', '1002'])\n"
        "open('pids', 'w').write(f'{os.getpid()} {child.pid}')\n"
        "time.sleep(1000)\n"
    )
    name = install_kernel("artifacts-never-ready", [sys.executable, "-c", script, "{connection_file}"])
    r = execute_appended_cell(
        notebook("1", kernel=name), limits=ExecutionLimits(startup_timeout_s=1.5), cwd=str(tmp_path)
    )

    assert r.status == "kernel_error" and r.ename == "KernelStartupError", r
    assert "did not become ready within 1.5 s" in r.evalue and r.outputs == []
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2 and all(gone(p) for p in pids)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/nonexistent/kernel-binary", "{connection_file}"], "failed to start"),
        ([sys.executable, "-c", "import sys; sys.exit('kernel broke on start')", "{connection_file}"],
         "kernel broke on start"),
    ],
)  # fmt: skip
def test_kernel_that_cannot_start_is_a_kernel_error(install_kernel, argv, expected):
    name = install_kernel("artifacts-broken", argv)
    r = execute_appended_cell(notebook("1", kernel=name), limits=ExecutionLimits(startup_timeout_s=10))
    assert r.status == "kernel_error" and r.ename == "KernelStartupError", r
    assert expected in r.evalue


# ------------------------------------------------------------------------------------ containment
#
# Processes that leave the kernel's session, scrub their environment (so the run's marker is gone)
# and daemonise (double fork: orphaned at once) are still the kernel's: the launcher between the
# server and the kernel is a child subreaper (Linux), so every orphan is re-parented to it.

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="child subreaper containment is Linux-only"
)

# A loop that writes its pid to the file named by its first argument, then runs forever.
_LOOP = "import os, sys, time; open(sys.argv[1], 'a').write(f'{os.getpid()}\\n'); time.sleep(1e6)"

# Defines escape(pidfile, daemonise): a child that leaves the kernel's session, clears its
# environment and re-execs itself as a `python -c` loop with an empty environment, either directly
# (it stays the kernel's child) or after a double fork (orphaned at once).
ESCAPE = f"""
import os, sys, time

def escape(pidfile, daemonise=True):
    child = os.fork()
    if child == 0:
        try:
            os.setsid()
            os.environ.clear()
            if not daemonise or os.fork() == 0:
                os.execve(sys.executable, [sys.executable, "-c", {_LOOP!r}, pidfile], {{}})
        finally:
            os._exit(0)
    if daemonise:
        os.waitpid(child, 0)

def wait_for_pids(pidfile, count):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if os.path.exists(pidfile) and open(pidfile).read().count("\\n") >= count:
            return open(pidfile).read().split()
        time.sleep(0.02)
    return []
"""


def escaped_pids(pidfile) -> list[int]:
    return [int(p) for p in pidfile.read_text().split()] if pidfile.exists() else []


@pytest.fixture
def pidfile(tmp_path):
    """A file the escaping processes write their pids to; whatever a failing test leaves behind
    is killed afterwards (only processes running the test's loop)."""
    path = tmp_path / "escaped.pids"
    yield path
    for pid in escaped_pids(path):
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            if str(path) in proc.cmdline():
                proc.kill()


def wait_all_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """Wait (a deadline, not a timing assertion) until every pid is gone; returns the survivors."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in pids if not gone(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


@linux_only
@pytest.mark.slow
def test_timeout_kills_processes_that_left_the_session_scrubbed_their_env_and_daemonised(pidfile):
    code = (
        ESCAPE
        + f"escape({str(pidfile)!r})\nescape({str(pidfile)!r}, daemonise=False)\n"
        + f"print(*wait_for_pids({str(pidfile)!r}, 2), flush=True)\n"
        + "while True: pass"
    )
    r = execute_appended_cell(notebook(code), limits=ExecutionLimits(cell_timeout_s=5))

    assert r.status == "timeout" and r.failed_cell_index == 0, r
    pids = escaped_pids(pidfile)
    assert len(pids) == 2 and text_of(r).split() == [str(p) for p in pids], (pids, r.outputs)
    assert wait_all_gone(pids) == []


@linux_only
def test_a_normal_run_leaves_no_process_behind(pidfile):
    code = (
        SPAWN
        + ESCAPE
        + f"escape({str(pidfile)!r})\nescape({str(pidfile)!r}, daemonise=False)\n"
        + f"print(*wait_for_pids({str(pidfile)!r}, 2), flush=True)\n"
    )
    r = execute_appended_cell(notebook(code))

    assert r.status == "ok", r
    escaped = escaped_pids(pidfile)
    assert len(escaped) == 2 and text_of(r).split()[3:] == [str(p) for p in escaped]
    pids = spawned_pids(r) + escaped
    assert wait_all_gone(pids) == []


@linux_only
def test_kernel_that_is_not_python_is_contained_too(install_kernel, pidfile):
    # The kernelspec's argv starts with a shell: the launcher wraps any command line.
    name = install_kernel(
        "artifacts-shell-kernel",
        ["sh", "-c", 'exec "$0" -m ipykernel_launcher -f "$1"', sys.executable, "{connection_file}"],
    )
    code = ESCAPE + f"escape({str(pidfile)!r})\nprint(*wait_for_pids({str(pidfile)!r}, 1))"
    r = execute_appended_cell(notebook(code, kernel=name))

    assert r.status == "ok", r
    pids = escaped_pids(pidfile)
    assert len(pids) == 1 and text_of(r).split() == [str(pids[0])]
    assert wait_all_gone(pids) == []


def test_processes_of_the_kernel_see_only_allow_listed_variables(monkeypatch):
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    code = (
        "import os, json, subprocess, sys\n"
        "def initial_env(pid):\n"  # the environment a process was started with
        "    raw = open(f'/proc/{pid}/environ', 'rb').read().split(b'\\0')\n"
        "    return dict(e.decode().split('=', 1) for e in raw if e)\n"
        "child = subprocess.run([sys.executable, '-c', 'import os, json; print(json.dumps(dict(os.environ)))'],\n"
        "                       capture_output=True, text=True, check=True).stdout\n"
        "print(json.dumps({'child': json.loads(child), 'kernel': dict(os.environ),\n"
        "                  'kernel_initial': initial_env(os.getpid()), 'launcher': initial_env(os.getppid()),\n"
        "                  'launcher_cmdline': open(f'/proc/{os.getppid()}/cmdline').read().split('\\0')}))"
    )
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    r = execute_appended_cell(notebook(code), extra_env={"PROBE": "yes"})

    assert r.status == "ok", r
    seen = json.loads(text_of(r))
    assert any(a.endswith("reaper.py") for a in seen["launcher_cmdline"]), seen["launcher_cmdline"]
    allowed = set(kernel_environment({"PROBE": "yes"})) | {"ARTIFACTS_KERNEL_RUN", "JPY_PARENT_PID"}
    assert set(seen["kernel_initial"]) <= allowed, set(seen["kernel_initial"]) - allowed
    assert set(seen["launcher"]) <= allowed, set(seen["launcher"]) - allowed
    assert seen["kernel_initial"]["PROBE"] == "yes"
    assert seen["child"] == seen["kernel"]  # what the kernel itself set (e.g. MPLBACKEND) aside
    dumped = json.dumps(seen)
    assert not [v for v in SECRETS.values() if v in dumped]
    assert not [k for k in seen["child"] if "TOKEN" in k or "SECRET" in k or k.startswith("PG")]
