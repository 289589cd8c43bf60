"""The client's replay methods against a real server (real kernels): start and wait, list, diff."""

from __future__ import annotations

import pytest

from jupyter_artifacts.client import Invalid
from jupyter_artifacts.models.replays import Replay, ReplayAccepted

pytestmark = pytest.mark.slow

CELLS = [{"cell_type": "code", "id": "answer", "metadata": {}, "execution_count": None, "source": "print(6 * 7)",
          "outputs": [{"output_type": "stream", "name": "stdout", "text": "42\n"}]},
         {"cell_type": "code", "id": "dice", "metadata": {}, "execution_count": None,
          "source": "import random\nprint(random.random())",
          "outputs": [{"output_type": "stream", "name": "stdout", "text": "0.25\n"}]}]


def notebook(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}


def test_replay_waits_for_the_verdict_and_reads_it_back(ja_client):
    api = ja_client
    api.register_notebook(notebook(CELLS[0]), id="NB-C1")
    done = api.replay_version("NB-C1@v1", agent_id="ed-lein")
    assert isinstance(done, Replay) and done.status == "reproduced" and done.ref == "NB-C1@v1"
    assert done.created_by.actor_id == "ed-lein" and done.kernel.name == "python3"
    assert api.get_replay(done).status == "reproduced"
    accepted = api.replay_version("NB-C1", version_number=1, wait=False, timeout_s=120)
    assert isinstance(accepted, ReplayAccepted) and accepted.status == "running"
    again = api.replay_version("NB-C1", 1, wait_s=0)  # returns at once, as the replay stands
    assert again.status in ("running", "reproduced")
    page = api.list_replays("NB-C1@v1", limit=2)
    assert len(page.items) == 2 and page.next_cursor
    assert len(list(api.iter_replays("NB-C1", 1, limit=2))) == 3
    assert [r.version_number for r in api.latest_replays("NB-C1").items] == [1]
    with pytest.raises(Invalid):
        api.replay_version("NB-C1", timeot_s=3)  # misspelt: refused before anything is sent
    with pytest.raises(Invalid):
        api.replay_version("NB-C1")  # which version?


def test_a_differing_replay_and_its_diff(ja_client):
    api = ja_client
    api.register_notebook(notebook(*CELLS), id="NB-C2")
    done = api.replay_version("NB-C2@v1")
    assert done.status == "differs" and [c.verdict for c in done.cells] == ["same", "differs"]
    diff = api.replay_diff(done.replay_id)
    assert 1 in diff.summary.modified and diff.base["cells"][1]["outputs"][0]["text"] == "0.25\n"


async def test_the_async_client_waits_too(async_client_factory):
    async with async_client_factory() as api:
        await api.register_notebook(notebook(CELLS[0]), id="NB-C3")
        done = await api.replay_version("NB-C3@v1")
        assert done.status == "reproduced"
