"""The Artifacts sidebar in a real JupyterLab, driven by headless Chromium.

Starts `jupyter lab` in a subprocess on a fresh database schema (the
`database_url` fixture), creates artifacts over REST, then checks what the
sidebar shows. Needs Debian's `chromium` and the Python `playwright` package
(no `playwright install`), and a built labextension.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser import CHROMIUM_ARGS, HOSTILE_TITLE, HOSTILE_TITLE_2, SIDEBAR_ID, Lab, create

pytestmark = pytest.mark.browser


def test_sidebar_lists_versions_and_escapes_titles(lab: Lab, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    v1 = create(
        lab,
        "api/artifacts",
        {"id": "hyp-ui-1", "artifact_type": "hypothesis", "title": HOSTILE_TITLE, "content": {"s": 1}},
    )
    assert v1["ref"] == "hyp-ui-1@v1"
    v2 = create(lab, "api/artifacts/hyp-ui-1/versions", {"title": "TREM2 v2"})
    assert v2["ref"] == "hyp-ui-1@v2"
    create(
        lab,
        "api/artifacts",
        {"id": "hyp-ui-2", "artifact_type": "analysis", "title": HOSTILE_TITLE_2, "content": [1, 2]},
    )

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian chromium is missing: apt-get install -y chromium")
    screenshot = tmp_path / "artifacts-sidebar.png"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            dialogs: list[str] = []
            page_errors: list[str] = []
            console_errors: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))

            page.goto(f"{lab.url}lab?token={lab.token}")
            tab = page.locator(f'.jp-SideBar .lm-TabBar-tab[data-id="{SIDEBAR_ID}"]')
            expect(tab).to_be_visible(timeout=60_000)
            tab.click()

            sidebar = page.locator(f"#{SIDEBAR_ID}")
            expect(sidebar).to_be_visible()
            row1 = sidebar.locator('[data-artifact-id="hyp-ui-1"]')
            row2 = sidebar.locator('[data-artifact-id="hyp-ui-2"]')
            expect(row1).to_be_visible(timeout=20_000)
            expect(row2).to_be_visible()

            # Latest versions are listed, with type and id; titles are text, not markup.
            expect(row1.locator(".jp-Artifacts-title")).to_have_text("TREM2 v2")
            expect(row1.locator(".jp-Artifacts-type")).to_have_text("hypothesis")
            expect(row1.locator(".jp-Artifacts-id")).to_have_text("hyp-ui-1")
            expect(row2.locator(".jp-Artifacts-title")).to_have_text(HOSTILE_TITLE_2)
            expect(row2.locator(".jp-Artifacts-type")).to_have_text("analysis")

            # Expanding loads every version as a chip; v2 is the latest.
            row1.locator(".jp-Artifacts-row-header").click()
            chip1 = row1.locator('.jp-Artifacts-versions [data-ref="hyp-ui-1@v1"]')
            chip2 = row1.locator('.jp-Artifacts-versions [data-ref="hyp-ui-1@v2"]')
            # The latest version's chip shows without expanding the row.
            expect(row1.locator('.jp-Artifacts-row-latest [data-ref="hyp-ui-1@v2"]')).to_be_visible()
            expect(chip1).to_be_visible(timeout=20_000)
            expect(chip2).to_be_visible()
            latest = re.compile(r"(^|\s)jp-Artifacts-chip-latest(\s|$)")
            expect(chip2).to_have_class(latest)
            expect(chip1).not_to_have_class(latest)
            expect(chip2).to_contain_text("latest")
            expect(chip1).not_to_contain_text("latest")
            expect(chip1.locator(".jp-Artifacts-chip-label")).to_have_text("v1")
            # v1's hostile title only ever reaches the DOM as an attribute value.
            assert HOSTILE_TITLE in (chip1.get_attribute("title") or "")

            # The search box filters (debounced) on q.
            sidebar.locator(".jp-Artifacts-search-input").fill("APOE")
            expect(row1).to_have_count(0, timeout=10_000)
            expect(row2).to_be_visible()
            sidebar.locator(".jp-Artifacts-search-input").fill("")
            expect(row1).to_be_visible(timeout=10_000)
            expect(row1.locator('.jp-Artifacts-versions [data-ref="hyp-ui-1@v2"]')).to_be_visible()

            assert sidebar.locator("img, script, b").count() == 0
            assert page.evaluate("window.__pwned") is None
            assert not dialogs, dialogs
            assert not page_errors, page_errors
            assert not [e for e in console_errors if "artifact" in e.lower()], console_errors
            assert not sidebar.locator(".jp-Artifacts-error").count()

            page.screenshot(path=str(screenshot))
            print(f"screenshot: {screenshot}")
        finally:
            browser.close()


def test_sidebar_follows_changes_made_through_another_server(lab: Lab, database_url: str, tmp_path: Path) -> None:
    """Live updates: a version appended over REST through another Jupyter server on the same
    database, and a row another service inserts with plain SQL, appear without a reload."""
    import psycopg
    from playwright.sync_api import expect, sync_playwright

    from tests_helpers import JupyterServer

    create(lab, "api/artifacts", {"id": "hyp-live", "artifact_type": "hypothesis", "title": "Live v1"})
    chromium = shutil.which("chromium")
    assert chromium, "Debian chromium is missing: apt-get install -y chromium"
    with JupyterServer(tmp_path, database_url, name="other") as other, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{lab.url}lab?token={lab.token}")
            page.wait_for_function("() => !!window.jupyterapp", timeout=60_000)
            page.evaluate("async () => { await window.jupyterapp.restored; "
                          "await window.jupyterapp.commands.execute('jupyter-artifacts:open-sidebar'); }")
            sidebar = page.locator(f"#{SIDEBAR_ID}")
            row = sidebar.locator('[data-artifact-id="hyp-live"]')
            expect(row).to_be_visible(timeout=20_000)
            row.locator(".jp-Artifacts-row-header").click()
            expect(row.locator('.jp-Artifacts-versions [data-ref="hyp-live@v1"]')).to_be_visible(timeout=10_000)

            status, reply = other.call("POST", "/api/artifacts/hyp-live/versions", {"title": "Live v2"})
            assert status == 201, reply
            expect(row.locator('.jp-Artifacts-versions [data-ref="hyp-live@v2"]')).to_be_visible(timeout=10_000)
            expect(row.locator(".jp-Artifacts-title")).to_have_text("Live v2")

            status, reply = other.call("POST", "/api/artifacts", {"id": "paper-live", "artifact_type": "paper",
                                                                   "title": "Written through the other server"})
            assert status == 201, reply
            expect(sidebar.locator('[data-artifact-id="paper-live"]')).to_be_visible(timeout=10_000)

            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute("INSERT INTO artifacts (id, artifact_type, title) "
                             "VALUES ('dataset-sql', 'dataset', 'Inserted by another service')")
            expect(sidebar.locator('[data-artifact-id="dataset-sql"]')).to_be_visible(timeout=10_000)
            page.screenshot(path=str(tmp_path / "artifacts-sidebar-live.png"))
        finally:
            browser.close()
