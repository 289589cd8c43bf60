"""Replay in a real JupyterLab (issue 21): the version view's Replay button starts a replay whose
progress and verdict show as a badge; `replay-version` by id resolves with the finished replay;
"Differs" opens nbdime's diff of the stored outputs against the replayed ones; the history shows
each version's latest verdict and follows a replay started elsewhere (the `replay` live event); a
debate transcript's version chip carries the verdict in its tooltip. Real kernels, real Chromium;
screenshots, light and dark, go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from browser import CHROMIUM_ARGS, Lab, chromium_path, create, log_tail, open_lab, run, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLEEP_S = 5  # long enough to see a replay's progress, short enough for a test


def code(cell_id: str, source: str, text: str | None = None) -> dict:
    outputs = [] if text is None else [{"output_type": "stream", "name": "stdout", "text": text}]
    return {"id": cell_id, "cell_type": "code", "metadata": {}, "source": source,
            "outputs": outputs, "execution_count": None if text is None else 1}


def notebook(cells: list[dict], heading: str = "# Microglia counts\nDoes the per-slide mean still come out the same?") -> dict:
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{"id": "md", "cell_type": "markdown", "metadata": {}, "source": heading}, *cells]}


V1 = notebook([
    code("setup", "counts = [38, 44, 46]"),
    code("wait", f"import time\ntime.sleep({SLEEP_S})"),
    code("mean", "print(sum(counts) / len(counts))", "42.666666666666664\n"),
])
# v2 adds an unseeded draw: its stored number will not come back.
V2 = {**V1, "cells": [*V1["cells"], code("draw", "import random\nprint(random.random())", "0.8444218515250481\n")]}


def benign(error: str) -> bool:
    """Chromium reports a ResizeObserver that re-laid out within one frame as an error; it is not one."""
    return "ResizeObserver loop" in error


def test_replay_badge_button_diff_history_debate(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    create(lab, "api/notebooks", {"id": "NB-R", "title": "Microglia counts", "notebook": V1})
    create(lab, "api/notebooks/NB-R/versions", {"notebook": V2, "parent_version": 1,
                                                 "rationale": "a random subsample"})
    debate = create(lab, "api/debates", {"target_artifact_id": "NB-R@v2",
                                         "topic": "Is the subsample reproducible?"})
    # A notebook whose second code cell now raises: replayed before the page opens.
    create(lab, "api/notebooks", {"id": "NB-F", "title": "Ratio per slide", "notebook": notebook([
        code("n", "slides = 0"), code("ratio", "print(12 / slides)", "4.0\n")], "# Ratio per slide")})
    status, failing = lab.request("POST", "api/notebooks/NB-F/versions/1/replay", {})
    assert status == 202, (status, failing)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page_errors: list[str] = []
        page.on("pageerror", lambda e: benign(str(e)) or page_errors.append(str(e)))
        try:
            open_lab(page, lab)

            # 1. By click: the version view's Replay button; progress, then the verdict.
            run(page, "jupyter-artifacts:open-version", {"ref": "NB-R@v1"})
            v1 = page.locator('.jp-Artifacts-version-view[data-ref="NB-R@v1"]')
            badge = v1.locator(".jp-Artifacts-replay-badge")
            expect(badge).to_have_attribute("data-status", "none", timeout=20_000)
            expect(badge).to_have_text("Not replayed yet")
            v1.locator('button[data-command="jupyter-artifacts:replay-version"]').click()
            expect(badge).to_have_attribute("data-status", "running", timeout=20_000)
            expect(badge.locator(".jp-Artifacts-replay-label")).to_contain_text("Replaying…", timeout=20_000)
            expect(v1.locator(".jp-Artifacts-replay-button")).to_be_disabled()
            # The sleeping cell holds the replay at 1 (or 2) of 3 code cells long enough to look at it.
            expect(badge.locator('[role="progressbar"]')).to_have_attribute("aria-valuemax", "3", timeout=20_000)
            screenshot(page, "21-replay-running", dark_too=False)
            expect(badge).to_have_attribute("data-status", "reproduced", timeout=90_000)
            expect(badge.locator(".jp-Artifacts-replay-label")).to_have_text(
                re.compile(r"^Reproduced ✓ (just now|\d+ s ago) · Python 3\.\d+$"))
            assert "NB-R@v1: reproduced" in (badge.get_attribute("title") or "")
            expect(v1.locator(".jp-Artifacts-replay-button")).to_be_enabled()
            screenshot(page, "21-replay-reproduced")

            # 2. By id: resolves with the finished replay, which names the cell that differs.
            replay = run(page, "jupyter-artifacts:replay-version", {"ref": "NB-R@v2"})
            assert replay["status"] == "differs", replay
            assert replay["ref"] == "NB-R@v2"
            assert [c["index"] for c in replay["cells"] if c["verdict"] == "differs"] == [4], replay["cells"]
            status, stored = lab.request("GET", f"api/replays/{replay['replay_id']}")
            assert status == 200 and stored["status"] == "differs", stored
            run(page, "jupyter-artifacts:open-version", {"ref": "NB-R@v2"})
            v2 = page.locator('.jp-Artifacts-version-view[data-ref="NB-R@v2"]')
            v2_badge = v2.locator(".jp-Artifacts-replay-badge")
            expect(v2_badge).to_have_attribute("data-replay-id", replay["replay_id"], timeout=20_000)
            expect(v2_badge.locator(".jp-Artifacts-replay-label")).to_have_text("Differs in 1 of 4 cells")

            # 3. "Differs" opens nbdime's diff of the stored outputs against the replayed ones.
            v2_badge.click()
            diff = page.locator(f'.jp-Artifacts-replay-diff-view[data-replay-id="{replay["replay_id"]}"]')
            expect(diff).to_have_attribute("data-ready", "true", timeout=30_000)
            assert "Replay NB-R@v2" in page.locator(".lm-DockPanel .lm-TabBar-tab.lm-mod-current").inner_text()
            expect(diff.locator('.jp-Artifacts-replay-cells li[data-cell-index="4"]')).to_contain_text("cell 5")
            expect(diff.locator(".jp-Artifacts-diff-summary")).to_have_attribute("data-modified", "1")
            expect(diff.locator(".nbdime-root")).to_contain_text("0.8444218515250481")
            expect(diff.locator(".jp-Artifacts-replay-header")).to_contain_text("python3 · Python 3.")
            expect(diff.locator(".jp-Artifacts-replay-header .jp-Artifacts-hash")).to_have_attribute(
                "data-hash", re.compile(r"^sha256:[0-9a-f]{64}$"))
            screenshot(page, "21-replay-diff")
            # By id too, the same tab.
            run(page, "jupyter-artifacts:open-replay-diff", {"replay_id": replay["replay_id"]})
            expect(page.locator(".jp-Artifacts-replay-diff-view")).to_have_count(1)

            # 4. History: each version's latest verdict; a replay started elsewhere shows up live.
            run(page, "jupyter-artifacts:show-history", {"id": "NB-R"})
            history = page.locator('.jp-Artifacts-history-view[data-artifact-id="NB-R"]')
            row1 = history.locator('tr[data-ref="NB-R@v1"] .jp-Artifacts-replay-badge')
            row2 = history.locator('tr[data-ref="NB-R@v2"] .jp-Artifacts-replay-badge')
            expect(row1).to_contain_text("Reproduced ✓", timeout=20_000)
            expect(row1).not_to_contain_text("Python")  # in its tooltip: the table stays narrow
            assert "Python 3." in (row1.get_attribute("title") or "")
            expect(row2).to_contain_text("Differs in 1 of 4 cells")
            status, started = lab.request("POST", "api/notebooks/NB-R/versions/1/replay", {"timeout_s": 120})
            assert status == 202, (status, started, log_tail(lab.log))
            expect(row1).to_have_attribute("data-replay-id", started["replay_id"], timeout=30_000)
            expect(row1).to_have_attribute("data-status", "reproduced", timeout=90_000)
            screenshot(page, "21-replay-history")

            # 5. A debate transcript's chip says the verdict in its tooltip.
            run(page, "jupyter-artifacts:open-debate", {"id": debate["id"]})
            chip = page.locator(f'.jp-Artifacts-debate-view[data-session-id="{debate["id"]}"] '
                                '.jp-Artifacts-target .jp-Artifacts-chip[data-ref="NB-R@v2"]')
            expect(chip).to_have_attribute("title", re.compile(r"^Open NB-R@v2 · .*Replay: Differs in 1 of 4 cells$"),
                                           timeout=20_000)

            # 6. A cell that now raises: failed, naming the cell; the diff shows the error beside the stored output.
            run(page, "jupyter-artifacts:open-version", {"ref": "NB-F@v1"})
            failed = page.locator('.jp-Artifacts-version-view[data-ref="NB-F@v1"] .jp-Artifacts-replay-badge')
            expect(failed).to_have_attribute("data-replay-id", failing["replay_id"], timeout=60_000)
            expect(failed).to_have_attribute("data-status", "failed", timeout=60_000)
            expect(failed.locator(".jp-Artifacts-replay-label")).to_have_text("Failed in cell 3")
            assert "ZeroDivisionError" in (failed.get_attribute("title") or "")
            screenshot(page, "21-replay-failed")

            # 7. A wrong argument is a sentence, and the command rejects.
            rejected = page.evaluate(
                "async () => { try { await window.jupyterapp.commands.execute("
                "'jupyter-artifacts:replay-version', {ref: 'NB-R@v9'}); return null; }"
                " catch (e) { return String(e.message ?? e); } }")
            assert rejected and "NB-R" in rejected, rejected
            assert page_errors == [], page_errors
        finally:
            browser.close()
