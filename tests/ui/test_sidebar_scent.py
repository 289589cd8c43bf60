"""Information scent in the Artifacts sidebar (issue 17): rows and versions say how, by whom
and when a version was made (the exact local time on hover), cut texts show in full on hover
and on keyboard focus, the LATEST badge is legible, the layout holds at 250 px and 500 px,
debates appear live in their own section and open their transcript, and a search hit shows
why it matched. Screenshots, light and dark, go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from browser import CHROMIUM_ARGS, SIDEBAR_ID, Lab, chromium_path, create, open_lab, run, screenshot

pytestmark = pytest.mark.browser

TIME_ZONE = "Europe/Berlin"  # not the server's UTC: the tooltip must be local time
LONG_TITLE = ("Microglial priming by TREM2 variants drives synapse loss in aged mice, "
              "independent of amyloid burden, across three cohorts")
LONG_ID = "hypothesis-H-89-microglial-priming-aged-mice"
LONG_TAG = "debate-debate-b9b4c2e0-7a1d-4f3e-9c55-0d2f1e6a8b31"
RELATIVE = re.compile(r"^(just now|\d+ min ago)$")


def notebook(*sources: str) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"id": f"c{i}", "cell_type": "markdown" if i == 0 else "code", "metadata": {}, "source": s,
                       **({} if i == 0 else {"outputs": [], "execution_count": None})}
                      for i, s in enumerate(sources)]}


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast of two opaque CSS `rgb()`/`rgba()` colours."""
    def luminance(css: str) -> float:
        r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])

        def lin(c: int) -> float:
            c = c / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colours(locator) -> tuple[str, str]:
    """An element's text colour and the first opaque background behind it."""
    return locator.evaluate("""e => {
        const fg = getComputedStyle(e).color;
        for (let n = e; n; n = n.parentElement) {
            const bg = getComputedStyle(n).backgroundColor;
            if (bg && bg !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(bg)) { return [fg, bg]; }
        }
        return [fg, 'rgb(255, 255, 255)'];
    }""")


def set_sidebar_width(page, width: int) -> None:
    """Drag the splitter between the left area and the main area, as a person would
    (again if a drag did not take: Lumino starts a drag only on a press it saw)."""
    sidebar = page.locator(f"#{SIDEBAR_ID}")
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)").first
    from playwright.sync_api import expect

    for _ in range(3):
        expect(sidebar).to_be_visible()
        current = sidebar.bounding_box()["width"]
        if abs(current - width) < 2:
            break
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + width - current, y, steps=8)
        page.mouse.up()
        page.wait_for_timeout(200)  # the split panel lays out on the next frame
    page.evaluate("() => window.getSelection().removeAllRanges()")  # text the drag swept over
    page.wait_for_function("([id, w]) => Math.abs(document.getElementById(id).getBoundingClientRect().width - w) < 2",
                           arg=[SIDEBAR_ID, width], timeout=10_000)


def overflowing(page) -> list[str]:
    """Visible parts of the sidebar that stick out of it sideways (a broken layout)."""
    return page.evaluate("""id => {
        const root = document.getElementById(id);
        const r = root.getBoundingClientRect();
        const bad = [];
        root.querySelectorAll('.jp-Artifacts-search *, .jp-Artifacts-row *, .jp-Artifacts-chamber-row *,'
                              + ' .jp-Artifacts-debate-row *').forEach(e => {
            const b = e.getBoundingClientRect();
            if (b.width > 0 && (b.right > r.right + 1 || b.left < r.left - 1)) {
                bad.push(`${e.getAttribute('class') || e.tagName} ${Math.round(b.left)}..${Math.round(b.right)}`);
            }
        });
        const body = root.querySelector('.jp-Artifacts-body');
        if (body.scrollWidth > body.clientWidth + 1) { bad.push('the list scrolls sideways'); }
        return bad;
    }""", SIDEBAR_ID)


def test_rows_say_how_who_when_in_full_and_debates_arrive_live(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    status, reply = lab.request("POST", "api/notebooks", {
        "id": "NB-scent", "title": "Microglia states in the aged cortex",
        "notebook": notebook("# Microglia", "import numpy as np")})
    assert status == 201, reply
    status, reply = lab.request("POST", "api/notebooks/NB-scent/cells", {
        "source": "de = dge(adata, gene='TREM2')", "agent_id": "ed-lein",
        "method": "differential-expression", "execute": False})
    assert status == 201, reply
    create(lab, "api/artifacts", {"id": LONG_ID, "artifact_type": "hypothesis", "title": LONG_TITLE,
                                  "content": {"statement": LONG_TITLE}})
    status, reply = lab.request("POST", f"api/artifacts/{LONG_ID}/versions/1/tags", {"tag": LONG_TAG})
    assert status in (200, 201), reply
    status, versions = lab.request("GET", "api/artifacts/NB-scent/versions")
    assert status == 200, versions
    v1, v2 = versions["versions"]
    status, first_debate = lab.request("POST", "api/debates", {"target_artifact_id": LONG_ID,
                                                               "topic": "Is priming amyloid-independent?"})
    assert status == 201, first_debate

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB",
                                      timezone_id=TIME_ZONE)
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        try:
            open_lab(page, lab)
            run(page, "jupyter-artifacts:open-sidebar")
            sidebar = page.locator(f"#{SIDEBAR_ID}")
            set_sidebar_width(page, 250)

            # The placeholder starts with "Search" and fits the box at 250 px.
            search = sidebar.locator(".jp-Artifacts-search-input")
            expect(search).to_have_attribute("placeholder", re.compile(r"^Search"))
            assert search.evaluate("""e => {
                const s = getComputedStyle(e), c = document.createElement('canvas').getContext('2d');
                c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
                return c.measureText(e.placeholder).width <= room;
            }"""), "the search placeholder is cut off at 250 px"

            # A row says how its latest version was made, by whom and when.
            row = sidebar.locator('[data-artifact-id="NB-scent"]')
            expect(row).to_be_visible(timeout=20_000)
            scent = row.locator(".jp-Artifacts-row-scent")
            expect(scent.locator(".jp-Artifacts-step-kind")).to_have_text("cell append")
            expect(scent.locator(".jp-Artifacts-method")).to_have_text("differential-expression")
            expect(scent.locator(".jp-Artifacts-actor-name")).to_have_text("ed-lein")
            expect(scent.locator(".jp-Artifacts-actor")).to_have_attribute("title", re.compile(r"^agent ed-lein"))
            when = scent.locator("time")
            expect(when).to_have_text(RELATIVE)
            expect(when).to_have_attribute("datetime", v2["created_at"])
            local = datetime.fromisoformat(v2["created_at"].replace("Z", "+00:00")).astimezone(ZoneInfo(TIME_ZONE))
            tooltip = when.get_attribute("title") or ""
            assert local.strftime("%H:%M:%S") in tooltip and str(local.year) in tooltip, tooltip
            # The row keeps its latest version's chip.
            expect(row.locator('.jp-Artifacts-row-latest [data-ref="NB-scent@v2"]')).to_be_visible()

            # Expanded, each version has its own line: "v2 · cell append · … · ed-lein · just now".
            row.locator(".jp-Artifacts-row-header").click()
            item2 = row.locator('.jp-Artifacts-chip-item:has([data-ref="NB-scent@v2"])')
            item1 = row.locator('.jp-Artifacts-chip-item:has([data-ref="NB-scent@v1"])')
            expect(item2.locator(".jp-Artifacts-step-kind")).to_have_text("cell append", timeout=10_000)
            expect(item2.locator(".jp-Artifacts-method")).to_have_text("differential-expression")
            expect(item2.locator(".jp-Artifacts-actor-name")).to_have_text("ed-lein")
            expect(item2.locator("time")).to_have_attribute("datetime", v2["created_at"])
            expect(item1.locator(".jp-Artifacts-step-kind")).to_have_text("registered")
            expect(item1.locator("time")).to_have_attribute("datetime", v1["created_at"])
            expect(item1.locator("time")).to_have_text(RELATIVE)

            # Cut texts: the whole text in the DOM and in a title; keyboard focus shows it unclipped.
            long_row = sidebar.locator(f'[data-artifact-id="{LONG_ID}"]')
            title = long_row.locator(".jp-Artifacts-title")
            tag = long_row.locator(f'.jp-Artifacts-tag[data-tag="{LONG_TAG}"]')
            ident = long_row.locator(".jp-Artifacts-id")
            for element, text in ((title, LONG_TITLE), (tag, LONG_TAG), (ident, LONG_ID)):
                expect(element).to_have_text(text)
                expect(element).to_have_attribute("title", text)
            clipped = "e => e.scrollWidth > e.clientWidth + 1"
            assert title.evaluate(clipped) and tag.evaluate(clipped), "the long title and tag should be cut at 250 px"
            screenshot(page, "sidebar-scent-250")
            long_row.locator(".jp-Artifacts-row-latest .jp-Artifacts-chip").focus()
            page.keyboard.press("Shift+Tab")  # keyboard focus onto the row's header
            expect(long_row.locator(".jp-Artifacts-row-header")).to_be_focused()
            for element in (title, tag, ident):
                assert not element.evaluate(clipped), element.evaluate("e => e.className")
            screenshot(page, "sidebar-scent-focus", dark_too=False)

            # The LATEST badge is at least 11 px; chips and tags keep 3:1 contrast, light and dark.
            badge = row.locator(".jp-Artifacts-row-latest .jp-Artifacts-chip-badge")
            assert badge.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 11
            for theme in ("JupyterLab Light", "JupyterLab Dark"):
                run(page, "apputils:change-theme", {"theme": theme})
                page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme, timeout=20_000)
                page.wait_for_timeout(300)  # the theme's CSS variables settle
                for element in (badge, tag, row.locator(".jp-Artifacts-versions .jp-Artifacts-chip").last):
                    fg, bg = colours(element)
                    assert contrast(fg, bg) >= 3, (theme, element, fg, bg)
            run(page, "apputils:change-theme", {"theme": "JupyterLab Light"})

            # Two widths: nothing sticks out sideways, the latest chips stay whole.
            assert overflowing(page) == []
            set_sidebar_width(page, 500)
            assert overflowing(page) == []
            assert not title.evaluate(clipped) or title.evaluate("e => e.clientWidth > 300")
            screenshot(page, "sidebar-scent-500")
            set_sidebar_width(page, 250)

            # Debates: a section beside Chambers, newest first, live, opening the transcript on a click.
            debates = sidebar.locator(".jp-Artifacts-debates-section")
            expect(debates.locator(".jp-Artifacts-heading")).to_have_text("Debates")
            expect(debates.locator(f'[data-session-id="{first_debate["id"]}"]')).to_be_visible(timeout=10_000)
            status, live = lab.request("POST", "api/debates", {"target_artifact_id": "NB-scent@v2",
                                                               # long: its chamber's row must cut it, too
                                                               "topic": "Does TREM2 drive the DE signal in aged"
                                                                        " microglia across every cohort we hold?"})
            assert status == 201, live
            live_row = debates.locator(f'[data-session-id="{live["id"]}"]')
            expect(live_row).to_be_visible(timeout=10_000)  # no reload: the event stream brought it
            expect(debates.locator(".jp-Artifacts-debate-row").first).to_have_attribute("data-session-id", live["id"])
            expect(live_row).to_contain_text("NB-scent@v2")
            expect(live_row.locator("time")).to_have_attribute("datetime", live["started_at"])
            # Chambers say when they opened, too (the debates opened theirs).
            expect(sidebar.locator(".jp-Artifacts-chamber-row time").first).to_have_text(RELATIVE)
            assert overflowing(page) == []
            screenshot(page, "sidebar-debates-250")
            live_row.locator(".jp-Artifacts-row-header").click()
            expect(page.locator(".lm-DockPanel .lm-TabBar-tab.jp-mod-current")).to_contain_text(
                f"Debate {live['id']}", timeout=10_000)
            assert not page_errors, page_errors
        except Exception:
            page.screenshot(path=str(lab.log.parent / "failure.png"))
            print(f"failure screenshot: {lab.log.parent / 'failure.png'}")
            raise
        finally:
            browser.close()


def test_search_across_fields_shows_why_it_matched(lab: Lab) -> None:
    """"microglia TREM2": one word in the title, the other only in a cell (API.md's `match`)."""
    from playwright.sync_api import expect, sync_playwright

    status, reply = lab.request("POST", "api/notebooks", {
        "id": "NB-12", "title": "Microglia states in the aged cortex",
        "notebook": notebook("# States", "import scanpy as sc",
                             "de = rank_genes(adata, 'TREM2')  # <img src=x onerror=alert(1)>")})
    assert status == 201, reply
    create(lab, "api/artifacts", {"id": "paper-microglia", "artifact_type": "paper",
                                  "title": "Microglia in development", "content": {"text": "no gene named"}})

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page_errors: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        try:
            open_lab(page, lab)
            run(page, "jupyter-artifacts:open-sidebar")
            sidebar = page.locator(f"#{SIDEBAR_ID}")
            expect(sidebar.locator('[data-artifact-id="NB-12"]')).to_be_visible(timeout=20_000)
            # Without a query, rows show no snippet.
            assert sidebar.locator(".jp-Artifacts-match").count() == 0

            sidebar.locator(".jp-Artifacts-search-input").fill("microglia TREM2")
            row = sidebar.locator('[data-artifact-id="NB-12"]')
            expect(sidebar.locator('[data-artifact-id="paper-microglia"]')).to_have_count(0, timeout=10_000)
            expect(row).to_be_visible()
            match = row.locator(".jp-Artifacts-match")
            expect(match).to_be_visible(timeout=10_000)
            # "microglia" is in the title the row shows: the snippet shows where TREM2 is.
            expect(match.locator(".jp-Artifacts-match-field")).to_have_text("cell 2")
            expect(match.locator("mark")).to_have_text(["TREM2"])
            # The snippet is text: the cell's markup never became an element.
            assert sidebar.locator("img").count() == 0
            screenshot(page, "sidebar-search-snippet")

            # A word only a cell holds: the hit names that cell and marks the word in its source.
            sidebar.locator(".jp-Artifacts-search-input").fill("TREM2")
            expect(sidebar.locator('[data-artifact-id="paper-microglia"]')).to_have_count(0, timeout=10_000)
            expect(match.locator(".jp-Artifacts-match-field")).to_have_text("cell 2", timeout=10_000)
            expect(match.locator("mark")).to_have_text(["TREM2"])
            expect(match.locator(".jp-Artifacts-match-snippet")).to_contain_text("<img src=x onerror=alert(1)>")
            assert sidebar.locator("img").count() == 0
            screenshot(page, "sidebar-search-cell", dark_too=False)
            assert not page_errors, page_errors
        finally:
            browser.close()
