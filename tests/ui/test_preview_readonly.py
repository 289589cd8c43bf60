"""Version views are read-only and follow you in one preview tab (issue 17, UI.md): typing
into a version's cells changes nothing and the re-opened chip shows the stored source;
Shift+Enter runs nothing; a single click on chips and history rows reuses one preview tab,
a double click (or Keep open) pins it; Back and Forward move within it; a failed open
leaves no tab and says so once, with no unhandled rejection; Show Artifacts focuses the
search box. Screenshots, light and dark, go to test-artifacts/screenshots/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from browser import CHROMIUM_ARGS, SIDEBAR_ID, Lab, chromium_path, log_tail, open_lab, run, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABS = ".lm-DockPanel .lm-TabBar-tab"
PREVIEW_TAB = f"{TABS}.jp-Artifacts-preview"


def stored_sources(lab: Lab, notebook_id: str, n: int) -> list[str]:
    status, nb = lab.request("GET", f"api/notebooks/{notebook_id}/versions/{n}?format=json")
    assert status == 200, nb
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]


def cell_texts(view) -> list[str]:
    """The source each cell's editor shows (CodeMirror lines joined by newlines)."""
    return view.locator(".jp-Cell").evaluate_all(
        "cells => cells.map(c => Array.from(c.querySelectorAll('.cm-line')).map(l => l.textContent).join('\\n'))")


def test_version_views_are_read_only_and_follow_you_in_one_preview_tab(demo_lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    lab = demo_lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page_errors: list[str] = []
        console: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        try:
            open_lab(page, lab)
            main_tabs = page.locator(TABS)
            before = main_tabs.count()

            # 1. Read-only: typing into NB-12@v2's first code cell changes nothing.
            run(page, "jupyter-artifacts:open-version", {"ref": "NB-12@v2"})
            view = page.locator('.jp-Artifacts-version-view[data-ref="NB-12@v2"]')
            stored = stored_sources(lab, "NB-12", 2)
            expect(view.locator(".jp-Cell")).to_have_count(len(stored), timeout=20_000)
            expect(view.locator(".jp-Artifacts-readonly-note")).to_contain_text("Read-only")
            # When it was made: the exact local time and how long ago, never a bare ISO string.
            status, v2 = lab.request("GET", "api/artifacts/NB-12/versions/2")
            assert status == 200, v2
            when = view.locator(".jp-Artifacts-when")
            expect(when.locator("time")).to_have_attribute("datetime", v2["created_at"])
            expect(when).to_contain_text(re.compile(r"\(just now\)|ago\)"))
            assert v2["created_at"] not in when.inner_text()
            assert cell_texts(view) == stored
            code = view.locator(".jp-CodeCell .cm-content").first
            code.click()
            page.keyboard.press("End")
            page.keyboard.type(" XYZZY typed")
            page.keyboard.press("Enter")
            page.keyboard.press("Backspace")
            page.keyboard.press("Control+a")
            page.keyboard.press("Delete")
            page.keyboard.insert_text("inserted text")
            assert cell_texts(view) == stored
            outputs = view.locator(".jp-OutputArea-output").count()
            prompts = view.locator(".jp-InputPrompt").all_inner_texts()

            # 2. Shift+Enter (and Ctrl+Enter) in the view run nothing: no kernel, same prompts and outputs.
            code.click()
            page.keyboard.press("Shift+Enter")
            page.keyboard.press("Control+Enter")
            page.wait_for_timeout(500)  # a run would have asked for a session by now
            for route in ("api/sessions", "api/kernels"):
                status, listed = lab.request("GET", route)
                assert status == 200 and listed == [], (route, listed)
            assert view.locator(".jp-OutputArea-output").count() == outputs
            assert view.locator(".jp-InputPrompt").all_inner_texts() == prompts
            assert cell_texts(view) == stored
            screenshot(page, "17-version-read-only")

            # The re-opened chip shows the stored source (the open tab is focused, unchanged).
            run(page, "jupyter-artifacts:open-sidebar")
            sidebar = page.locator(f"#{SIDEBAR_ID}")
            row = sidebar.locator('[data-artifact-id="NB-12"]')
            expect(row).to_be_visible(timeout=20_000)
            row.locator(".jp-Artifacts-row-header").click()
            chip = row.locator('.jp-Artifacts-versions [data-ref="NB-12@v2"]')
            chip.click()
            expect(page.locator(f"{TABS}.jp-mod-current")).to_contain_text("NB-12@v2")
            assert main_tabs.count() == before + 1
            assert cell_texts(view) == stored_sources(lab, "NB-12", 2)

            # 3. A single click on two other chips reuses one preview tab (italic title).
            row.locator('.jp-Artifacts-versions [data-ref="NB-12@v1"]').click()
            preview = page.locator('.jp-Artifacts-version-tab[data-preview="true"]')
            expect(preview.locator('.jp-Artifacts-version-view[data-ref="NB-12@v1"]')).to_be_visible(timeout=20_000)
            expect(page.locator(PREVIEW_TAB)).to_have_count(1)
            expect(page.locator(PREVIEW_TAB)).to_have_text("NB-12@v1")
            assert page.locator(PREVIEW_TAB).evaluate(
                "t => getComputedStyle(t.querySelector('.lm-TabBar-tabLabel')).fontStyle") == "italic"
            assert main_tabs.count() == before + 2
            row.locator('.jp-Artifacts-versions [data-ref="NB-12@v3"]').click()
            expect(preview.locator('.jp-Artifacts-version-view[data-ref="NB-12@v3"]')).to_be_visible(timeout=20_000)
            expect(page.locator(PREVIEW_TAB)).to_have_text("NB-12@v3")
            assert main_tabs.count() == before + 2
            screenshot(page, "17-preview-tab")

            # 4. Back and Forward (buttons, then Alt+Left in the tab) move within the preview tab.
            preview.locator(".jp-Artifacts-back").click()
            expect(preview.locator('.jp-Artifacts-version-view[data-ref="NB-12@v1"]')).to_be_visible(timeout=20_000)
            preview.locator(".jp-Artifacts-forward").click()
            expect(preview.locator('.jp-Artifacts-version-view[data-ref="NB-12@v3"]')).to_be_visible(timeout=20_000)
            preview.locator(".jp-Artifacts-view-title").click()
            page.keyboard.press("Alt+ArrowLeft")
            expect(preview.locator('.jp-Artifacts-version-view[data-ref="NB-12@v1"]')).to_be_visible(timeout=20_000)
            assert "/lab" in page.url  # the browser's own Back did not leave JupyterLab
            page.keyboard.press("Alt+ArrowRight")
            expect(preview.locator('.jp-Artifacts-version-view[data-ref="NB-12@v3"]')).to_be_visible(timeout=20_000)
            assert main_tabs.count() == before + 2

            # 5. A double click pins it: the next single click opens another preview tab.
            row.locator('.jp-Artifacts-versions [data-ref="NB-12@v3"]').dblclick()
            expect(page.locator(PREVIEW_TAB)).to_have_count(0)
            expect(page.locator('.jp-Artifacts-version-tab[data-preview="true"]')).to_have_count(0)
            row.locator('.jp-Artifacts-versions [data-ref="NB-12@v1"]').click()
            expect(page.locator(PREVIEW_TAB)).to_have_text("NB-12@v1", timeout=20_000)
            assert main_tabs.count() == before + 3

            # 6. A history row: a single click goes to the preview tab; Keep open pins it.
            run(page, "jupyter-artifacts:show-history", {"id": "hypothesis-H-89"})
            history = page.locator('.jp-Artifacts-history-view[data-artifact-id="hypothesis-H-89"]')
            tabs_now = main_tabs.count()
            history.locator('tr[data-ref="hypothesis-H-89@v1"] .jp-Artifacts-history-title').click()
            expect(preview.locator('.jp-Artifacts-version-view[data-ref="hypothesis-H-89@v1"]')).to_be_visible(
                timeout=20_000)
            assert main_tabs.count() == tabs_now
            preview.locator(".jp-Artifacts-keep-open").click()
            expect(page.locator(PREVIEW_TAB)).to_have_count(0)
            run(page, "jupyter-artifacts:show-history", {"id": "hypothesis-H-89"})
            history.locator('tr[data-ref="hypothesis-H-89@v2"] .jp-Artifacts-history-title').click()
            expect(page.locator(PREVIEW_TAB)).to_have_text("hypothesis-H-89@v2", timeout=20_000)
            assert main_tabs.count() == tabs_now + 1

            # 7. An unknown ref: by id it rejects with the reason; no tab, one notification, nothing unhandled.
            tabs_now = main_tabs.count()
            page.evaluate("() => document.querySelectorAll('.Toastify__toast').forEach(t => t.remove())")
            reason = page.evaluate(
                "async () => { try { await window.jupyterapp.commands.execute("
                "'jupyter-artifacts:open-version', {ref: 'no-such-artifact@v9'}); return null; }"
                " catch (e) { return String(e && e.message || e); } }")
            assert reason, "the command resolved for an unknown ref"
            toasts = page.locator(".Toastify__toast").filter(has_text="Opening the version failed")
            expect(toasts).to_have_count(1, timeout=10_000)
            # As a click runs it: not awaited, in the preview tab.
            page.evaluate("() => { void window.jupyterapp.commands.execute("
                          "'jupyter-artifacts:open-version', {ref: 'no-such-artifact-2', preview: true}); }")
            expect(toasts).to_have_count(2, timeout=10_000)
            page.wait_for_timeout(500)  # an unhandled rejection is reported after the microtasks
            # From the palette, whose dialog asks for the ref.
            page.locator(f"{TABS}.jp-mod-current").click()
            page.keyboard.press("Control+Shift+C")
            page.keyboard.type("Open Artifact Version")
            page.keyboard.press("Enter")
            dialog = page.locator(".jp-Dialog")
            dialog.locator("input").fill("no-such-artifact-3")
            dialog.locator("button.jp-mod-accept").click()
            expect(toasts).to_have_count(3, timeout=10_000)
            # Another view (a history) that cannot load leaves no tab either.
            reason = page.evaluate(
                "async () => { try { await window.jupyterapp.commands.execute("
                "'jupyter-artifacts:show-history', {id: 'no-such-artifact'}); return null; }"
                " catch (e) { return String(e && e.message || e); } }")
            assert reason, "show-history resolved for an unknown id"
            expect(page.locator(".Toastify__toast").filter(has_text="Opening the history failed")).to_have_count(1)
            page.wait_for_timeout(500)  # an unhandled rejection is reported after the microtasks
            assert main_tabs.count() == tabs_now
            expect(page.locator(PREVIEW_TAB)).to_have_text("hypothesis-H-89@v2")
            assert page.locator('.lm-DockPanel .jp-Artifacts-error').count() == 0
            unhandled = [m for m in console if "unhandled" in m.lower() or "uncaught" in m.lower()]
            assert not unhandled, unhandled
            assert not page_errors, page_errors  # an unhandled rejection is a page error
            screenshot(page, "17-failed-open", toasts=True)

            # 8. Show Artifacts focuses the search box.
            preview.locator(".jp-Artifacts-view-title").click()
            run(page, "jupyter-artifacts:open-sidebar")
            assert page.evaluate("() => document.activeElement?.classList.contains('jp-Artifacts-search-input')")

            # 9. Open a copy in a new notebook: an editable file linked to the version it came from.
            page.locator(f"{TABS}[title^='NB-12@v2']").click()
            view.locator('button[data-command="jupyter-artifacts:open-copy"]').click()
            expect(page.locator(".jp-NotebookPanel:visible")).to_be_visible(timeout=20_000)
            copy = json.loads((Path(lab.root) / "NB-12-v2.ipynb").read_text())
            assert copy["metadata"]["jupyter_artifacts"] == {"artifact_id": "NB-12", "version_number": 2}
            assert ["".join(c["source"]) for c in copy["cells"]] == stored
            assert not page_errors, page_errors
        except Exception:
            print(log_tail(lab.log, 80))
            print("\n".join(console[-40:]))
            raise
        finally:
            browser.close()
