"""Chambers, the lineage DAG and debate transcripts in a real JupyterLab on the demonstration
data (issue 11): what was this debate looking at, and where did this version come from.
Each step is driven by a click and by its command id; screenshots, light and dark, go to
test-artifacts/screenshots/."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from browser import (CHROMIUM_ARGS, HOSTILE_TITLE, SIDEBAR_ID, Lab, chromium_path, create, log_tail, open_lab,
                     run, screenshot)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def provenance(pins: list[dict]) -> str:
    """API.md's provenance_hash, recomputed from a chamber's REST reply."""
    entries = sorted(({k: p[k] for k in ("artifact_id", "version_number", "content_hash", "role")} for p in pins),
                     key=lambda e: (e["artifact_id"], e["version_number"]))
    text = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_chambers_lineage_and_debates(demo_lab: Lab, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    lab = demo_lab
    create(lab, "api/artifacts", {"id": "hyp-hostile", "artifact_type": "hypothesis", "title": HOSTILE_TITLE})
    status, debates = lab.request("GET", "api/debates")
    demo_debate = debates["items"][0]
    status, open_debate = lab.request("POST", "api/debates", {"target_artifact_id": "hypothesis-H-89",
                                                              "topic": f"Live debate {HOSTILE_TITLE}"})
    assert status == 201, open_debate

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page_errors: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        try:
            open_lab(page, lab)
            run(page, "jupyter-artifacts:open-sidebar")
            sidebar = page.locator(f"#{SIDEBAR_ID}")

            # 1. Create a chamber: by a click (the sidebar's +), and by id.
            sidebar.locator(".jp-Artifacts-new-chamber").click()
            dialog = page.locator(".jp-Dialog")
            dialog.locator(".jp-Artifacts-chamber-name").fill("TREM2 contrast design")
            dialog.locator("button.jp-mod-accept").click()
            clicked = page.locator('.jp-Artifacts-chamber-view[data-state="open"]')
            expect(clicked.locator(".jp-Artifacts-view-title")).to_have_text("TREM2 contrast design", timeout=15_000)
            by_id = run(page, "jupyter-artifacts:new-chamber", {"name": "Review by id", "purpose": "showcase_review"})
            chamber_id = by_id["id"]
            expect(sidebar.locator(f'[data-chamber-id="{chamber_id}"]')).to_be_visible(timeout=10_000)

            # 2. Pull hypothesis-H-89@v2: from the sidebar chip's menu (a click), and by id.
            row = sidebar.locator('[data-artifact-id="hypothesis-H-89"]')
            row.locator(".jp-Artifacts-row-header").click()
            row.locator('.jp-Artifacts-versions [data-ref="hypothesis-H-89@v2"]').click(button="right")
            page.locator('.jp-Artifacts-chip-menu .lm-Menu-item[data-command="jupyter-artifacts:pull-into-chamber"]').click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog.locator(".jp-Artifacts-pull-ref")).to_have_value("hypothesis-H-89@v2")
            dialog.locator(".jp-Artifacts-pull-chamber").select_option(chamber_id)
            dialog.locator(".jp-Artifacts-pull-role").select_option("input")
            dialog.locator("button.jp-mod-accept").click()
            run(page, "jupyter-artifacts:pull-into-chamber", {"ref": "paper-P-77", "chamber_id": chamber_id})
            run(page, "jupyter-artifacts:pull-into-chamber", {"ref": "hyp-hostile", "chamber_id": chamber_id})
            view = page.locator(f'.jp-Artifacts-chamber-view[data-chamber-id="{chamber_id}"]')
            expect(view.locator('tr[data-ref="hypothesis-H-89@v2"]')).to_have_attribute("data-role", "input",
                                                                                       timeout=10_000)
            expect(view.locator('tr[data-ref="paper-P-77@v1"]')).to_be_visible()
            expect(view.locator('tr[data-ref="hyp-hostile@v1"] .jp-Artifacts-history-title')).to_have_text(HOSTILE_TITLE)
            screenshot(page, "11-chamber-open")

            # 3. Close it after the confirmation; the hash shown is the one recomputed from REST.
            view.locator('button[data-command="jupyter-artifacts:close-chamber"]').click()
            page.locator(".jp-Dialog button.jp-mod-accept").click()
            expect(view).to_have_attribute("data-state", "closed", timeout=10_000)
            shown = view.locator(".jp-Artifacts-provenance [data-hash]").get_attribute("data-hash")
            status, chamber = lab.request("GET", f"api/chambers/{chamber_id}")
            assert shown == chamber["provenance_hash"] == provenance(chamber["artifacts"]), (shown, chamber)
            expect(view.locator(".jp-Artifacts-verify")).to_contain_text(f"export-chamber {chamber_id}")
            # Closed is final: the view offers neither a pull nor another close.
            expect(view.locator(".jp-Artifacts-actions button")).to_have_count(0)
            screenshot(page, "11-chamber-closed")

            # 4. Where did NB-12@v3 come from: by id, and by a click in its version view.
            run(page, "jupyter-artifacts:open-version", {"ref": "NB-12@v3"})
            page.locator('.jp-Artifacts-version-view[data-ref="NB-12@v3"] button[data-command="jupyter-artifacts:open-lineage"]').click()
            dag = page.locator('.jp-Artifacts-lineage-view[data-ref="NB-12@v3"]').last
            for ref in ("NB-12@v1", "NB-12@v2", "NB-12@v3"):
                expect(dag.locator(f'.jp-Artifacts-dag-node[data-ref="{ref}"]')).to_be_visible(timeout=20_000)
            run(page, "jupyter-artifacts:open-lineage", {"ref": "NB-12@v3", "direction": "ancestors", "max_depth": 5})
            append_edge = dag.locator('.jp-Artifacts-dag-edge[data-step-type="cell_append"]').first
            append_edge.click()
            details = dag.locator(".jp-Artifacts-dag-details")
            expect(details).to_contain_text("ed-lein")
            expect(details).to_contain_text("differential-expression")
            expect(details).to_contain_text(demo_debate["chamber_id"])
            screenshot(page, "11-lineage")

            # 5. The demonstration debate, after NB-12 gained a v4: its chip opens exactly v3.
            status, _ = lab.request("POST", "api/notebooks/NB-12/cells", {"source": "print('v4')"})
            assert status == 201
            run(page, "jupyter-artifacts:open-debates")
            page.locator(f'.jp-Artifacts-debates-view tr[data-session-id="{demo_debate["id"]}"] .jp-Artifacts-open-debate').click()
            transcript = page.locator(f'.jp-Artifacts-debate-view[data-session-id="{demo_debate["id"]}"]')
            chip = transcript.locator('.jp-Artifacts-cite[data-ref="NB-12@v3"]').first
            expect(chip).to_have_text("🔗 NB-12@v3", timeout=15_000)
            expect(transcript.locator(".jp-Artifacts-target [data-ref]")).to_have_attribute("data-ref", "hypothesis-H-89@v3")
            # Its chamber by name (a link), not by its UUID alone.
            status, demo_chamber = lab.request("GET", f"api/chambers/{demo_debate['chamber_id']}")
            assert status == 200, demo_chamber
            expect(transcript.locator(".jp-Artifacts-dag-chamber")).to_have_text(demo_chamber["name"])
            transcript.locator(".jp-Artifacts-looking-at").click()
            expect(transcript.locator('.jp-Artifacts-union tr[data-ref="NB-12@v3"]')).to_be_visible()
            screenshot(page, "11-debate-transcript")
            chip.click()
            expect(page.locator('.jp-Artifacts-version-view[data-ref="NB-12@v3"]').last).to_be_visible(timeout=15_000)
            run(page, "jupyter-artifacts:open-debate", {"id": demo_debate["id"]})

            # 6. A round posted over REST appears in the open transcript.
            run(page, "jupyter-artifacts:open-debate", {"id": open_debate["id"]})
            live = page.locator(f'.jp-Artifacts-debate-view[data-session-id="{open_debate["id"]}"]')
            expect(live.locator(".jp-Artifacts-view-title")).to_have_text(f"Live debate {HOSTILE_TITLE}", timeout=15_000)
            status, _ = lab.request("POST", f"api/debates/{open_debate['id']}/rounds",
                                    {"actor_id": "ed-lein", "content": "See NB-12@v4 and paper-P-77@v1 🧬."})
            assert status == 201
            expect(live.locator('.jp-Artifacts-round[data-round="1"] .jp-Artifacts-cite[data-ref="NB-12@v4"]')) \
                .to_be_visible(timeout=10_000)
            screenshot(page, "11-debate-live")

            # 7. Hostile text is text everywhere.
            assert page.locator(".jp-Artifacts-view img, .jp-Artifacts-view script").count() == 0
            assert not page_errors, page_errors
        except Exception:
            print(log_tail(lab.log, 80))
            raise
        finally:
            browser.close()
