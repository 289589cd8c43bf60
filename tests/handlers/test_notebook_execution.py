"""Appended cells executed in a fresh kernel, over REST (real kernels)."""

from __future__ import annotations

import asyncio
import json

import pytest

pytestmark = pytest.mark.slow

SECRETS = {"PGPASSWORD": "pg-secret-value", "JUPYTER_TOKEN": "server-token-value",
           "AWS_SECRET_ACCESS_KEY": "aws-secret-value"}


def notebook(*sources):
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{"cell_type": "code", "id": f"c{i}", "source": s, "metadata": {}, "outputs": [],
                       "execution_count": None} for i, s in enumerate(sources)]}


@pytest.fixture
def artifacts_config(monkeypatch):
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    return {"cell_timeout": 5.0}


async def test_executed_append_replays_earlier_cells(api, sql, database_url):
    await api("POST", "api/notebooks", {"id": "NB-E", "notebook": notebook("x = 20", "y = x + 1")})
    r = await api("POST", "api/notebooks/NB-E/cells", {"source": "print(y * 2)\ny", "execute": True,
                                                       "agent_id": "ed-lein", "method": "check"})
    assert r.status == 201, r
    a = r.json
    assert a["execution"]["status"] == "ok" and a["execution"]["duration_ms"] >= 0
    assert {"output_type": "stream", "name": "stdout", "text": "42\n"} in a["outputs"]
    assert any(o["output_type"] == "execute_result" and o["data"]["text/plain"] == "21" for o in a["outputs"])
    cell = sql("SELECT outputs, output, execution_count FROM notebook_cells WHERE cell_index = 2")[0]
    assert cell["outputs"] == a["outputs"] and "42" in cell["output"] and cell["execution_count"] is not None
    # Earlier cells keep their (empty) outputs: only the new cell's outputs are stored.
    assert [c["outputs"] for c in sql("SELECT outputs FROM notebook_cells WHERE cell_index < 2")] == [[], []]
    step = sql("SELECT parameters FROM processing_steps")[0]["parameters"]
    assert step["execute"] is True and step["execution_status"] == "ok"
    v3 = (await api("POST", "api/notebooks/NB-E/cells", {"source": "1/0", "execute": True})).json
    assert v3["execution"]["status"] == "error" and v3["execution"]["ename"] == "ZeroDivisionError"
    assert v3["version_number"] == 3 and v3["outputs"][0]["output_type"] == "error"
    v4 = (await api("POST", "api/notebooks/NB-E/cells", {"source": "while True: pass", "execute": True})).json
    assert v4["execution"]["status"] == "timeout" and v4["version_number"] == 4


async def test_kernel_sees_no_server_secrets(api, database_url):
    await api("POST", "api/notebooks", {"id": "NB-S", "notebook": notebook("import os, json")})
    r = await api("POST", "api/notebooks/NB-S/cells", {"source": "print(json.dumps(dict(os.environ)))",
                                                       "execute": True})
    assert r.status == 201 and r.json["execution"]["status"] == "ok", r
    env = json.loads("".join(o["text"] for o in r.json["outputs"] if o["output_type"] == "stream"))
    text = json.dumps(env)
    for name, value in SECRETS.items():
        assert name not in env and value not in text
    assert "JUPYTER_ARTIFACTS_DATABASE_URL" not in env and "search_path" not in text
    assert not any("TOKEN" in k or "PASSWORD" in k or k.startswith("PG") for k in env)


async def test_execution_reruns_when_the_head_moves(api, sql):
    await api("POST", "api/notebooks", {"id": "NB-M", "notebook": notebook("x = 1")})
    slow = asyncio.ensure_future(api("POST", "api/notebooks/NB-M/cells", {
        "source": "import time\ntime.sleep(2.5)\nprint(x)", "execute": True}))
    await asyncio.sleep(1.0)  # the kernel is running the slow cell now
    quick = await api("POST", "api/notebooks/NB-M/cells", {"source": "x = 2"})
    assert quick.status == 201 and quick.json["version_number"] == 2
    done = await slow
    assert done.status == 201, done
    # Executed again on the new head, so it saw x = 2, and it follows that version.
    assert done.json["version_number"] == 3 and done.json["cell_index"] == 2
    assert done.json["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "2\n"}]


async def test_unknown_kernel_is_a_clear_400(api, sql):
    nb = notebook("x = 1")
    nb["metadata"]["kernelspec"] = {"name": "no-such-kernel", "display_name": "?", "language": "python"}
    await api("POST", "api/notebooks", {"id": "NB-K", "notebook": nb})
    r = await api("POST", "api/notebooks/NB-K/cells", {"source": "x", "execute": True})
    assert r.status == 400 and "no-such-kernel" in r.json["message"]
    assert sql("SELECT count(*) AS n FROM artifacts")[0]["n"] == 1


async def test_too_deep_an_output_is_replaced_by_a_note(api):
    """A kernel may display JSON of any depth: what is stored stays within the limit, so every
    later read (the version, its diff, its HTML) works."""
    from jupyter_artifacts.notebooks.outputs import OUTPUT_MAX_DEPTH

    await api("POST", "api/notebooks", {"id": "NB-D", "notebook": notebook("d = 1")})
    source = ("from IPython.display import JSON, display\n"
              "def deep(n):\n    v = 1\n    for _ in range(n):\n        v = {'k': [v]}\n    return v\n"
              "display(JSON(deep(4)))\ndisplay(JSON(deep(150)))\nprint('after')")
    r = await api("POST", "api/notebooks/NB-D/cells", {"source": source, "execute": True})
    assert r.status == 201, r
    outputs = r.json["outputs"]
    assert r.json["execution"]["status"] == "ok"
    assert outputs[0]["output_type"] == "display_data" and "application/json" in outputs[0]["data"]
    assert outputs[1] == {"output_type": "stream", "name": "stderr",
                          "text": f"\n[display_data output not stored: it nests deeper than {OUTPUT_MAX_DEPTH} levels]\n"}
    assert outputs[2]["text"] == "after\n"
    for fmt in ("json", "ipynb", "html"):
        assert (await api("GET", "api/notebooks/NB-D/versions/2", params={"format": fmt})).status == 200
    assert (await api("GET", "api/notebooks/NB-D/diff")).status == 200
