"""The MCP tools over Streamable HTTP inside the Jupyter server (`/api/jupyter_artifacts/mcp`),
driven by the MCP SDK's own client, under Jupyter's authentication."""

from __future__ import annotations

import http.client
import json

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_checks import EMPTY_NOTEBOOK, check_refusals, check_tools, run_demonstration, run_other_tools, tool_json
from tests_helpers import JupyterServer

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
        await run_other_tools(client, "http")


async def test_an_executed_append_runs_through_the_tool(jupyter):
    """The client runs an executed append as a job and waits for it; the tool gives its outcome."""
    async with mcp_client(jupyter, jupyter.token) as client:
        tool_json(await client.call_tool("register_notebook", {"id": "NB-run", "notebook": EMPTY_NOTEBOOK}))
        ran = tool_json(await client.call_tool("append_cell", {
            "notebook_id": "NB-run", "source": "print(6 * 7)", "execute": True, "agent_id": "ed-lein"}))
    assert ran["execution"]["status"] == "ok", ran["execution"]
    assert any("42" in o.get("text", "") for o in ran["outputs"])


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
    for credential in ({}, {"Authorization": "token wrong"}):
        status, _, reply = raw(jupyter, "POST", {**headers, **credential}, message)
        assert status == 401 and json.loads(reply)["reason"] == "unauthorized", (status, reply)


def test_a_cross_origin_preflight_gets_no_wildcard(jupyter):
    status, headers, _ = raw(jupyter, "OPTIONS", {
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert status < 500
    assert headers.get("access-control-allow-origin") in (None, "")
    assert "*" not in headers.get("access-control-allow-origin", "")


class UnderBaseUrl(JupyterServer):
    """A server under a base_url (as JupyterHub runs one): every path below it."""

    base = "/user/ed-lein/"

    def __init__(self, tmp_path, database_url):
        super().__init__(tmp_path, database_url, f"--ServerApp.base_url={self.base}", name="based")

    def call(self, method, path, body=None, quiet=False):
        return super().call(method, self.base.rstrip("/") + path, body, quiet)


async def test_under_a_base_url_the_tools_reach_the_routes_below_it(database_url, tmp_path):
    with UnderBaseUrl(tmp_path, database_url) as server:
        headers = {"Authorization": f"token {server.token}"}
        url = f"http://127.0.0.1:{server.port}{server.base}{PATH.lstrip('/')}"
        http = httpx2.AsyncClient(headers=headers, timeout=120)
        async with Client(streamable_http_client(url, http_client=http)) as client:
            made = tool_json(await client.call_tool("create_artifact", {"artifact_type": "note", "title": "based"}))
            missing = await client.call_tool("get_version", {"ref": "nothing@v1"})
        assert server.call("GET", f"/api/artifacts/{made['ref']}")[0] == 200
    assert missing.is_error and "not_found" in missing.content[0].text


def test_a_browser_session_needs_its_xsrf_token_as_on_every_route(jupyter):
    """Jupyter's XSRF rule, unchanged: a logged-in cookie alone is refused; with the session's
    XSRF token the tools work, their REST calls made with the same session."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{jupyter.port}", timeout=60) as browser:
        browser.get("/login")
        assert browser.post("/login", data={"password": jupyter.token, "_xsrf": browser.cookies["_xsrf"]}
                            ).status_code == 302
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "create_artifact", "arguments": {"artifact_type": "note", "title": "by cookie"}}}
        headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
        refused = browser.post(PATH, json=call, headers=headers)
        assert refused.status_code == 403 and "_xsrf" in refused.json()["message"]
        made = browser.post(PATH, json=call, headers={**headers, "X-XSRFToken": browser.cookies["_xsrf"]})
    assert made.status_code == 200
    assert json.loads(made.json()["result"]["content"][0]["text"])["title"] == "by cookie"
