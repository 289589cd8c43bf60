"""Concurrent cell appends from two servers on one database (and idempotency under load)."""

from __future__ import annotations

import asyncio

import pytest

from tests_helpers import JupyterServer

from jupyter_artifacts.models.notebooks import AppendCell, RegisterNotebook
from jupyter_artifacts.services.actors import Actor
from jupyter_artifacts.services.registry import Services

pytestmark = pytest.mark.slow

ACTOR = Actor("agent", "bot", "tester")
EMPTY = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}


async def test_fifty_concurrent_appends_from_two_servers(api, sql, database_url, tmp_path):
    assert (await api("POST", "api/notebooks", {"id": "NB-C", "notebook": EMPTY})).status == 201
    with JupyterServer(tmp_path, database_url) as second:
        via_http = [api("POST", "api/notebooks/NB-C/cells", {"source": f"http_{i} = {i}"}) for i in range(30)]
        via_other = [asyncio.to_thread(second.call, "POST", "/api/notebooks/NB-C/cells",
                                       {"source": f"other_{i} = {i}"}) for i in range(30)]
        results = await asyncio.gather(*via_http, *via_other)
    assert all(r.status == 201 for r in results[:30]), [r for r in results[:30] if r.status != 201][:1]
    assert all(status == 201 for status, _ in results[30:]), [b for s, b in results[30:] if s != 201][:1]
    versions = sorted([r.json["version_number"] for r in results[:30]] + [b["version_number"] for _, b in results[30:]])
    assert versions == list(range(2, 62))
    rows = sql("SELECT id, version_number, parent_version_id, is_latest FROM artifacts "
               "WHERE artifact_id = 'NB-C' ORDER BY version_number")
    assert [r["version_number"] for r in rows] == list(range(1, 62))
    assert [r["is_latest"] for r in rows].count(True) == 1 and rows[-1]["is_latest"]
    assert all(b["parent_version_id"] == a["id"] for a, b in zip(rows, rows[1:]))
    cells = sql("SELECT cell_index, code, notebook_artifact_id FROM notebook_cells ORDER BY cell_index")
    assert [c["cell_index"] for c in cells] == list(range(60))
    assert sorted(c["code"] for c in cells) == sorted([f"http_{i} = {i}" for i in range(30)]
                                                      + [f"other_{i} = {i}" for i in range(30)])
    # Each version owns exactly the cell it added, at the index its parent's cell count gave.
    owner = {r["id"]: r["version_number"] for r in rows}
    assert all(owner[c["notebook_artifact_id"]] == c["cell_index"] + 2 for c in cells)
    assert sql("SELECT count(*) AS n FROM processing_steps WHERE step_type = 'cell_append'")[0]["n"] == 60
    assert sql("SELECT count(*) AS n FROM artifact_links WHERE link_type = 'extends'")[0]["n"] == 60
    latest = (await api("GET", "api/notebooks/NB-C")).json
    assert latest["latest_version"] == 61 and latest["cell_count"] == 60


async def test_conditional_appends_have_one_winner_and_keys_are_idempotent(api, db, sql):
    other = Services(db)
    await other.notebooks.register(RegisterNotebook(id="NB-D", notebook=EMPTY), ACTOR)
    replies = await asyncio.gather(*(api("POST", "api/notebooks/NB-D/cells", {"source": f"c{i}", "parent_version": 1})
                                     for i in range(12)))
    assert sorted(r.status for r in replies) == [201] + [409] * 11
    keyed = [api("POST", "api/notebooks/NB-D/cells", {"source": "k", "idempotency_key": "same"}) for _ in range(6)]
    keyed_other = [other.notebooks.append("NB-D", AppendCell(source="k", idempotency_key="same"), ACTOR)
                   for _ in range(6)]
    results = await asyncio.gather(*keyed, *keyed_other)
    numbers = {r.json["version_number"] for r in results[:6]} | {a.version_number for a in results[6:]}
    assert numbers == {3}
    assert sql("SELECT count(*) AS n FROM artifacts WHERE artifact_id = 'NB-D'")[0]["n"] == 3
