"""The MCP endpoint is a transport: each tool call is authorized at its own REST route, so a
principal allowed only to read can search and read through the tools, and nothing more."""

from __future__ import annotations

from pathlib import Path

import httpx2
import mcp_checks
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_checks import tool_json
from tests_helpers import JupyterServer

pytestmark = pytest.mark.slow


async def test_a_read_only_principal_reads_through_the_tools_and_cannot_write(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(mcp_checks.__file__).parent))  # for the server to import
    with JupyterServer(tmp_path, database_url, "--ServerApp.authorizer_class=mcp_checks.ReadOnlyAuthorizer",
                       name="reader") as server:
        url = f"http://127.0.0.1:{server.port}/api/jupyter_artifacts/mcp"
        http = httpx2.AsyncClient(headers={"Authorization": f"token {server.token}"}, timeout=60)
        async with Client(streamable_http_client(url, http_client=http)) as client:
            found = await client.call_tool("search_artifacts", {})
            refused = await client.call_tool("create_artifact", {"artifact_type": "note", "title": "no"})
    assert tool_json(found)["items"] == []
    assert refused.is_error and "(403)" in refused.content[0].text, refused.content[0].text
