"""A researcher's first task with the keyboard alone: find an artifact, open its latest
version, and come back to the list, in a real JupyterLab with the demonstration data."""

from __future__ import annotations

import pytest

from browser import CHROMIUM_ARGS, SIDEBAR_ID, Lab, chromium_path, open_lab, screenshot

pytestmark = pytest.mark.browser

ACTIVE = "() => { const e = document.activeElement; return e ? (e.dataset.ref || e.className || e.tagName) : '' }"


def test_find_and_open_a_version_with_the_keyboard_only(demo_lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page_errors: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        try:
            open_lab(page, demo_lab)
            # The command palette, then "Show Artifacts": the cursor lands in the search box.
            page.keyboard.press("Control+Shift+C")
            palette = page.locator(".lm-CommandPalette-input")
            expect(palette).to_be_focused()
            page.keyboard.type("Show Artifacts")
            page.keyboard.press("Enter")
            search = page.locator(f"#{SIDEBAR_ID} .jp-Artifacts-search-input")
            expect(search).to_be_focused(timeout=10_000)
            # A quick Tab goes where it is sent and focus stays there: Show Artifacts lets the palette
            # hand focus back to the main area first, then focuses the box, and stops re-focusing it
            # at the user's first key.
            page.keyboard.press("Tab")
            kind = page.locator(f"#{SIDEBAR_ID} select").first
            expect(kind).to_be_focused()
            page.wait_for_timeout(1_000)
            expect(kind).to_be_focused()
            page.keyboard.press("Shift+Tab")
            expect(search).to_be_focused()

            # A query typed there, then Tab to the first hit's latest-version chip.
            page.keyboard.type("plaque microglia")
            sidebar = page.locator(f"#{SIDEBAR_ID}")
            # The search's own result (with its match snippet), not the unfiltered list shown before
            # the search ran: that list is replaced when the results come, and a chip focused in it with it.
            expect(sidebar.locator('[data-artifact-id="NB-12"] .jp-Artifacts-match')).to_be_visible(timeout=10_000)
            expect(sidebar.locator(".jp-Artifacts-body")).to_have_attribute("aria-busy", "false")
            chip = sidebar.locator('[data-artifact-id="NB-12"] .jp-Artifacts-chip').first
            ref = chip.get_attribute("data-ref")
            assert ref and ref.startswith("NB-12@v"), ref
            for _ in range(30):
                if page.evaluate(ACTIVE) == ref:
                    break
                page.keyboard.press("Tab")
            assert page.evaluate(ACTIVE) == ref, "Tab never reached the chip"
            expect(chip).to_be_focused()

            # Enter opens exactly that version.
            page.keyboard.press("Enter")
            view = page.locator(f'.jp-Artifacts-version-view[data-ref="{ref}"]')
            expect(view).to_be_visible(timeout=20_000)
            expect(page.locator(".jp-MainAreaWidget .jp-Artifacts-version-view .jp-Cell").first).to_be_visible(
                timeout=20_000)
            screenshot(page, "17-keyboard-only", dark_too=False)
            assert not page_errors, page_errors
        finally:
            browser.close()
