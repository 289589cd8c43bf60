"""The MCP server (the SDK's low-level `Server`) over an AsyncClient, and its stdio entry point."""

from __future__ import annotations

from typing import Any

from mcp import types
from mcp.server import Server

from .. import __version__
from ..handlers.base import Route
from .calls import call_tool
from .catalog import catalog

INSTRUCTIONS = (
    "Versioned research artifacts (hypotheses, papers, notebooks, personas...) with exact versions "
    "`<id>@v<N>`, lineage, chambers that pin what a piece of work looked at, and debates whose rounds cite "
    "versions. Cite versions by reference (`NB-12@v3`); a bare id means the latest version. Name on whose "
    "behalf you act with `agent_id` (or `actor_type` + `actor_id`); the server records who you are "
    "authenticated as. A refused call is a tool error starting with the REST reason (`not_found`, "
    "`invalid`, `stale_parent`, ...) and its message.")


def build_server(client: Any, routes: list[Route] | None = None) -> Server:
    """A server whose tools call `client` (a `jupyter_artifacts.client.AsyncClient`)."""
    tools = catalog(routes)

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list(tools.tools))

    async def on_call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await call_tool(client, tools, params.name, params.arguments)

    return Server("jupyter-artifacts", version=__version__, title="Jupyter Artifacts",
                  instructions=INSTRUCTIONS, on_list_tools=list_tools, on_call_tool=on_call_tool)


async def serve_stdio(url: str | None, token: str | None) -> None:
    """Serve the tools over standard input and output until the peer closes them. The tools are
    described from this package's routes (no request is needed to list them); a server of
    another version refuses what it does not know, in its own words."""
    from mcp.server.stdio import stdio_server

    from ..client import AsyncClient

    async with AsyncClient(url, token) as client:
        server = build_server(client)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
