"""`jupyter artifacts mcp --url … --token …` over stdio, driven by the MCP SDK's own client,
against a real Jupyter server with the extension on PostgreSQL."""

from __future__ import annotations

import os
import sys

import pytest
from mcp import Client, StdioServerParameters
from mcp_checks import check_refusals, check_tools, run_demonstration

pytestmark = pytest.mark.slow


def stdio(jupyter, tmp_path, *args: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    return StdioServerParameters(command=sys.executable, args=["-m", "jupyter_artifacts.cli", "mcp", *args],
                                 env=env)


def server_args(jupyter) -> list[str]:
    return ["--url", f"http://127.0.0.1:{jupyter.port}/", "--token", jupyter.token]


async def test_tools_demonstration_and_refusals_over_stdio(jupyter, operation_texts, tmp_path):
    async with Client(stdio(jupyter, tmp_path, *server_args(jupyter))) as client:
        assert client.server_info.name == "jupyter-artifacts"
        await check_tools(client, operation_texts)
        await run_demonstration(client, "stdio")
        await check_refusals(client, "stdio")


async def test_a_wrong_token_is_a_tool_error_naming_it(jupyter, tmp_path):
    async with Client(stdio(jupyter, tmp_path, "--url", f"http://127.0.0.1:{jupyter.port}/",
                            "--token", "not-the-token")) as client:
        result = await client.call_tool("get_version", {"ref": "anything"})
    assert result.is_error
    assert result.content[0].text.startswith("unauthorized (401): "), result.content[0].text


async def test_arguments_a_tool_does_not_take_are_refused_before_any_request(jupyter, tmp_path):
    async with Client(stdio(jupyter, tmp_path, *server_args(jupyter))) as client:
        result = await client.call_tool("get_version", {"ref": "X", "version": 2})
        assert result.is_error and "invalid" in result.content[0].text and "'version'" in result.content[0].text
        result = await client.call_tool("get_version", {})
        assert result.is_error and "`ref`" in result.content[0].text
        for ref in ({"id": "X"}, "not a ref!"):
            result = await client.call_tool("get_version", {"ref": ref})
            assert result.is_error and result.content[0].text.startswith("invalid (400): "), result.content[0].text
