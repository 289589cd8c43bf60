"""The `replay_version` tool over Streamable HTTP: it waits for the verdict (bounded by `wait_s`),
and `get_replay` reads a replay the agent left running."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_checks import tool_json

pytestmark = pytest.mark.slow

NB = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "id": "answer", "metadata": {}, "execution_count": None, "source": "print(6 * 7)",
     "outputs": [{"output_type": "stream", "name": "stdout", "text": "42\n"}]}]}



def mcp_client(jupyter) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"token {jupyter.token}"}, timeout=300)
    return Client(streamable_http_client(f"http://127.0.0.1:{jupyter.port}/api/jupyter_artifacts/mcp",
                                         http_client=http))


async def test_replay_version_gives_the_verdict_and_get_replay_reads_it(jupyter):
    async with mcp_client(jupyter) as client:
        tool_json(await client.call_tool("register_notebook", {"id": "NB-replay", "notebook": NB}))
        done = tool_json(await client.call_tool("replay_version", {"notebook_id": "NB-replay@v1",
                                                                   "agent_id": "ed-lein"}))
        assert done["status"] == "reproduced" and done["cells"][0]["verdict"] == "same", done
        assert done["created_by"]["actor_id"] == "ed-lein" and done["environment"]["packages_hash"]
        left = tool_json(await client.call_tool("replay_version", {"notebook_id": "NB-replay", "version_number": 1,
                                                                   "wait_s": 0}))
        assert left["status"] in ("running", "reproduced") and left["replay_id"] != done["replay_id"]
        for _ in range(600):
            read = tool_json(await client.call_tool("get_replay", {"replay_id": left["replay_id"]}))
            if read["status"] != "running":
                break
            await asyncio.sleep(0.2)
        assert read["status"] == "reproduced", read
        refused = await client.call_tool("replay_version", {"notebook_id": "NB-replay@v9"})
        assert refused.is_error and refused.content[0].text.startswith("not_found (404): ")
        refused = await client.call_tool("replay_version", {"notebook_id": "NB-replay@v1", "timeout_s": 10 ** 7})
        assert refused.is_error and refused.content[0].text.startswith("invalid (400): ")
