"""nbconvert's HTML rendering of a notebook version (blocking: call it from a thread).

The HTML is served only with `Content-Security-Policy: sandbox allow-scripts`, so the
scripts of rich outputs run in an opaque origin that cannot reach the Jupyter server."""

from __future__ import annotations

import nbformat
from nbconvert import HTMLExporter


def render_html(nb: dict) -> str:
    # One exporter per call: exporters keep state and renders run in several threads.
    exporter = HTMLExporter(template_name="lab")
    body, _resources = exporter.from_notebook_node(nbformat.from_dict(nb))
    return body
