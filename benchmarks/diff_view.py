"""Benchmark: the visual diff of adjacent versions of a 1,000-cell notebook in headless Chromium.

A real `jupyter lab` with the extension; a notebook of 1,000 realistic cells registered, one
cell appended; then, in the browser, `jupyter-artifacts:open-diff` from the command to nbdime's
widget initialised (the command resolves then): collapsed unchanged runs (what a researcher
gets) against the whole notebook rendered by nbdime (the "Show all cells" button). Median of
--repeat runs of the collapsed view, goal: collapsed <= 1 s; the full rendering (about 80 s
here) is the point of comparison and runs --full-repeat times (1 by default, so `make bench`
stays short). Needs Debian's chromium and Python's playwright.

    python benchmarks/diff_view.py [--cells 1000] [--repeat 5] [--full-repeat 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database, jupyter_server  # noqa: E402
from report import figure  # noqa: E402
from diff_speed import build_notebook  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def call(client, method: str, path: str, body=None):
    status, payload, _ = client.call(method, path, body)
    assert status in (200, 201), (status, payload[:500])
    return json.loads(payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--full-repeat", type=int, default=1)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian chromium is missing: apt-get install -y chromium")
    with database() as url, jupyter_server(url, "lab", ("--LabApp.expose_app_in_browser=True",)) as lab:
        base, token = f"http://127.0.0.1:{lab.port}", lab.token
        call(lab, "POST", "/api/notebooks", {"id": "big", "notebook": build_notebook(args.cells)})
        call(lab, "POST", "/api/notebooks/big/cells", {"source": "summary = df_1.merge(df_2)"})
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/lab?token={token}")
            page.wait_for_function("() => !!window.jupyterapp", timeout=90_000)
            page.evaluate("async () => { await window.jupyterapp.restored; }")
            collapsed, full = [], []
            for i in range(args.repeat):
                ms = page.evaluate("""async () => {
                    const t0 = performance.now();
                    await window.jupyterapp.commands.execute('jupyter-artifacts:open-diff', {id: 'big', from: 1, to: 2});
                    return performance.now() - t0; }""")
                collapsed.append(ms)
                if i < args.full_repeat:
                    view = page.locator('.jp-Artifacts-diff-view[data-ready="true"]')
                    t0 = time.perf_counter()
                    view.locator(".jp-Artifacts-show-all").click()
                    page.wait_for_function(
                        "() => { const v = document.querySelector('.jp-Artifacts-diff-view');"
                        " return v && v.dataset.ready === 'true' && v.dataset.hidden === '0'; }", timeout=300_000)
                    full.append((time.perf_counter() - t0) * 1000)
                page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
                page.wait_for_timeout(300)
            browser.close()
    c = statistics.median(collapsed)
    f = statistics.median(full) if full else float("nan")
    print(f"visual diff of adjacent versions of a {args.cells}-cell notebook (one cell appended), "
          f"headless Chromium:")
    print(f"  collapsed unchanged runs (open-diff resolves, nbdime widget initialised): {c:8.0f} ms"
          f"   median of {args.repeat} (goal <= 1000 ms)")
    print(f"  every cell rendered by nbdime (Show all cells):                          {f:8.0f} ms"
          f"   median of {len(full)}")
    print(f"  ratio full / collapsed: {f / c:.1f}x")
    figure("visual diff of adjacent 1,000-cell versions, interactive", c, "<= 1000 ms", c <= 1000,
           f"all cells: {f:.0f} ms")
    if c > 1000:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
