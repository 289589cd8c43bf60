"""`c.JupyterArtifactsApp.export_dir`: every appended version also lands on disk."""

from __future__ import annotations

import asyncio
import json

import pytest


@pytest.fixture
def export_dir(tmp_path):
    return tmp_path / "exported"


@pytest.fixture
def artifacts_config(export_dir):
    return {"export_dir": str(export_dir)}


async def test_appended_versions_are_exported(api, sql, export_dir):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    assert (await api("POST", "api/notebooks", {"id": "NB-X", "notebook": nb})).status == 201
    r = await api("POST", "api/notebooks/NB-X/cells", {"source": "print('exported')"})
    assert r.status == 201
    ipynb, html = export_dir / "NB-X" / "v2.ipynb", export_dir / "NB-X" / "v2.html"
    for _ in range(100):  # written after the commit, off the request
        row = sql("SELECT file_path, rendered_html_path FROM notebooks WHERE id = 'NB-X'")[0]
        if row["rendered_html_path"]:
            break
        await asyncio.sleep(0.1)
    assert row == {"file_path": str(ipynb), "rendered_html_path": str(html)}
    saved = json.loads(ipynb.read_text())
    assert saved["cells"][0]["source"] == "print('exported')"
    assert saved["metadata"]["jupyter_artifacts"]["version_number"] == 2
    assert html.read_text().startswith("<!DOCTYPE html>")


@pytest.fixture
def unwritable(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("not a directory")
    return target


async def test_export_failure_never_undoes_the_version(api, sql, export_dir, unwritable, jp_serverapp):
    ext = jp_serverapp.extension_manager.extension_apps["jupyter_artifacts"]
    next(iter(ext)).services.notebooks.settings.export_dir = str(unwritable)
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    await api("POST", "api/notebooks", {"id": "NB-Y", "notebook": nb})
    r = await api("POST", "api/notebooks/NB-Y/cells", {"source": "1"})
    assert r.status == 201
    await asyncio.sleep(1.0)
    assert sql("SELECT version_number FROM artifacts WHERE id = 'NB-Y@v2'") == [{"version_number": 2}]
    assert sql("SELECT file_path FROM notebooks WHERE id = 'NB-Y'") == [{"file_path": None}]
