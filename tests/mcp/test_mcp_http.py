"""The MCP tools over Streamable HTTP inside the Jupyter server (`/api/jupyter_artifacts/mcp`),
driven by the MCP SDK's own client, under Jupyter's authentication."""

from __future__ import annotations

import http.client
import json

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_checks import check_refusals, check_tools, run_demonstration, tool_json

pytestmark = pytest.mark.slow

PATH = "/api/jupyter_artifacts/mcp"


def mcp_client(jupyter, token: str | None, mode: str = "auto") -> Client:
    headers = {"Authorization": f"token {token}"} if token else {}
    http = httpx2.AsyncClient(headers=headers, timeout=120)
    return Client(streamable_http_client(f"http://127.0.0.1:{jupyter.port}{PATH}", http_client=http), mode=mode)


def raw(jupyter, method: str, headers: dict, body: bytes | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", jupyter.port, timeout=60)
    conn.request(method, PATH, body=body, headers=headers)
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data


async def test_tools_demonstration_and_refusals_over_http(jupyter, operation_texts):
    async with mcp_client(jupyter, jupyter.token) as client:
        await check_tools(client, operation_texts)
        await run_demonstration(client, "http")
        await check_refusals(client, "http")


async def test_handshake_era_clients_are_served_too(jupyter, operation_texts):
    """`legacy`: the initialize handshake of protocol versions before 2026-07-28."""
    async with mcp_client(jupyter, jupyter.token, mode="legacy") as client:
        await check_tools(client, operation_texts)
        found = tool_json(await client.call_tool("search_artifacts", {"limit": 1}))
        assert "items" in found


async def test_writes_record_the_authenticated_principal(jupyter):
    async with mcp_client(jupyter, jupyter.token) as client:
        made = tool_json(await client.call_tool("create_artifact", {
            "artifact_type": "note", "title": "who made me", "agent_id": "scribe"}))
    assert made["created_by"]["actor_id"] == "scribe"
    status, rest = jupyter.call("GET", f"/api/artifacts/{made['ref']}")
    assert status == 200 and rest["created_by"] == made["created_by"] and rest["created_by"]["recorded_by"]


def test_without_a_token_it_is_refused(jupyter):
    message = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    status, _, _ = raw(jupyter, "POST", headers, message)
    assert status in (401, 403)
    status, _, _ = raw(jupyter, "POST", {**headers, "Authorization": "token wrong"}, message)
    assert status in (401, 403)


def test_a_cross_origin_preflight_gets_no_wildcard(jupyter):
    status, headers, _ = raw(jupyter, "OPTIONS", {
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert status < 500
    assert headers.get("access-control-allow-origin") in (None, "")
    assert "*" not in headers.get("access-control-allow-origin", "")


def test_a_cross_origin_post_with_a_cookie_but_no_token_is_refused(jupyter):
    """A browser page elsewhere cannot drive the tools with someone's session: no XSRF bypass."""
    message = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}).encode()
    status, headers, _ = raw(jupyter, "POST", {
        "Origin": "https://evil.example", "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream", "Cookie": "username-127-0-0-1=stolen"}, message)
    assert status in (401, 403, 404)
    assert headers.get("access-control-allow-origin", "") in ("",)
