"""jupyter_artifacts.notebooks.replay_run with replay_compare.judge: real ipykernel kernels, no
mocks. Each notebook is first replayed once to make its "stored" outputs (as a user's session
would have), then replayed again and judged."""

from __future__ import annotations

import base64
import importlib.metadata
import io
import json
import time

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from PIL import Image, PngImagePlugin
from tests_helpers import wait_gone

from jupyter_artifacts.notebooks.execute import ExecutionLimits, UnknownKernel
from jupyter_artifacts.notebooks.replay_compare import judge, replayed_notebook
from jupyter_artifacts.notebooks.replay_run import ReplayRun, replay_notebook


def notebook(*sources: str) -> dict:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return json.loads(json.dumps(nb))


def stored(nb: dict) -> dict:
    """`nb` with the outputs of a first replay, as a session would have saved it."""
    run = replay_notebook(nb)
    assert run.status == "ok", run.message
    return replayed_notebook(nb, run)


def text(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def test_deterministic_cells_reproduce_and_the_run_says_where_it_ran():
    nb = notebook("x = 6 * 7\nprint('x is', x)", "x + 1", "")
    nb["cells"].insert(1, new_markdown_cell("notes"))
    progress = []
    first = stored(nb)
    run = replay_notebook(first, on_progress=lambda done, total: progress.append((done, total)))
    assert isinstance(run, ReplayRun)
    assert run.status == "ok" and run.failed_cell_index is None and run.message is None
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert run.outputs[1] is None and run.replies[1] is None  # markdown
    assert text(run.outputs[0]) == "x is 42\n"
    assert run.replies[2] == {"status": "ok", "execution_count": 2}
    assert run.kernel["name"] == "python3" and run.kernel["language"] == "python"
    env = run.environment
    assert env["source"] == "kernel" and env["python"] == run.kernel["language_version"]
    assert f"ipykernel=={importlib.metadata.version('ipykernel')}" in env["packages"]
    assert env["packages"] == sorted(env["packages"])
    assert env["packages_hash"].startswith("sha256:") and len(env["packages_hash"]) == 7 + 64
    assert run.duration_ms > 0
    status, cells = judge(first, run)
    assert status == "reproduced"
    assert [(c.index, c.verdict) for c in cells] == [(0, "same"), (2, "same"), (3, "same")]


def test_timestamps_and_addresses_reproduce_through_the_normalisers():
    nb = notebook("import datetime, uuid\nclass A: pass\nprint(datetime.datetime.now(), uuid.uuid4())\nA()",
                  "import time; t = time.perf_counter(); time.sleep(0.01)\n"
                  "print(f'took {time.perf_counter() - t:.4f} s')")
    first = stored(nb)
    time.sleep(0.01)
    run = replay_notebook(first)
    before, after = first["cells"][0]["outputs"], run.outputs[0]
    assert before != after  # the raw outputs differ...
    assert " at 0x" in after[1]["data"]["text/plain"]
    status, cells = judge(first, run)  # ...and they say the same thing
    assert status == "reproduced", cells


def test_unseeded_random_differs_naming_the_cell():
    nb = notebook("import random", "print(random.random())", "random.seed(1); random.random()")
    first = stored(nb)
    status, cells = judge(first, replay_notebook(first))
    assert status == "differs"
    assert [(c.index, c.cell_id, c.verdict, c.detail) for c in cells if c.verdict != "same"] == [
        (1, first["cells"][1]["id"], "differs", "text differs (stdout)")]


def test_a_cell_that_now_raises_fails_and_a_stored_error_that_recurs_is_the_same():
    nb = notebook("import os", "1 / 0", "print('after')")
    first = stored(nb)
    assert first["cells"][1]["outputs"][0]["output_type"] == "error"
    status, cells = judge(first, replay_notebook(first))
    assert status == "reproduced"  # the stored ZeroDivisionError recurred
    assert cells[1].verdict == "same"
    # The environment changed: the module the notebook used is gone.
    first["cells"][0]["source"] = "import no_such_module_for_replay"
    run = replay_notebook(first)
    assert run.status == "ok"  # the run goes on after the error
    status, cells = judge(first, run)
    assert status == "failed"
    assert (cells[0].verdict, cells[0].detail) == (
        "error", "raised ModuleNotFoundError: No module named 'no_such_module_for_replay'")
    assert cells[2].verdict == "same"


# A child process of the cell, then a loop that never ends.
LOOP = """
import os, subprocess
child = subprocess.Popen(['sleep', '1000'], start_new_session=True)
print(os.getpid(), child.pid, flush=True)
while True:
    pass
"""


@pytest.mark.slow
def test_an_infinite_loop_times_out_and_its_whole_process_tree_is_killed():
    nb = notebook("x = 1", LOOP, "print('never')")
    first = json.loads(json.dumps(nb))
    # (The whole replay's bound far above the cell's, so a slow kernel start cannot reach it first.)
    run = replay_notebook(first, timeout_s=60.0, limits=ExecutionLimits(cell_timeout_s=4.0))
    assert run.status == "timeout"
    assert run.failed_cell_index == 1
    assert "Cell 1 did not finish within 4 s" in run.message
    assert run.outputs[2] is None and run.replies[2] is None
    kernel_pid, child_pid = (int(p) for p in text(run.outputs[1]).split()[:2])
    assert wait_gone(kernel_pid) and wait_gone(child_pid)
    status, cells = judge(first, run)
    assert status == "timeout"
    assert [(c.verdict, c.detail) for c in cells] == [
        ("same", None), ("error", "timed out"), ("skipped", "not run (the replay stopped at cell 1)")]


@pytest.mark.slow
def test_the_whole_replay_is_bounded_by_timeout_s():
    # Cell 1 never ends by itself: whatever the machine's speed, the replay's 5 s end in it, or
    # in cell 0 if the kernel's start took them all (the bound includes it); never later.
    nb = notebook("import time", "time.sleep(1000)", "time.sleep(1000)")
    run = replay_notebook(nb, timeout_s=5.0, limits=ExecutionLimits(cell_timeout_s=60))
    assert run.status == "timeout" and run.failed_cell_index in (0, 1)
    # It was stopped by the replay's 5 s, not its own 60 s: the bound is the whole replay's.
    assert "The replay did not finish within 5 s" in run.message
    assert all(r is None for r in run.replies[run.failed_cell_index + 1:])  # the cells after it never ran


FIGURE = """
import matplotlib
matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
ax.plot([1, 2, 3], [3, 1, 2])
plt.show()
"""


def reencoded(b64: str) -> str:
    """The same picture as other bytes: another compression level and a text chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "saved by another matplotlib")
    buf = io.BytesIO()
    Image.open(io.BytesIO(base64.b64decode(b64))).save(buf, "PNG", compress_level=1, pnginfo=info)
    return base64.b64encode(buf.getvalue()).decode()


def test_a_figure_reproduces_through_pixels_when_only_png_metadata_differs():
    first = stored(notebook(FIGURE))
    [figure] = [o for o in first["cells"][0]["outputs"] if "image/png" in o.get("data", {})]
    original = figure["data"]["image/png"]
    figure["data"]["image/png"] = reencoded(original)
    assert figure["data"]["image/png"] != original
    run = replay_notebook(first)
    status, cells = judge(first, run)
    assert status == "reproduced", cells
    # Another figure is not the same figure.
    first["cells"][0]["source"] = FIGURE.replace("[3, 1, 2]", "[1, 3, 2]")
    status, cells = judge(first, replay_notebook(first))
    assert (status, cells[0].detail) == ("differs", "image differs (pixels)")


def test_nbval_skip_cells_are_not_run():
    nb = notebook("# NBVAL_SKIP\nraise SystemExit('not run')", "print(1)")
    nb["cells"].append(json.loads(json.dumps(new_code_cell("1/0", metadata={"tags": ["nbval-skip"]}))))
    progress = []
    run = replay_notebook(nb, on_progress=lambda done, total: progress.append((done, total)))
    assert run.outputs[0] is None and run.outputs[2] is None and run.replies[0] is None
    assert progress == [(1, 3), (2, 3), (3, 3)]
    status, cells = judge(stored(nb), run)
    assert status == "reproduced"
    assert [c.verdict for c in cells] == ["skipped", "same", "skipped"]


def test_a_notebook_without_code_needs_no_kernel():
    nb = json.loads(json.dumps(new_notebook(cells=[new_markdown_cell("only text")])))
    run = replay_notebook(nb, kernel_name="python3")
    assert (run.status, run.outputs, run.replies, run.environment["source"]) == ("ok", [None], [None], "server")
    assert judge(nb, run) == ("reproduced", [])


def test_unknown_kernel_and_bad_arguments_raise():
    with pytest.raises(UnknownKernel, match="no-such-kernel"):
        replay_notebook(notebook("1"), kernel_name="no-such-kernel")
    with pytest.raises(ValueError, match="timeout_s"):
        replay_notebook(notebook("1"), timeout_s=0)
    with pytest.raises(ValueError, match="cells"):
        replay_notebook({"cells": "x"})


def test_a_kernel_that_dies_fails_the_replay_naming_the_cell():
    nb = notebook("x = 1", "import os; os._exit(3)", "print('never')")
    run = replay_notebook(nb)
    assert (run.status, run.failed_cell_index) == ("kernel_error", 1)
    assert run.message.startswith("The kernel died while running cell 1")
    status, cells = judge(nb, run)
    assert status == "failed"
    assert [c.verdict for c in cells] == ["same", "error", "skipped"]


def test_a_failing_progress_callback_does_not_stop_the_replay():
    def progress(done, total):
        raise RuntimeError("the caller's bug")

    run = replay_notebook(notebook("print(1)", "print(2)"), on_progress=progress)
    assert run.status == "ok" and text(run.outputs[1]) == "2\n"


def test_an_svg_figure_reproduces_though_matplotlib_renames_its_elements():
    nb = notebook("%config InlineBackend.figure_formats = ['svg']\n" + FIGURE.replace(
        'matplotlib.use("module://matplotlib_inline.backend_inline")\n', ""))
    first = stored(nb)
    run = replay_notebook(first)
    assert first["cells"][0]["outputs"] != run.outputs[0]  # other element ids, another date
    assert judge(first, run)[0] == "reproduced"
