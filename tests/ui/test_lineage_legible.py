"""A legible lineage (issue 17) in a real JupyterLab: after Fit, every node and edge label of a
4-version lineage renders at 11 px or more on screen (computed font size × the SVG's screen
scale); nodes say ref, type and title, edges the step type and method; the step panel shows
the rationale as text, the chamber by name (a link that opens it) and the parameters as a
key/value table, and resizes; a version appended over REST comes into view, or, once the
user has panned away, is announced with a "Show" that pans to it; a click opens a version,
a double click pins it. Screenshots, light and dark, go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from browser import CHROMIUM_ARGS, Lab, chromium_path, create, open_lab, run, screenshot

pytestmark = pytest.mark.browser

TITLE = "Microglial TREM2 signalling in aged mice: plaque density by genotype"
RATIONALE = "Plaque density looked higher in R47H carriers; test it against controls."
PARAMETERS = {"contrast": "AD vs control", "fdr": 0.05, "cohorts": ["pilot", "aged"], "model": {"family": "nb"}}


def notebook(sources: list[str]) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{"id": f"c{i}", "cell_type": "code", "metadata": {}, "source": src, "outputs": [],
                       "execution_count": None} for i, src in enumerate(sources)]}


# Every <text> of the graph: its text, its on-screen font size (computed size × the screen scale
# of its coordinate system) and whether it lies inside the graph's visible area.
MEASURE = """view => {
    const svg = view.querySelector('svg.jp-Artifacts-dag-svg');
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text')].map(t => {
        const m = t.getScreenCTM();
        const r = t.getBoundingClientRect();
        return {cls: t.getAttribute('class'), text: t.textContent,
                px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b),
                height: r.height,
                inside: r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom};
    });
}"""

VIEW = '.jp-Artifacts-lineage-view[data-ref="NB@v2"]'
IN_VIEW = """([view, ref]) => {
    const svg = view.querySelector('svg.jp-Artifacts-dag-svg').getBoundingClientRect();
    const node = view.querySelector(`.jp-Artifacts-dag-node[data-ref="${ref}"]`);
    if (!node) return null;
    const r = node.getBoundingClientRect();
    return r.left >= svg.left && r.right <= svg.right && r.top >= svg.top && r.bottom <= svg.bottom;
}"""


def test_lineage_is_legible(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    chamber = create(lab, "api/chambers", {"name": "TREM2 plaque review", "purpose": "experiment_design"})
    create(lab, "api/notebooks", {"id": "NB", "title": TITLE, "notebook": notebook(["density = {'WT': 3.2}"])})
    create(lab, "api/notebooks/NB/cells", {"source": "print(density)", "execute": False,
                                           "method": "differential-expression", "parameters": PARAMETERS,
                                           "rationale": RATIONALE, "chamber_id": chamber["id"]})
    create(lab, "api/artifacts/NB/fork", {"from": "NB@v2", "new_id": "NB-fork"})
    create(lab, "api/notebooks/NB/versions", {"notebook": notebook(["density = {'WT': 3.4}", "print(density)"]),
                                              "parent_version": 2, "rationale": "corrected WT mean"})

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: "ResizeObserver loop" in str(e) or errors.append(str(e)))
        try:
            open_lab(page, lab)
            run(page, "jupyter-artifacts:open-lineage", {"ref": "NB@v2", "direction": "both", "max_depth": 5})
            view = page.locator(VIEW)
            expect(view).to_have_attribute("data-ready", "true", timeout=20_000)
            expect(view).to_have_attribute("data-nodes", "4")
            view.locator(".jp-Artifacts-dag-fit").click()

            # 1. Every label at 11 px or more on screen, and all of a 4-version graph in view.
            texts = view.evaluate(MEASURE)
            assert {t["cls"] for t in texts} >= {"jp-Artifacts-dag-node-ref", "jp-Artifacts-dag-node-type",
                                                 "jp-Artifacts-dag-node-title", "jp-Artifacts-dag-edge-label"}, texts
            small = [t for t in texts if t["px"] < 11 - 1e-6 or t["height"] < 11]
            assert not small, small
            assert all(t["inside"] for t in texts), [t for t in texts if not t["inside"]]
            # Zooming out stops at the readable zoom too: the wheel, then the button is disabled.
            view.locator("svg.jp-Artifacts-dag-svg").hover()
            page.mouse.wheel(0, 3000)
            expect(view.locator(".jp-Artifacts-dag-zoom-out")).to_be_disabled()
            zoom = view.get_attribute("data-zoom")
            page.mouse.wheel(0, 3000)
            assert view.get_attribute("data-zoom") == zoom
            assert min(t["px"] for t in view.evaluate(MEASURE)) >= 11 - 1e-6
            view.locator(".jp-Artifacts-dag-zoom-in").click()
            expect(view.locator(".jp-Artifacts-dag-zoom-out")).to_be_enabled()
            view.locator(".jp-Artifacts-dag-fit").click()

            screenshot(page, "17-lineage-legible")
            page.wait_for_selector("#jupyterlab-splash", state="detached")

            # 2. Nodes say ref, type and title (long titles cut, whole in the tooltip); edges kind and method.
            v2 = view.locator('.jp-Artifacts-dag-node[data-ref="NB@v2"]')
            lines = v2.locator("text").all_text_contents()
            assert lines[0] == "NB@v2" and "notebook" in lines, lines
            assert any(TITLE.startswith(line.rstrip("…")) for line in lines[1:] if line != "notebook"), lines
            assert TITLE in v2.locator("title").text_content()
            append = view.locator('.jp-Artifacts-dag-edge[data-step-type="cell_append"]')
            expect(append.locator(".jp-Artifacts-dag-edge-label")).to_have_text("cell append · differential-expression")
            fork = view.locator('.jp-Artifacts-dag-edge[data-step-type="fork"]')
            expect(fork.locator(".jp-Artifacts-dag-edge-label")).to_have_text("fork")
            expect(view.locator('.jp-Artifacts-dag-edge[data-step-type="derive"] .jp-Artifacts-dag-edge-label')) \
                .to_have_text("derive · manual-edit")

            # 3. The step panel: rationale as text, the chamber by name, parameters as a table.
            append.locator(".jp-Artifacts-dag-edge-label").click()
            details = view.locator(".jp-Artifacts-dag-details")
            expect(details.locator(".jp-Artifacts-dag-rationale p")).to_have_text(RATIONALE)
            link = details.locator("a.jp-Artifacts-dag-chamber")
            expect(link).to_have_text("TREM2 plaque review", timeout=10_000)
            rows = dict(zip(details.locator(".jp-Artifacts-dag-params th").all_text_contents(),
                            details.locator(".jp-Artifacts-dag-params td").all_text_contents()))
            expected = {"contrast": "AD vs control", "fdr": "0.05", "cohorts": '["pilot","aged"]', "model": '{"family":"nb"}'}
            assert {k: rows.get(k) for k in expected} == expected, rows  # (the server adds cell_index and the like)
            assert "rationale" not in rows, rows  # shown as text above, not as a parameter
            assert details.locator("pre.jp-Artifacts-json").count() == 0  # no raw JSON dump
            screenshot(page, "17-lineage-step-panel")
            page.wait_for_selector("#jupyterlab-splash", state="detached")  # (a theme change shows it a moment)
            # Resizable: dragging the separator left widens the panel (and it stays readable).
            before = details.evaluate("d => d.getBoundingClientRect().width")
            handle = view.locator(".jp-Artifacts-splitter").bounding_box()
            page.mouse.move(handle["x"] + 2, handle["y"] + handle["height"] / 2)
            page.mouse.down()
            page.mouse.move(handle["x"] - 150, handle["y"] + handle["height"] / 2, steps=5)
            page.mouse.up()
            after = details.evaluate("d => d.getBoundingClientRect().width")
            assert after >= before + 140, (before, after)
            # ... and the width is kept: another lineage view's panel opens that wide.
            run(page, "jupyter-artifacts:open-lineage", {"ref": "NB-fork@v1"})
            other = page.locator('.jp-Artifacts-lineage-view[data-ref="NB-fork@v1"] .jp-Artifacts-dag-details')
            assert abs(float(other.evaluate("d => d.style.flexBasis").removesuffix("px")) - after) <= 1
            run(page, "jupyter-artifacts:open-lineage", {"ref": "NB@v2"})
            view.locator(".jp-Artifacts-dag-fit").click()

            # 4. A version appended over REST comes into view (the user has not moved the view).
            create(lab, "api/notebooks/NB/cells", {"source": "print('v4')", "execute": False, "method": "plot"})
            expect(view.locator('.jp-Artifacts-dag-node[data-ref="NB@v4"]')).to_be_visible(timeout=15_000)
            page.wait_for_function(f"([ref]) => ({IN_VIEW})([document.querySelector('{VIEW}'), ref]) !== null",
                                   arg=["NB@v4"], timeout=10_000)
            in_view = page.evaluate(f"([ref]) => ({IN_VIEW})([document.querySelector('{VIEW}'), ref])", ["NB@v4"])
            announced = view.get_attribute("data-announced")
            assert in_view and announced == "0", (in_view, announced)  # brought into view, nothing to announce

            # 5. Once the user has panned away, a new version is announced, not yanked into view.
            canvas = view.locator("svg.jp-Artifacts-dag-svg").bounding_box()
            y = canvas["y"] + canvas["height"] - 20
            page.mouse.move(canvas["x"] + 20, y)
            page.mouse.down()
            page.mouse.move(canvas["x"] + canvas["width"] - 20, y, steps=8)  # drag the graph right: its newest end off screen
            page.mouse.up()
            zoom_before = view.get_attribute("data-zoom")
            create(lab, "api/notebooks/NB/cells", {"source": "print('v5')", "execute": False, "method": "plot"})
            expect(view.locator('.jp-Artifacts-dag-node[data-ref="NB@v5"]')).to_have_count(1, timeout=15_000)
            notice = view.locator(".jp-Artifacts-dag-new")
            expect(notice).to_be_visible(timeout=10_000)
            expect(notice).to_contain_text("1 new version (NB@v5)")
            assert view.get_attribute("data-zoom") == zoom_before
            screenshot(page, "17-lineage-new-version")
            page.wait_for_selector("#jupyterlab-splash", state="detached")
            notice.locator("button.jp-Artifacts-dag-show-new").click()
            expect(notice).to_be_hidden()
            assert page.evaluate(f"([ref]) => ({IN_VIEW})([document.querySelector('{VIEW}'), ref])", ["NB@v5"])

            # 6. A click opens exactly that version; a double click opens it too (pinned).
            details.locator(".jp-Artifacts-dag-close").click()  # the panel hides, the graph gets its room
            expect(details).to_be_hidden()
            view.locator(".jp-Artifacts-dag-fit").click()
            shown = [ref for ref in ("NB@v1", "NB@v3", "NB-fork@v1", "NB@v4") if page.evaluate(
                f"([ref]) => ({IN_VIEW})([document.querySelector('{VIEW}'), ref])", [ref])]
            assert len(shown) >= 2, shown  # after Fit, the root's neighbours are in view
            view.locator(f'.jp-Artifacts-dag-node[data-ref="{shown[0]}"]').click()
            expect(page.locator(f'.jp-Artifacts-version-view[data-ref="{shown[0]}"]').last).to_be_visible(timeout=15_000)
            run(page, "jupyter-artifacts:open-lineage", {"ref": "NB@v2"})
            # (The clicked version is selected: the details panel took room, the graph re-fitted.)
            again = [ref for ref in ("NB@v2", *shown) if ref != shown[0] and page.evaluate(
                f"([ref]) => ({IN_VIEW})([document.querySelector('{VIEW}'), ref])", [ref])]
            assert again, again
            view.locator(f'.jp-Artifacts-dag-node[data-ref="{again[0]}"]').dblclick()
            expect(page.locator(f'.jp-Artifacts-version-view[data-ref="{again[0]}"]').last).to_be_visible(timeout=15_000)

            # 7. The chamber link opens the chamber.
            run(page, "jupyter-artifacts:open-lineage", {"ref": "NB@v2"})
            view.locator('.jp-Artifacts-dag-edge[data-step-type="cell_append"]').first.locator(
                ".jp-Artifacts-dag-edge-label").click()
            details.locator("a.jp-Artifacts-dag-chamber").click()
            expect(page.locator(f'.jp-Artifacts-chamber-view[data-chamber-id="{chamber["id"]}"]')).to_be_visible(
                timeout=15_000)
            assert not errors, errors
        finally:
            browser.close()
