"""Guidance in a real JupyterLab on the demonstration data (issue 17, items 6, 7, 8, 10): the
pull dialog's type-ahead and version picker, errors said inside it with the input kept, a
re-pull that names the role the pin kept; the Register button and the append button that
says to register first; a registration that leaves out a trailing empty cell and says so;
an appended executed cell that shows its execution count; a field diff of H-89 v1 → v3
with the changed words marked and `changelog: null → text` shown as added. By click and by
command id; screenshots, light and dark, in test-artifacts/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browser import CHROMIUM_ARGS, Lab, chromium_path, create, log_tail, open_lab, run, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

APPEND_ITEM = '.jp-Toolbar-item[data-jp-item-name="jupyter-artifacts-append-cell"]'
REGISTER_ITEM = '.jp-Toolbar-item[data-jp-item-name="jupyter-artifacts-register"]'


def notebook_with_trailing_empty_cell(root: Path, name: str) -> str:
    sources = ["values = [3, 4, 5, 8]", "total = sum(values)", ""]
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "cells": [{"id": f"c{i}", "cell_type": "code", "metadata": {}, "source": src, "outputs": [],
                     "execution_count": None} for i, src in enumerate(sources)]}
    (root / name).write_text(json.dumps(nb))
    return name


def toast(page, text: str):
    return page.locator(".Toastify__toast").filter(has_text=text)


def test_pull_dialog_guidance_and_field_diff(demo_lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    lab = demo_lab
    chamber = create(lab, "api/chambers", {"name": "Plaque design", "purpose": "experiment_design"})
    notebook_with_trailing_empty_cell(Path(lab.root), "guided.ipynb")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page_errors: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        try:
            open_lab(page, lab)

            # 1. The pull dialog, from the chamber's own button: an unknown id is said inside
            #    the dialog, which stays open with what was typed.
            run(page, "jupyter-artifacts:open-chamber", {"id": chamber["id"]})
            view = page.locator(f'.jp-Artifacts-chamber-view[data-chamber-id="{chamber["id"]}"]')
            view.locator('button[data-command="jupyter-artifacts:pull-into-chamber"]').click()
            dialog = page.locator(".jp-Dialog")
            ref_input = dialog.locator(".jp-Artifacts-pull-ref")
            expect(ref_input).to_be_focused()
            ref_input.fill("no-such-artifact")
            expect(dialog.locator(".jp-Artifacts-ref-results")).to_contain_text("No artifact matches", timeout=10_000)
            dialog.locator("button.jp-mod-accept").click()
            expect(dialog.locator(".jp-Artifacts-pull-error")).to_contain_text("no-such-artifact", timeout=10_000)
            expect(dialog).to_be_visible()
            expect(ref_input).to_have_value("no-such-artifact")
            screenshot(page, "17-pull-error")

            # 2. Type-ahead by a fragment of a title, keyboard only: ↓ and Enter pick it, the
            #    version picker lists its versions with the latest chosen.
            # The id as people say it ("H-89") finds the id as stored ("hypothesis-H-89"); Escape
            # closes the list, not the dialog.
            ref_input.fill("H-89")
            expect(dialog.locator(".jp-Artifacts-pull-error")).to_have_count(0)  # it was about the old text
            results = dialog.locator(".jp-Artifacts-ref-results")
            expect(results.locator('[data-artifact-id="hypothesis-H-89"]')).to_be_visible(timeout=10_000)
            ref_input.press("Escape")
            expect(results).to_have_count(0)
            expect(dialog).to_be_visible()
            ref_input.fill("raises plaq")
            option = dialog.locator('.jp-Artifacts-ref-option[data-artifact-id="hypothesis-H-89"]')
            expect(option).to_be_visible(timeout=10_000)
            expect(option).to_contain_text("TREM2 loss raises plaque load in aged mice")
            screenshot(page, "17-pull-typeahead")
            index = dialog.locator(".jp-Artifacts-ref-option").evaluate_all(
                "(els) => els.findIndex(e => e.dataset.artifactId === 'hypothesis-H-89')")
            for _ in range(index):
                ref_input.press("ArrowDown")
            expect(option).to_have_attribute("aria-selected", "true")
            ref_input.press("Enter")
            expect(dialog).to_be_visible()  # Enter picked; it did not pull
            expect(ref_input).to_have_value("hypothesis-H-89@v3", timeout=10_000)
            version = dialog.locator(".jp-Artifacts-pull-version")
            expect(version.locator("option")).to_have_count(3)
            expect(version).to_have_value("3")
            version.select_option("2")
            expect(ref_input).to_have_value("hypothesis-H-89@v2")
            dialog.locator(".jp-Artifacts-pull-role").select_option("input")
            expect(dialog.locator(".jp-Artifacts-pull-chamber")).to_have_value(chamber["id"])
            screenshot(page, "17-pull-version-picker")
            dialog.locator("button.jp-mod-accept").click()
            expect(dialog).to_have_count(0, timeout=10_000)
            expect(toast(page, 'Pulled hypothesis-H-89@v2 into "Plaque design" as input.')).to_be_visible(
                timeout=10_000)
            expect(view.locator('tr[data-ref="hypothesis-H-89@v2"]')).to_have_attribute("data-role", "input",
                                                                                       timeout=10_000)

            # 2b. A chamber closed while the dialog is open: the 409 is said inside, nothing is lost.
            closing = create(lab, "api/chambers", {"name": "Closing soon", "purpose": "debate"})
            page.evaluate("(id) => { window.__pull = window.jupyterapp.commands.execute("
                          "'jupyter-artifacts:pull-into-chamber', {ref: 'paper-P-77', chamber_id: id, choose: true}); }",
                          closing["id"])
            expect(ref_input).to_have_value("paper-P-77@v1", timeout=10_000)  # the latest, made explicit
            expect(dialog.locator(".jp-Artifacts-pull-chamber")).to_have_value(closing["id"])
            status, _ = lab.request("POST", f"api/chambers/{closing['id']}/close", {})
            assert status == 200
            dialog.locator("button.jp-mod-accept").click()
            expect(dialog.locator(".jp-Artifacts-pull-error")).to_contain_text("closed", timeout=10_000)
            expect(ref_input).to_have_value("paper-P-77@v1")
            dialog.locator("button.jp-mod-reject").click()
            expect(dialog).to_have_count(0)
            assert page.evaluate("async () => await window.__pull") is None  # cancelled: nothing pulled

            # 3. A re-pull as another role changes nothing, and says so: by id, and in the dialog.
            again = run(page, "jupyter-artifacts:pull-into-chamber",
                        {"ref": "hypothesis-H-89@v2", "chamber_id": chamber["id"], "role": "reference"})
            assert again["already_pinned"] is True and again["role"] == "input", again
            expect(toast(page, "hypothesis-H-89@v2 was already pinned as input")).to_be_visible(timeout=10_000)
            expect(toast(page, "Pulled hypothesis-H-89@v2 into")).to_have_count(1)  # only the first pull's
            page.evaluate("() => { window.__pull = window.jupyterapp.commands.execute("
                          "'jupyter-artifacts:pull-into-chamber', {ref: 'hypothesis-H-89@v2', choose: true}); }")
            expect(dialog.locator(".jp-Artifacts-pull-version")).to_have_value("2", timeout=10_000)
            dialog.locator(".jp-Artifacts-pull-role").select_option("workbench")
            dialog.locator("button.jp-mod-accept").click()
            expect(dialog).to_have_count(0, timeout=10_000)
            expect(toast(page, "a pin keeps its first role: workbench was not applied")).to_be_visible(timeout=10_000)
            status, pinned = lab.request("GET", f"api/chambers/{chamber['id']}")
            assert [(p["ref"], p["role"]) for p in pinned["artifacts"]] == [("hypothesis-H-89@v2", "input")], pinned
            screenshot(page, "17-repull-message", toasts=True)

            # 4. An unregistered notebook: a Register button, and an append button that is
            #    disabled and says why.
            run(page, "docmanager:open", {"path": "guided.ipynb"})
            panel = page.locator(".jp-NotebookPanel:visible")
            expect(panel.locator(".jp-Cell")).to_have_count(3, timeout=20_000)
            # JupyterLab's toolbar buttons are <jp-button> elements (a shadow <button> inside).
            register = panel.locator(f"{REGISTER_ITEM} .jp-ToolbarButtonComponent")
            append = panel.locator(f"{APPEND_ITEM} .jp-ToolbarButtonComponent")
            expect(register).to_be_visible()
            expect(register).to_contain_text("Register")
            expect(append).to_have_attribute("disabled", "")  # a custom element: no native :disabled
            assert append.get_attribute("title").startswith("Register this notebook first ("), \
                append.get_attribute("title")
            expect(append).to_have_attribute("aria-disabled", "true")
            assert float(append.evaluate("b => getComputedStyle(b).opacity")) < 0.6  # and it looks it
            screenshot(page, "17-unregistered-toolbar")

            # 5. Register by the button: the trailing empty cell is left out, and the message says so.
            register.click()
            expect(toast(page, "Registered guided@v1: 2 cells (left out 1 trailing empty cell).")).to_be_visible(
                timeout=15_000)
            status, info = lab.request("GET", "api/notebooks/guided")
            assert status == 200 and info["cell_count"] == 2, info
            expect(register).to_be_hidden()
            # The blank cell left in the notebook is no change against v1.
            expect(panel.locator(".jp-Artifacts-wc")).to_have_attribute("data-state", "in-sync", timeout=10_000)
            expect(append).to_have_attribute("aria-disabled", "false")
            assert "guided@v2" in append.get_attribute("title")
            screenshot(page, "17-registered-toolbar", toasts=True)

            # 6. Append the (formerly empty) last cell, executed, by the toolbar: the cell shows
            #    the execution count the new version stores, not [ ]:.
            page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[2].model.sharedModel"
                          ".setSource('total / len(values)')")
            panel.locator(".jp-Cell").nth(2).click()
            append.click()
            expect(dialog).to_be_visible()
            dialog.locator(".jp-Artifacts-append-execute").check()
            dialog.locator("button.jp-mod-accept").click()
            last = panel.locator(".jp-Cell").nth(2)
            expect(last.locator(".jp-OutputArea-output")).to_contain_text("5.0", timeout=90_000)
            status, stored = lab.request("GET", "api/notebooks/guided/versions/2?format=json")
            count = stored["cells"][2]["execution_count"]
            assert isinstance(count, int), stored["cells"][2]
            expect(last.locator(".jp-InputPrompt")).to_have_text(f"[{count}]:")
            screenshot(page, "17-append-execution-count")

            # 7. The field diff of H-89 v1 → v3, by a click on History's Compare and by id: the
            #    changed words marked inside the statement; changelog null → text is added.
            run(page, "jupyter-artifacts:show-history", {"id": "hypothesis-H-89"})
            history = page.locator('.jp-Artifacts-history-view[data-artifact-id="hypothesis-H-89"]')
            history.locator('tr[data-ref="hypothesis-H-89@v1"] input[type="checkbox"]').check()
            history.locator('tr[data-ref="hypothesis-H-89@v3"] input[type="checkbox"]').check()
            history.locator(".jp-Artifacts-compare").click()
            diff = page.locator('.jp-Artifacts-diff-view[data-artifact-id="hypothesis-H-89"][data-ready="true"]').last
            expect(diff).to_be_visible(timeout=20_000)
            statement = diff.locator('[data-field="content"] .jp-Artifacts-json-change[data-path="statement"]')
            expect(statement).to_have_attribute("data-kind", "changed")
            expect(statement.locator(".jp-Artifacts-word-removed")).to_have_text(["amyloid"])
            expect(statement.locator(".jp-Artifacts-word-added")).to_have_text(["in aged mice"])
            expect(statement.locator(".jp-Artifacts-word-diff")).to_have_text(
                "Loss of microglial TREM2 raises amyloid plaque load in aged mice.")
            changelog = diff.locator('[data-field="changelog"]')
            expect(changelog).to_have_attribute("data-kind", "added")
            expect(changelog.locator(".jp-Artifacts-change-kind")).to_have_text("added")
            expect(changelog).to_contain_text("title follows the statement")
            expect(diff.locator('[data-field="title"] .jp-Artifacts-word-added')).to_have_text(["in aged mice"])
            expect(diff.locator(".jp-Artifacts-diff-summary")).to_contain_text("changelog added")
            screenshot(page, "17-field-diff")
            run(page, "jupyter-artifacts:open-diff", {"id": "hypothesis-H-89", "from": 1, "to": 3})
            expect(page.locator(".jp-Artifacts-word-removed:visible").first).to_have_text("amyloid")

            assert page.locator(".jp-Artifacts-view img, .jp-Dialog img").count() == 0
            assert not page_errors, page_errors
        except Exception:
            print(log_tail(lab.log, 80))
            raise
        finally:
            browser.close()
