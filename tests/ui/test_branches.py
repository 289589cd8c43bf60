"""Notebook versions beyond append in a real JupyterLab (issue 16): fork a version (from the
version view, the history, a chip's menu, and by id), merge a fork back (clean, and with a
conflict resolved in nbdime's merge widget under our counter), split selected cells, and read
the result in the lineage (a merge's two parents, each kind of step styled apart) and the
history (step kind and method of every version). Each command runs by id and by click;
screenshots, light and dark, go to test-artifacts/screenshots/."""

from __future__ import annotations

import json
import re

import pytest
from browser import CHROMIUM_ARGS, Lab, chromium_path, create, log_tail, open_lab, run, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOURCES = [
    "# Plaque density by genotype\nThe TREM2 contrast on the pilot cohort.",
    "import statistics\ndensity = {'WT': [3.2, 3.9], 'R47H': [4.1, 4.6]}",
    "threshold = 0.05",
    "means = {g: statistics.mean(v) for g, v in density.items()}\nprint(means)",
]


def notebook(sources: list[str], prefix: str = "c") -> dict:
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{"id": f"{prefix}{i}", "cell_type": "markdown" if i == 0 else "code", "metadata": {},
                       "source": src, **({} if i == 0 else {"outputs": [], "execution_count": None})}
                      for i, src in enumerate(sources)]}


def edited(nb: dict, index: int, source: str) -> dict:
    out = json.loads(json.dumps(nb))
    out["cells"][index]["source"] = source
    return out


def get_json(lab: Lab, path: str) -> dict:
    status, body = lab.request("GET", path)
    assert status == 200, (path, status, body)
    return body


def rejection(page, command: str, args: dict) -> dict | None:
    """Run a command by id; the REST reason and message it rejected with (None if it resolved)."""
    return page.evaluate(
        "async ([id, args]) => { try { await window.jupyterapp.commands.execute(id, args); return null; }"
        " catch (e) { return {reason: e.reason ?? null, message: String(e.message ?? e)}; } }", [command, args])


def benign(error: str) -> bool:
    """Chromium reports a ResizeObserver that re-laid out within one frame as an error; it is not one."""
    return "ResizeObserver loop" in error


def tab_titles(page) -> list[str]:
    return page.locator(".lm-DockPanel .lm-TabBar-tab .lm-TabBar-tabLabel").all_inner_texts()


def test_fork_merge_split_lineage_history(lab: Lab) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    base = notebook(SOURCES)
    create(lab, "api/notebooks", {"id": "NB", "title": "Plaque density", "notebook": base})
    create(lab, "api/notebooks/NB/versions", {"notebook": edited(base, 2, "threshold = 0.01"),
                                               "rationale": "stricter threshold", "parent_version": 1})

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page_errors: list[str] = []
        page.on("pageerror", lambda e: benign(str(e)) or page_errors.append(str(e)))
        try:
            open_lab(page, lab)

            # 1. Fork by id: exactly NB@v2 becomes NB-fork@v1, which opens.
            reply = run(page, "jupyter-artifacts:fork-artifact", {"ref": "NB@v2", "new_id": "NB-fork"})
            assert reply["ref"] == "NB-fork@v1", reply
            fork_view = page.locator('.jp-Artifacts-version-view[data-ref="NB-fork@v1"]')
            expect(fork_view.locator(".jp-Cell")).to_have_count(4, timeout=20_000)
            expect(fork_view.locator(".jp-Artifacts-step")).to_contain_text("fork")
            expect(fork_view.locator(".jp-Artifacts-step")).to_contain_text("from NB@v2")

            # 2. Fork by click in a version view (its dialog asks for the new id).
            run(page, "jupyter-artifacts:open-version", {"ref": "NB@v1"})
            v1 = page.locator('.jp-Artifacts-version-view[data-ref="NB@v1"]')
            v1.locator('button[data-command="jupyter-artifacts:fork-artifact"]').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog.locator(".jp-Artifacts-field-ref")).to_have_value("NB@v1")
            dialog.locator(".jp-Artifacts-field-new_id").fill("NB-alt")
            dialog.locator("button.jp-mod-accept").click()
            expect(page.locator('.jp-Artifacts-version-view[data-ref="NB-alt@v1"] .jp-Cell')).to_have_count(4, timeout=20_000)

            # 3. Fork from a history row, and 4. from a chip's context menu.
            run(page, "jupyter-artifacts:show-history", {"id": "NB"})
            history = page.locator('.jp-Artifacts-history-view[data-artifact-id="NB"]')
            history.locator('tr[data-ref="NB@v2"] .jp-Artifacts-history-fork').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog.locator(".jp-Artifacts-field-ref")).to_have_value("NB@v2")
            dialog.locator(".jp-Artifacts-field-new_id").fill("NB-hist")
            dialog.locator("button.jp-mod-accept").click()
            expect(page.locator('.jp-Artifacts-version-view[data-ref="NB-hist@v1"]')).to_be_visible(timeout=20_000)
            page.locator('.lm-DockPanel .lm-TabBar-tab:has-text("History NB")').click()
            history.locator('tr[data-ref="NB@v1"] .jp-Artifacts-chip').click(button="right")
            page.locator('.jp-Artifacts-chip-menu .lm-Menu-item[data-command="jupyter-artifacts:fork-artifact"]').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog.locator(".jp-Artifacts-field-ref")).to_have_value("NB@v1")
            dialog.locator(".jp-Artifacts-field-new_id").fill("NB-chip")
            dialog.locator("button.jp-mod-accept").click()
            expect(page.locator('.jp-Artifacts-version-view[data-ref="NB-chip@v1"]')).to_be_visible(timeout=20_000)
            assert get_json(lab, "api/notebooks/NB-chip")["latest_version"] == 1

            # Meanwhile: the head and the fork change the same cell (a conflict); NB-alt another one.
            create(lab, "api/notebooks/NB/versions", {"notebook": edited(edited(base, 2, "threshold = 0.01"), 1,
                   "import statistics\ndensity = {'WT': [3.2, 3.9, 3.5], 'R47H': [4.1, 4.6]}"), "parent_version": 2})
            create(lab, "api/notebooks/NB-fork/versions", {"notebook": edited(edited(edited(base, 2, "threshold = 0.01"), 1,
                   "import statistics\ndensity = {'WT': [3.2, 3.9], 'R47H': [4.1, 4.6, 4.4]}"), 3,
                   "means = {g: statistics.mean(v) for g, v in density.items()}\nprint(means)  # per genotype"),
                   "parent_version": 1, "rationale": "one more R47H animal"})
            create(lab, "api/notebooks/NB-alt/versions", {"notebook": edited(base, 3,
                   "means = {g: statistics.mean(v) for g, v in density.items()}\nprint(sorted(means.items()))"),
                   "parent_version": 1})

            # 5. A clean merge by id opens the new version.
            reply = run(page, "jupyter-artifacts:merge-notebook", {"id": "NB", "other": "NB-alt"})
            assert reply == {"status": "created", "ref": "NB@v4"}, reply
            expect(page.locator('.jp-Artifacts-version-view[data-ref="NB@v4"] .jp-Artifacts-step')) \
                .to_contain_text("nbdime-merge", timeout=20_000)

            # 6. A conflicted merge by id opens `Merge NB ← NB-fork` with nbdime's merge widget.
            reply = run(page, "jupyter-artifacts:merge-notebook", {"id": "NB", "other": "NB-fork"})
            assert reply["status"] == "conflicts" and reply["ref"] == "NB@v4", reply
            merge = page.locator(".jp-Artifacts-merge-view")
            expect(merge).to_have_attribute("data-ready", "true", timeout=30_000)
            assert "Merge NB ← NB-fork" in tab_titles(page)
            count = merge.locator(".jp-Artifacts-merge-count")
            expect(count).to_contain_text("conflict")
            left = int(count.get_attribute("data-conflicts-left"))
            assert left >= 1
            commit = merge.locator(".jp-Artifacts-merge-commit")
            expect(commit).to_be_disabled()
            assert float(commit.evaluate("b => getComputedStyle(b).opacity")) < 0.8
            expect(count).to_have_attribute("data-places-left", "2")  # cells 2 and 4 changed on both sides
            expect(count).to_have_text(f"{left} conflicts left in 2 places")
            # Next conflict goes to each unresolved place in turn, scrolled into view and highlighted.
            cells = merge.locator(".jp-Cell-merge")
            merge.locator(".jp-Artifacts-merge-next").click()
            current = merge.locator(".jp-Artifacts-merge-current")
            expect(current).to_have_count(1)
            expect(current).to_be_in_viewport()
            expect(cells.nth(1)).to_have_class(re.compile("jp-Artifacts-merge-current"))
            screenshot(page, "16-merge-conflict")
            merge.locator(".jp-Artifacts-merge-next").click()
            expect(cells.nth(3)).to_have_class(re.compile("jp-Artifacts-merge-current"))
            expect(cells.nth(3)).to_be_in_viewport()
            # The second: kept as the result shows it (the common ancestor's line), marked resolved by hand.
            expect(merge.locator(".jp-Artifacts-merge-mark")).to_have_text("Mark resolved (cell 4)")
            expect(cells.nth(3).locator(".jp-Merge-conflict").first).to_be_visible()
            merge.locator(".jp-Artifacts-merge-mark").click()
            expect(count).to_have_attribute("data-places-left", "1")
            expect(cells.nth(3).locator(".jp-Merge-conflict")).to_have_count(0)  # nbdime redrew it resolved
            expect(commit).to_be_disabled()
            # Next conflict wraps around to the one left; resolve it as nbdime asks: pick the fork's side
            # (➭ in the right column), then click ⚠ in the result.
            merge.locator(".jp-Artifacts-merge-next").click()
            expect(cells.nth(1)).to_have_class(re.compile("jp-Artifacts-merge-current"))
            current.locator(".cm-merge-right-editor .jp-Merge-gutter-picker >> visible=true").first.click()
            expect(count).to_have_attribute("data-places-left", "1")  # picked, not yet marked resolved
            current.locator(".jp-Merge-gutter-conflict >> visible=true").first.click()
            expect(count).to_have_attribute("data-conflicts-left", "0")
            expect(count).to_contain_text("No conflicts left")
            expect(commit).to_be_enabled()
            merge.locator(".jp-Artifacts-merge-rationale").fill("keep the extra R47H animal")
            screenshot(page, "16-merge-resolved", dark_too=False)
            commit.click()
            v5 = page.locator('.jp-Artifacts-version-view[data-ref="NB@v5"]')
            expect(v5.locator(".jp-Artifacts-step")).to_contain_text("nbdime-merge", timeout=20_000)
            expect(v5.locator(".jp-Artifacts-step")).to_contain_text("from NB@v4 + NB-fork@v2")
            expect(page.locator(".jp-Artifacts-merge-view")).to_have_count(0)  # the merge tab closed
            stored = get_json(lab, "api/notebooks/NB/versions/5?format=json")
            assert stored["cells"][1]["source"] == "import statistics\ndensity = {'WT': [3.2, 3.9], 'R47H': [4.1, 4.6, 4.4]}"
            assert stored["cells"][3]["source"] == "means = {g: statistics.mean(v) for g, v in density.items()}\nprint(means)"
            lineage = get_json(lab, "api/artifacts/NB@v5/lineage?direction=ancestors&max_depth=1")
            merges = sorted(e["source"] for e in lineage["edges"] if e["target"] == "NB@v5" and e["step_type"] == "merge")
            assert merges == ["NB-fork@v2", "NB@v4"], lineage["edges"]

            # 7. A merge by click: "Merge into…" in a version view, its dialog naming the notebook.
            create(lab, "api/notebooks/NB-hist/versions", {"notebook": edited(edited(base, 2, "threshold = 0.01"), 0,
                   "# Plaque density by genotype\nThe TREM2 contrast on the pilot and replication cohorts."),
                   "parent_version": 1})
            run(page, "jupyter-artifacts:open-version", {"ref": "NB-hist@v2"})
            hist2 = page.locator('.jp-Artifacts-version-view[data-ref="NB-hist@v2"]')
            hist2.locator('button[data-command="jupyter-artifacts:merge-notebook"]').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog.locator(".jp-Artifacts-field-other")).to_have_value("NB-hist@v2")
            dialog.locator(".jp-Artifacts-field-id").fill("NB")
            dialog.locator("button.jp-mod-accept").click()
            v6 = page.locator('.jp-Artifacts-version-view[data-ref="NB@v6"]')
            expect(v6.locator(".jp-Artifacts-step")).to_contain_text("from NB@v5 + NB-hist@v2", timeout=20_000)
            assert get_json(lab, "api/notebooks/NB")["latest_version"] == 6

            # A refusal by id rejects with the server's reason and opens nothing.
            tabs = len(tab_titles(page))
            refused = rejection(page, "jupyter-artifacts:merge-notebook", {"id": "NB", "other": "NB-nowhere"})
            assert refused is not None and refused["reason"] == "not_found", refused
            assert len(tab_titles(page)) == tabs

            # 8. The lineage of the merge: two parents, each kind of step in its own style, a legend.
            create(lab, "api/notebooks/NB/split", {"cells": [0, 1], "from": "NB@v5", "new_id": "NB-intro"})
            run(page, "jupyter-artifacts:open-lineage", {"ref": "NB@v5", "direction": "both", "max_depth": 3})
            dag = page.locator('.jp-Artifacts-lineage-view[data-ref="NB@v5"]')
            expect(dag).to_have_attribute("data-ready", "true", timeout=20_000)
            into_v5 = dag.locator('.jp-Artifacts-dag-edge[data-step-type="merge"][aria-label$="to NB@v5"]')
            expect(into_v5).to_have_count(2)
            styles = page.evaluate("""() => Object.fromEntries(['merge', 'fork', 'split', 'derive'].map(t => {
                const line = document.querySelector(`.jp-Artifacts-lineage-view .jp-Artifacts-dag-edge[data-step-type="${t}"] .jp-Artifacts-dag-edge-line`);
                const cs = line && getComputedStyle(line);
                return [t, cs && [cs.stroke, cs.strokeWidth, cs.strokeDasharray]]; }))""")
            assert all(styles.values()), styles
            assert len({tuple(v) for v in styles.values()}) == 4, styles  # four kinds, four looks
            assert styles["merge"][1] == "5px" and styles["fork"][2] != "none" and styles["split"][2] != "none", styles
            assert dag.locator('.jp-Artifacts-dag-edge[data-step-type="merge"] .jp-Artifacts-dag-edge-inner').count() >= 2
            legend = dag.locator(".jp-Artifacts-dag-legend")
            for kind in ("merge (two parents)", "fork", "split", "derive"):
                expect(legend).to_contain_text(kind)
            # The label is drawn at a readable size. (Waited for: it measured 0 once in ten runs right after
            # the view said ready; a live re-fetch after the split may redraw the graph then.)
            label = '.jp-Artifacts-lineage-view[data-ref="NB@v5"] .jp-Artifacts-dag-edge-label'
            try:
                page.wait_for_function(f"() => (document.querySelector('{label}')?.getBoundingClientRect().height ?? 0) >= 8",
                                       timeout=10_000)
            except PlaywrightTimeout:
                raise AssertionError(page.evaluate(f"""() => {{ const t = document.querySelector('{label}');
                    return t && [t.textContent, t.getBoundingClientRect().height, t.closest('svg')?.clientWidth,
                                 t.closest('g[transform]')?.getAttribute('transform')]; }}""")) from None
            run(page, "apputils:dismiss-notification")  # (the refusal's notification above)
            screenshot(page, "16-lineage-merge")

            # 9. The history names the kind and method of the step behind every version.
            run(page, "jupyter-artifacts:show-history", {"id": "NB"})
            expect(history.locator("tbody tr")).to_have_count(6, timeout=20_000)
            row5 = history.locator('tr[data-ref="NB@v5"] .jp-Artifacts-step')
            expect(row5).to_contain_text("merge · nbdime-merge")
            expect(row5).to_contain_text("from NB@v4 + NB-fork@v2")
            expect(row5).to_contain_text("keep the extra R47H animal")
            expect(history.locator('tr[data-ref="NB@v2"] .jp-Artifacts-step')).to_contain_text("derive · manual-edit")
            expect(history.locator('tr[data-ref="NB@v2"] .jp-Artifacts-step')).to_contain_text("stricter threshold")
            expect(history.locator('tr[data-ref="NB@v1"]')).to_contain_text("registered")
            screenshot(page, "16-history")

            # 10. Split: the selected cells by a click in the cell menu, and chosen cells by id.
            (lab.root / "split-me.ipynb").write_text(json.dumps(notebook(SOURCES, prefix="s")))
            reply = run(page, "jupyter-artifacts:register-notebook", {"path": "split-me.ipynb"})
            assert reply["notebook_id"] == "split-me", reply
            run(page, "docmanager:open", {"path": "split-me.ipynb"})
            panel = page.locator(".jp-NotebookPanel:visible")
            panel.locator(".jp-Cell").nth(1).locator(".jp-InputPrompt").click()
            panel.locator(".jp-Cell").nth(2).locator(".jp-InputPrompt").click(modifiers=["Shift"])
            expect(panel.locator(".jp-Cell.jp-mod-selected")).to_have_count(2)
            panel.locator(".jp-Cell").nth(2).click(button="right")
            page.locator('.lm-Menu-item[data-command="jupyter-artifacts:split-notebook"]').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog).to_contain_text("Cells 2, 3 of split-me@v1")
            dialog.locator(".jp-Artifacts-field-new_id").fill("split-setup")
            dialog.locator("button.jp-mod-accept").click()
            part = page.locator('.jp-Artifacts-version-view[data-ref="split-setup@v1"]')
            expect(part.locator(".jp-Cell")).to_have_count(2, timeout=20_000)
            expect(part.locator(".jp-Artifacts-step")).to_contain_text("split")
            reply = run(page, "jupyter-artifacts:split-notebook", {"path": "split-me.ipynb", "cells": [3, 0],
                                                                   "new_id": "split-id"})
            assert reply["ref"] == "split-id@v1", reply
            cells = get_json(lab, "api/notebooks/split-id/versions/1?format=json")["cells"]
            assert [c["id"] for c in cells] == ["s3", "s0"], cells
            # A cell edited since the version cannot be split from it: said, nothing made.
            run(page, "docmanager:open", {"path": "split-me.ipynb"})
            page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[3].model.sharedModel"
                          ".setSource('print(means)  # edited')")
            page.evaluate("() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                          " nb.deselectAll(); nb.activeCellIndex = 3; }")
            refused = rejection(page, "jupyter-artifacts:split-notebook", {"path": "split-me.ipynb"})
            assert refused is not None and "not in split-me@v1 as shown here" in refused["message"], refused
            assert not page_errors, page_errors
        except Exception:
            page.screenshot(path=str(lab.log.parent / "failure.png"))
            print(log_tail(lab.log, 80))
            raise
        finally:
            browser.close()


PANEL = ("(() => { for (const w of window.jupyterapp.shell.widgets('main'))"
         " if (w.context && w.context.path === 'trem2.ipynb') return w; })()")


def set_source(page, index: int, source: str) -> None:
    page.evaluate(f"s => {PANEL}.content.widgets[{index}].model.sharedModel.setSource(s)", source)


def link(page) -> dict:
    return page.evaluate(f"() => {PANEL}.context.model.getMetadata('jupyter_artifacts')")


def test_working_copy_commit_status_and_merge(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    (lab.root / "trem2.ipynb").write_text(json.dumps(notebook(SOURCES)))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page_errors: list[str] = []
        page.on("pageerror", lambda e: benign(str(e)) or page_errors.append(str(e)))
        try:
            open_lab(page, lab)
            run(page, "docmanager:open", {"path": "trem2.ipynb"})
            panel = page.locator(".jp-NotebookPanel:visible")
            status = panel.locator(".jp-Artifacts-wc")
            expect(status).to_have_text("Not registered", timeout=20_000)
            run(page, "jupyter-artifacts:register-notebook", {"path": "trem2.ipynb"})

            # 1. The status reads like git status: in sync, then N cells changed as the researcher types.
            expect(status).to_have_attribute("data-state", "in-sync", timeout=15_000)
            expect(status).to_have_text("trem2@v1· in sync")
            editor = panel.locator(".jp-Cell").nth(1).locator(".cm-content")
            editor.click()
            page.keyboard.press("Control+End")
            page.keyboard.type("  # two animals per genotype")
            page.keyboard.press("Escape")
            expect(status).to_have_attribute("data-state", "changed", timeout=10_000)
            expect(status.locator(".jp-Artifacts-wc-changes")).to_have_text("1 cell changed since v1")
            screenshot(page, "16-status-changed")

            # 2. Appending that edited cell warns: it is already in v1 (commit the edit instead).
            panel.locator('.jp-Toolbar-item[data-jp-item-name="jupyter-artifacts-append-cell"] button').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog.locator(".jp-Artifacts-append-cell")).to_contain_text("Sends cell 2 (code):")
            expect(dialog.locator(".jp-Artifacts-append-first-line")).to_have_text("import statistics")
            expect(dialog.locator(".jp-Artifacts-append-edited")).to_contain_text(
                "already in trem2@v1 (cell 2), with other source")
            expect(dialog.locator(".jp-Artifacts-append-edited")).to_contain_text("Save as new version")
            screenshot(page, "16-append-edited-warning")
            dialog.locator("button.jp-mod-reject").click()
            assert get_json(lab, "api/notebooks/trem2")["latest_version"] == 1

            # 3. The status click shows the working copy's diff against v1 (POST diff: nothing stored).
            status.locator(".jp-Artifacts-wc-changes").click()
            copy_diff = page.locator('.jp-Artifacts-diff-view[data-copy="true"][data-ready="true"]')
            expect(copy_diff).to_be_visible(timeout=20_000)
            expect(copy_diff.locator(".jp-Artifacts-diff-refs")).to_have_text("trem2@v1 → working copy")
            expect(copy_diff.locator(".jp-Artifacts-diff-modified")).to_contain_text("1 modified")
            assert "trem2 v1 → working copy" in tab_titles(page)

            # 4. Save as new version by click: the dialog shows nbdime's diff, asks method and rationale.
            run(page, "docmanager:open", {"path": "trem2.ipynb"})
            panel.locator('.jp-Toolbar-item[data-jp-item-name="jupyter-artifacts-commit"] button').click()
            dialog = page.locator(".jp-Dialog")
            body = dialog.locator(".jp-Artifacts-commit-dialog")
            expect(body).to_have_attribute("data-ready", "true", timeout=20_000)
            expect(body.locator(".jp-Artifacts-commit-summary")).to_have_attribute("data-modified", "1")
            expect(body.locator(".jp-Artifacts-diff-modified")).to_contain_text("1 modified (cell 2)")
            expect(body.locator(".cm-merge-r-inserted").filter(has_text="two animals per genotype")).to_be_visible()
            expect(body.locator(".jp-Artifacts-commit-method")).to_have_value("manual-edit")
            body.locator(".jp-Artifacts-commit-rationale").fill("Note the group sizes next to the data")
            expect(dialog.locator("button.jp-mod-accept")).to_have_text("Save as trem2@v2")
            screenshot(page, "16-commit-dialog")
            dialog.locator("button.jp-mod-accept").click()
            expect(page.locator(".Toastify__toast").filter(has_text="Saved as trem2@v2")).to_be_visible(timeout=15_000)
            expect(status).to_have_attribute("data-state", "in-sync", timeout=10_000)
            assert link(page) == {"artifact_id": "trem2", "version_number": 2}
            assert get_json(lab, "api/notebooks/trem2")["latest_version"] == 2
            steps = get_json(lab, "api/artifacts/trem2@v2/lineage?direction=ancestors&max_depth=1")["edges"]
            assert [(e["step_type"], e["method"], e["parameters"].get("rationale")) for e in steps] == \
                [("derive", "manual-edit", "Note the group sizes next to the data")], steps
            stored = get_json(lab, "api/notebooks/trem2/versions/2?format=json")
            assert stored["cells"][1]["source"].endswith("# two animals per genotype")
            assert [c["id"] for c in stored["cells"]] == ["c0", "c1", "c2", "c3"]  # the cells kept their ids

            # 5. Nothing changed: said, nothing created (by id and by click).
            assert run(page, "jupyter-artifacts:commit-notebook", {"path": "trem2.ipynb"}) == \
                {"status": "unchanged", "ref": "trem2@v2", "summary": {"added": [], "removed": [], "modified": [],
                                                                      "unchanged_count": 4}}
            nothing = page.locator(".Toastify__toast").filter(has_text="Nothing to save")
            run(page, "apputils:dismiss-notification")  # (the one of the call by id)
            expect(nothing).to_have_count(0, timeout=10_000)
            panel.locator('.jp-Toolbar-item[data-jp-item-name="jupyter-artifacts-commit"] button').click()
            expect(nothing).to_have_count(1, timeout=10_000)
            expect(page.locator(".jp-Dialog")).to_have_count(0)
            assert get_json(lab, "api/notebooks/trem2")["latest_version"] == 2

            # 6. Commit by id, with a method and a rationale.
            set_source(page, 3, "means = {g: statistics.mean(v) for g, v in density.items()}\nprint(sorted(means.items()))")
            reply = run(page, "jupyter-artifacts:commit-notebook",
                        {"path": "trem2.ipynb", "method": "reformat", "rationale": "sorted output"})
            assert reply["status"] == "created" and reply["ref"] == "trem2@v3", reply
            steps = get_json(lab, "api/artifacts/trem2@v3/lineage?direction=ancestors&max_depth=1")["edges"]
            assert [(e["method"], e["parameters"].get("rationale")) for e in steps] == [("reformat", "sorted output")]

            # 7. Another writer's version: the status says behind; unchanged, one click updates the copy.
            status_code, _ = lab.request("POST", "api/notebooks/trem2/cells",
                                         {"source": "print('from an agent')", "parent_version": 3, "agent_id": "ed"})
            assert status_code == 201
            expect(status.locator(".jp-Artifacts-wc-behind")).to_have_text("v4 exists (behind)", timeout=10_000)
            expect(status).to_have_attribute("data-state", "behind")
            screenshot(page, "16-status-behind")
            status.locator(".jp-Artifacts-wc-behind").click()
            page.locator(".jp-Dialog button.jp-mod-accept").filter(has_text="Update to v4").click()
            expect(panel.locator(".jp-Cell")).to_have_count(5, timeout=10_000)
            expect(status).to_have_attribute("data-state", "in-sync", timeout=10_000)
            assert link(page) == {"artifact_id": "trem2", "version_number": 4}

            # 8. Edited while another version landed: by id a stale parent is refused (and nothing opens);
            #    by click the commit offers to merge, and saves the merge.
            v4 = get_json(lab, "api/notebooks/trem2/versions/4?format=json")
            create(lab, "api/notebooks/trem2/versions", {"notebook": edited(v4, 2, "threshold = 0.01"),
                                                          "parent_version": 4, "agent_id": "ed"})
            set_source(page, 0, "# Plaque density by genotype\nThe TREM2 contrast on the pilot cohort (n = 4).")
            expect(status.locator(".jp-Artifacts-wc-behind")).to_have_text("v5 exists (behind)", timeout=10_000)
            expect(status.locator(".jp-Artifacts-wc-changes")).to_have_text("1 cell changed since v4")
            tabs = len(tab_titles(page))
            refused = rejection(page, "jupyter-artifacts:commit-notebook", {"path": "trem2.ipynb", "rationale": "n"})
            assert refused is not None and refused["reason"] == "stale_parent", refused
            assert len(tab_titles(page)) == tabs and page.locator(".jp-Dialog").count() == 0
            panel.locator('.jp-Toolbar-item[data-jp-item-name="jupyter-artifacts-commit"] button').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog.locator(".jp-Artifacts-commit-dialog .jp-Artifacts-warning")).to_contain_text(
                "A newer version exists (v5)", timeout=20_000)
            dialog.locator(".jp-Artifacts-commit-rationale").fill("State the cohort size")
            dialog.locator("button.jp-mod-accept").click()
            offer = page.locator(".jp-Dialog").filter(has_text="trem2 has a newer version")
            expect(offer).to_contain_text("trem2@v5 was saved since this notebook's trem2@v4")
            offer.locator("button.jp-mod-accept").click()
            expect(page.locator(".Toastify__toast").filter(has_text="Merged trem2@v5 into your edits (no conflicts)")) \
                .to_contain_text("Saved as trem2@v6", timeout=15_000)
            assert link(page) == {"artifact_id": "trem2", "version_number": 6}
            v6 = get_json(lab, "api/notebooks/trem2/versions/6?format=json")
            assert v6["cells"][0]["source"].endswith("(n = 4).") and v6["cells"][2]["source"] == "threshold = 0.01"
            expect(status).to_have_attribute("data-state", "in-sync", timeout=10_000)

            # 9. The same cell changed on both sides: the merge opens on the working copy; resolving it
            #    (the working copy's side) and committing puts the result in the notebook and saves v8.
            create(lab, "api/notebooks/trem2/versions", {"notebook": edited(v6, 2, "threshold = 0.001"),
                                                          "parent_version": 6, "agent_id": "ed"})
            set_source(page, 2, "threshold = 0.05  # as preregistered")
            expect(status.locator(".jp-Artifacts-wc-behind")).to_have_text("v7 exists (behind)", timeout=10_000)
            status.locator(".jp-Artifacts-wc-behind").click()
            page.locator(".jp-Dialog button").filter(has_text="Merge and save as v8").click()
            merge = page.locator(".jp-Artifacts-merge-view")
            expect(merge).to_have_attribute("data-ready", "true", timeout=30_000)
            assert "Merge trem2 ← working copy trem2.ipynb" in tab_titles(page)
            count = merge.locator(".jp-Artifacts-merge-count")
            assert int(count.get_attribute("data-conflicts-left")) >= 1
            expect(merge.locator(".jp-Artifacts-merge-commit")).to_be_disabled()
            merge.locator(".jp-Artifacts-merge-next").click()
            current = merge.locator(".jp-Artifacts-merge-current")
            current.locator(".cm-merge-right-editor .jp-Merge-gutter-picker >> visible=true").first.click()
            current.locator(".jp-Merge-gutter-conflict >> visible=true").first.click()
            expect(count).to_have_attribute("data-conflicts-left", "0")
            expect(merge.locator(".jp-Artifacts-merge-commit")).to_have_text("Apply to the working copy and save as v8")
            merge.locator(".jp-Artifacts-merge-commit").click()
            expect(page.locator('.jp-Artifacts-version-view[data-ref="trem2@v8"]')).to_be_visible(timeout=20_000)
            v8 = get_json(lab, "api/notebooks/trem2/versions/8?format=json")
            assert v8["cells"][2]["source"] == "threshold = 0.05  # as preregistered", v8["cells"][2]
            assert link(page) == {"artifact_id": "trem2", "version_number": 8}
            run(page, "docmanager:open", {"path": "trem2.ipynb"})
            expect(status).to_have_attribute("data-state", "in-sync", timeout=10_000)
            expect(status).to_have_text("trem2@v8· in sync")
            assert not page_errors, page_errors
        except Exception:
            page.screenshot(path=str(lab.log.parent / "failure.png"))
            print(log_tail(lab.log, 80))
            raise
        finally:
            browser.close()
