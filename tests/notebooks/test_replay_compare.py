"""jupyter_artifacts.notebooks.replay_compare (+ normalise, images): judging a replay without a
kernel. Real kernels are in test_replay_run.py."""

from __future__ import annotations

import base64
import copy
import io
import json

import corpus_data as corpus
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image, ImageDraw, PngImagePlugin

from jupyter_artifacts.notebooks.images import compare_images
from jupyter_artifacts.notebooks.normalise import (
    MAX_DECLARED,
    compile_declared,
    nbval_marker,
    normalise_text,
)
from jupyter_artifacts.notebooks.replay_compare import (
    compare_outputs,
    declared_normalisers,
    judge,
    replayed_notebook,
)
from jupyter_artifacts.notebooks.replay_run import ReplayRun

# ------------------------------------------------------------------------------- normalisers


@pytest.mark.parametrize(("a", "b"), [
    ("\x1b[31mred\x1b[0m text", "red text"),
    ("\x1b]8;;https://x.org\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("at 2026-12-06T03:14:50.123456+00:00", "at 2025-01-01T00:00:00Z"),
    ("now 2026-12-06 03:14:50.123456", "now 2031-07-30 23:59:01.000001"),
    ("datetime.datetime(2026, 12, 6, 3, 14, 50, 123456)", "datetime.datetime(2027, 1, 1, 0, 0)"),
    ("Sun Dec  6 03:14:50 UTC 2026", "Mon Jan 12 11:02:03 UTC 2027"),
    ("run on 2026-12-06", "run on 2027-02-28"),
    ("run on 06/12/2026", "run on 28/02/2027"),
    ("run on 6 December 2026", "run on 28 Feb 2027"),
    ("run on December 6, 2026", "run on March 1, 2027"),
    ("at 03:14:50", "at 23:01:09"),
    ("took 1.23 s", "took 0.98 s"),
    ("took 12ms", "took 7ms"),
    ("Wall time: 2.1 s", "Wall time: 950 ms"),
    ("3.4 µs ± 5 ns per loop (mean ± std. dev. of 7 runs, 100,000 loops each)",
     "2.9 µs ± 41.2 ns per loop (mean ± std. dev. of 7 runs, 100,000 loops each)"),
    ("<__main__.A object at 0x7f3a2b1c9d00>", "<__main__.A object at 0x7fe9d68c7260>"),
    ("id 123e4567-e89b-12d3-a456-426614174000", "id 9F1B6C3E-0000-4A5B-8C7D-0123456789AB"),
    ("wrote /tmp/tmpab12cd/x.csv", "wrote /tmp/tmp9zz0q1/x.csv"),
    ("wrote /var/folders/xy/abc/T/tmpq/x.csv", "wrote /tmp/tmpk/x.csv"),
    ("   a    b\n0   1    2\n1  10   20\n", "   a   b\n0  1   2\n1 10  20"),
    ("| a   | b |\n|-----|---|\n| 1   | 2 |", "| a | b |\n|---|---|\n| 1 | 2 |"),
    ("x\t=  1  \r\ny", "x = 1\r\ny"),
])
def test_builtin_normalisers_make_equal(a, b):
    assert normalise_text(a) == normalise_text(b)


@pytest.mark.parametrize(("a", "b"), [
    ("10 apples", "11 apples"),
    ("version 2.0", "version 2.1"),
    ("value 0.5", "value 0.6"),
    ("0xff", "0xfe"),  # a short hex constant is data, not an address
    ("took 1.23 s", "took 1.23 m"),
    ("a b", "a c"),
    ("/home/me/x.csv", "/home/you/x.csv"),
])
def test_normalisers_keep_what_matters(a, b):
    assert normalise_text(a) != normalise_text(b)


def test_each_builtin_keeps_its_kind():
    assert normalise_text("2026-12-06 03:14:50") == "<TIMESTAMP>"
    assert normalise_text("2026-12-06") == "<DATE>"
    assert normalise_text("1.5 s") == "<DURATION>"
    assert normalise_text("0x7f3a2b1c9d00") == "0x<ADDRESS>"
    assert normalise_text("123e4567-e89b-12d3-a456-426614174000") == "<UUID>"
    assert normalise_text("/tmp/abc") == "<TMPPATH>"
    # A date where a number was still differs.
    assert normalise_text("2026-12-06") != normalise_text("12")


def test_declared_normalisers_apply_after_the_builtin_ones():
    declared = compile_declared([{"pattern": r"seed=\d+", "replace": "seed=N"},
                                 {"pattern": r"<TIMESTAMP>", "replace": "when"}])
    assert normalise_text("seed=4 at 2026-12-06 03:14:50", declared) == "seed=N at when"


@pytest.mark.parametrize(("items", "message"), [
    ("x", "must be a list"),
    ([{"pattern": "("}], "not a valid regular expression"),
    ([{"pattern": "a", "replace": r"\1"}], "not a valid regular expression"),
    ([{"pattern": ""}], "non-empty"),
    ([{"pattern": "a", "replace": 3}], "non-empty"),
    ([{"pattern": "a", "other": 1}], "'pattern' and 'replace' only"),
    (["a"], "'pattern' and 'replace' only"),
    ([{"pattern": "a" * 1001}], "at most 1000"),
    ([{"pattern": "a"}] * (MAX_DECLARED + 1), f"At most {MAX_DECLARED}"),
])
def test_invalid_declared_normalisers_are_refused(items, message):
    with pytest.raises(ValueError, match=message):
        compile_declared(items)


def test_declared_normalisers_from_version_and_notebook_metadata():
    nb = {"metadata": {"replay": {"normalisers": [{"pattern": "b", "replace": "B"}]}}, "cells": []}
    version = {"replay": {"normalisers": [{"pattern": "a", "replace": "A"}]}}
    assert declared_normalisers(version, nb) == [{"pattern": "a", "replace": "A"},
                                                 {"pattern": "b", "replace": "B"}]
    assert declared_normalisers(None, {"metadata": {}, "cells": []}) == []
    with pytest.raises(ValueError, match="notebook metadata"):
        declared_normalisers({}, {"metadata": {"replay": {"normalisers": [{"pattern": "["}]}}})
    with pytest.raises(ValueError, match="version metadata"):
        declared_normalisers({"replay": []}, nb)
    many = {"replay": {"normalisers": [{"pattern": "a"}] * MAX_DECLARED}}
    with pytest.raises(ValueError, match="At most"):
        declared_normalisers(many, nb)


@pytest.mark.parametrize(("cell", "marker"), [
    (new_code_cell("1", metadata={"tags": ["nbval-skip"]}), "skip"),
    (new_code_cell("# NBVAL_SKIP\n1"), "skip"),
    (new_code_cell(["#NBVAL_SKIP\n", "1"]), "skip"),
    (new_code_cell("1", metadata={"tags": ["nbval-ignore-output"]}), "ignore"),
    (new_code_cell("# NBVAL_IGNORE_OUTPUT\nimport random"), "ignore"),
    (new_code_cell("1\n# NBVAL_SKIP"), None),
    (new_code_cell("1", metadata={"tags": ["other"]}), None),
])
def test_nbval_markers(cell, marker):
    assert nbval_marker(cell) == marker


# ------------------------------------------------------------------------------------ images


def png(draw=None, *, size=(100, 80), **save) -> str:
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    d.line((0, 0, size[0], size[1]), fill="blue", width=3)
    if draw:
        draw(d)
    buf = io.BytesIO()
    img.save(buf, "PNG", **save)
    return base64.b64encode(buf.getvalue()).decode()


def test_images_with_other_bytes_and_the_same_pixels_are_the_same():
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "another matplotlib")
    a, b = png(compress_level=1), png(compress_level=9, pnginfo=info)
    assert a != b
    assert compare_images(a, b) is None
    assert compare_images(a, a[:40] + "\n" + a[40:]) is None  # line breaks inside base64


def test_images_tolerate_a_few_pixels_and_not_more():
    base = png()
    assert compare_images(base, png(lambda d: d.point((50, 10), fill="red"))) is None
    assert compare_images(base, png(lambda d: d.rectangle((10, 10, 30, 30), fill="red"))) == "pixels"
    assert compare_images(base, png(size=(101, 80))) == "size"
    assert compare_images(base, "bm90IGFuIGltYWdl") == "undecodable"


# ---------------------------------------------------------------------- comparing outputs


def stream(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def result(text, **data):
    return new_output("execute_result", data={"text/plain": text, **data}, execution_count=1)


def test_outputs_compare_after_normalisation_and_ignore_metadata():
    stored = [stream("a\n"), stream("b at 0x7f3a2b1c9d00\n"),
              {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {"w": 1},
               "transient": {"display_id": "d1"}}]  # fmt: skip
    replayed = [stream("a\nb at 0x7fe9d68c7260\n"),
                new_output("display_data", data={"text/plain": "x"})]  # fmt: skip
    assert compare_outputs(stored, replayed) is None
    assert compare_outputs([result("1")], [{**result("1"), "execution_count": 9}]) is None


@pytest.mark.parametrize(("stored", "replayed", "detail"), [
    ([stream("1\n")], [stream("2\n")], "text differs (stdout)"),
    ([stream("1\n")], [stream("1\n", "stderr")], "output kind differs"),
    ([result("1")], [result("2")], "text differs (text/plain)"),
    ([result("1")], [result("1", **{"text/html": "<b>1</b>"})], "output kind differs"),
    ([result("1")], [result("1"), stream("warn\n", "stderr")],
     "1 outputs stored, 2 replayed (only replayed: stderr text)"),
    ([result("F", **{"image/png": png()})],
     [result("F", **{"image/png": png(lambda d: d.ellipse((20, 20, 60, 60), fill="red"))})], "image differs (pixels)"),
])
def test_outputs_that_differ_say_how(stored, replayed, detail):
    assert detail in compare_outputs(stored, replayed)


def test_text_is_reported_before_images():
    a = [result("1", **{"image/png": png()})]
    b = [result("2", **{"image/png": png(size=(10, 10))})]
    assert compare_outputs(a, b) == "text differs (text/plain); image differs (size)"


# ---------------------------------------------------------------------------------- judging


def stored_run(nb: dict, **changes) -> ReplayRun:
    """A run that says again exactly what `nb` stores (as a perfect replay would)."""
    outputs, replies = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            outputs.append(None)
            replies.append(None)
            continue
        outs = copy.deepcopy(cell.get("outputs") or [])
        err = next((o for o in outs if o["output_type"] == "error"), None)
        reply = {"status": "ok", "execution_count": cell.get("execution_count")}
        if err is not None:
            reply.update(status="error", ename=err["ename"], evalue=err["evalue"])
        outputs.append(outs)
        replies.append(reply)
    run = ReplayRun("ok", 10, outputs, replies, None, None,
                    {"name": "python3", "language": "python", "language_version": "3.11"},
                    {"python": "3.11", "packages_hash": None, "packages": [], "source": "server"})  # fmt: skip
    for k, v in changes.items():
        setattr(run, k, v)
    return run


def plain(nb) -> dict:
    return json.loads(json.dumps(nb))


def small_notebook() -> dict:
    return plain(new_notebook(cells=[
        new_markdown_cell("# t"),
        new_code_cell("print(1)", outputs=[stream("1\n")]),
        new_code_cell("1/0", outputs=[new_output("error", ename="ZeroDivisionError",
                                                 evalue="division by zero", traceback=["..."])]),
        new_code_cell("x", outputs=[result("3")]),
    ]))


def test_a_perfect_replay_reproduces():
    nb = small_notebook()
    status, cells = judge(nb, stored_run(nb))
    assert status == "reproduced"
    assert [(c.index, c.verdict) for c in cells] == [(1, "same"), (2, "same"), (3, "same")]
    assert cells[0].cell_id == nb["cells"][1]["id"]


def test_a_cell_that_now_raises_fails_and_a_vanished_error_differs():
    nb = small_notebook()
    run = stored_run(nb)
    run.replies[1] = {"status": "error", "ename": "NameError", "evalue": "name 'y' is not defined",
                      "execution_count": 1}  # fmt: skip
    run.replies[2] = {"status": "ok", "execution_count": 2}
    run.outputs[2] = []
    status, cells = judge(nb, run)
    assert status == "failed"
    assert (cells[0].verdict, cells[0].detail) == ("error", "raised NameError: name 'y' is not defined")
    assert (cells[1].verdict, cells[1].detail) == ("differs", "the stored error ZeroDivisionError did not recur")


def test_another_error_than_the_stored_one_is_an_error():
    nb = small_notebook()
    run = stored_run(nb)
    run.replies[2] = {"status": "error", "ename": "TypeError", "evalue": "no", "execution_count": 2}
    assert judge(nb, run)[1][1].verdict == "error"


def test_timeout_and_kernel_death_name_the_cell_and_skip_the_rest():
    nb = small_notebook()
    run = stored_run(nb, status="timeout", failed_cell_index=2, message="The replay did not finish")
    run.outputs[3] = run.replies[3] = None
    status, cells = judge(nb, run)
    assert status == "timeout"
    assert [(c.verdict, c.detail) for c in cells[1:]] == [
        ("error", "timed out"), ("skipped", "not run (the replay stopped at cell 2)")]
    run.status, run.message = "kernel_error", "The kernel died while running cell 2 (exit code -9)"
    status, cells = judge(nb, run)
    assert status == "failed"
    assert cells[1].detail.startswith("The kernel died")


def test_nbval_markers_are_honoured_when_judging():
    nb = small_notebook()
    nb["cells"][1]["metadata"]["tags"] = ["nbval-ignore-output"]
    nb["cells"][3]["source"] = "# NBVAL_SKIP\nx"
    run = stored_run(nb)
    run.outputs[1] = [stream("something else\n")]
    run.outputs[3] = run.replies[3] = None  # replay_notebook does not run it
    status, cells = judge(nb, run)
    assert status == "reproduced"
    assert (cells[0].verdict, cells[0].detail) == ("same", "outputs ignored (nbval-ignore-output)")
    assert (cells[2].verdict, cells[2].detail) == ("skipped", "not run (nbval-skip)")


def test_declared_normalisers_are_used_by_judge():
    nb = small_notebook()
    run = stored_run(nb)
    run.outputs[3] = [result("4")]
    assert judge(nb, run)[0] == "differs"
    assert judge(nb, run, [{"pattern": r"^\d$", "replace": "N"}])[0] == "reproduced"


def test_replayed_notebook_holds_the_replayed_outputs():
    nb = small_notebook()
    run = stored_run(nb)
    run.outputs[3] = [result("4")]
    run.replies[3] = {"status": "ok", "execution_count": 7}
    replayed = replayed_notebook(nb, run)
    assert replayed["cells"][3]["outputs"] == [result("4")]
    assert replayed["cells"][3]["execution_count"] == 7
    assert replayed["cells"][0] == nb["cells"][0]
    assert nb["cells"][3]["outputs"] == [result("3")]  # the stored notebook is untouched


# ------------------------------------------------------------ real published notebooks


CORPUS = sorted({str(f): f for p in corpus.PAIRS + corpus.UNCHANGED for f in (p.old, p.new)}.items())


@pytest.mark.parametrize("name", [name for name, _ in CORPUS])
def test_a_corpus_notebook_judged_against_itself_reproduces_and_one_change_differs(name):
    nb = corpus.raw(dict(CORPUS)[name])
    status, cells = judge(nb, stored_run(nb))
    assert status == "reproduced", [c for c in cells if c.verdict != "same"]
    # Change one output: the first textual one; else add one to the first code cell.
    run = stored_run(nb)
    target = None
    for i, cell in enumerate(nb["cells"]):
        texts = [o for o in run.outputs[i] or [] if o["output_type"] == "stream" or "text/plain" in o.get("data", {})]
        if texts:
            target = i
            if texts[0]["output_type"] == "stream":
                texts[0]["text"] = "changed\n"
            else:
                texts[0]["data"]["text/plain"] = "changed"
            break
    if target is None:
        code = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
        if not code:
            pytest.skip("no code cell")
        target = code[0]
        run.outputs[target].append(stream("changed\n"))
    status, cells = judge(nb, run)
    assert status == "differs"
    assert [c.index for c in cells if c.verdict != "same"] == [target]


def test_a_result_and_a_display_of_the_same_data_are_the_same():
    shown = new_output("display_data", data={"text/plain": "3"})
    assert compare_outputs([result("3")], [shown]) is None
    assert compare_outputs([result("3")], [new_output("display_data", data={"text/plain": "4"})]) == \
        "text differs (text/plain)"


def test_svg_element_ids_are_masked_in_markup_only():
    a = '<path id="m9170149d4a"/><use xlink:href="#m9170149d4a"/><g clip-path="url(#p3c1b2a4f5e)"/>'
    b = '<path id="mf5ffc947c8"/><use xlink:href="#mf5ffc947c8"/><g clip-path="url(#p0123456789)"/>'
    assert normalise_text(a, markup=True) == normalise_text(b, markup=True)
    assert normalise_text(a) != normalise_text(b)
    assert compare_outputs([result("F", **{"image/svg+xml": a})], [result("F", **{"image/svg+xml": b})]) is None
