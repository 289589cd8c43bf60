"""The MCP tools over Streamable HTTP at `/api/jupyter_artifacts/mcp` (API.md, "Agents"), under
Jupyter's own authentication: the same decorators as every route, Jupyter's XSRF rule (skipped
only for token-authenticated requests, as everywhere) and Jupyter's CORS settings (no wildcard).

One tornado request is one MCP message: the SDK's session manager in stateless mode with JSON
replies, run for this request only, behind a small tornado → ASGI bridge.

The tools call the REST routes of this same server through the package's AsyncClient, with
the caller's own credential: authorization (per route, and `execute` for an executed append),
`recorded_by`, idempotency and strict bodies are then exactly the REST ones, by construction
rather than by a second copy of the handlers' rules."""

from __future__ import annotations

from typing import Any

import anyio
from jupyter_server.auth.decorator import authorized
from tornado import web

from ..mcp_tools.server import build_server
from .base import ArtifactsHandler, Route

AUTH_RESOURCE = "jupyter_artifacts:mcp"
# Set by the bridge from the ASGI reply; tornado computes framing headers itself.
_PASSED_HEADERS = ("mcp-session-id", "mcp-protocol-version", "allow")
# The caller's credential, passed on to the REST routes as it came (a browser's cookie
# carries its XSRF token along, as jupyter_server checks it on every POST).
_CREDENTIAL_HEADERS = ("Authorization", "Cookie", "X-XSRFToken")


def loopback_client(serverapp, request):
    """An AsyncClient at this server's own address, sending the caller's credential."""
    import httpx

    from ..client import AsyncClient

    headers = {h: request.headers[h] for h in _CREDENTIAL_HEADERS if h in request.headers}
    token = request.query_arguments.get("token")
    if "Authorization" not in headers and token:
        headers["Authorization"] = f"token {token[0].decode()}"
    options: dict[str, Any] = {}
    ip = serverapp.ip or ""
    if serverapp.sock:
        options["transport"] = httpx.AsyncHTTPTransport(uds=serverapp.sock)
        host = "localhost"
    else:  # a wildcard or localhost listens on the loopback address too; a named address only there
        host = {"": "127.0.0.1", "*": "127.0.0.1", "0.0.0.0": "127.0.0.1", "localhost": "127.0.0.1",
                "::": "[::1]"}.get(ip, f"[{ip}]" if ":" in ip else ip)
        host = f"{host}:{serverapp.port}"
    scheme = "https" if serverapp.certfile else "http"
    if serverapp.certfile:
        options["verify"] = False  # this very server, on the loopback address its certificate does not name
    # One retry at most: a 503 here is this server's own database, which the tool error then reports.
    return AsyncClient(f"{scheme}://{host}{serverapp.base_url}", None, headers=headers, retry=2, **options)


async def call_asgi(app, request, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run one ASGI HTTP request against `app` from a tornado request; the whole reply."""
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": request.method, "scheme": request.protocol, "path": request.path,
        "raw_path": request.path.encode("latin-1"), "query_string": request.query.encode("latin-1"),
        "root_path": "", "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                     for k, v in request.headers.get_all()],
        "client": (request.remote_ip or "", 0), "server": None,
    }
    done = anyio.Event()
    delivered = False
    status, headers, chunks = 500, [], []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()  # a disconnect only once the reply is complete (a stream listens for it)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    done.set()
    return status, headers, b"".join(chunks)


class MCPHandler(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized("read")  # a transport: each tool call is authorized again at its own route
    async def post(self):
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        body = self.request.body or b""
        limit = self.extensionapp.max_request_bytes
        async with loopback_client(self.serverapp, self.request) as client:
            manager = StreamableHTTPSessionManager(
                app=build_server(client, self.extensionapp.routes()), json_response=True, stateless=True,
                max_request_body_size=limit)
            async with manager.run():
                status, headers, reply = await call_asgi(manager.handle_request, self.request, body)
        self.set_status(status)
        content_type = "application/json"
        for name, value in headers:
            if name.lower() == "content-type":
                content_type = value
            elif name.lower() in _PASSED_HEADERS:
                self.set_header(name, value)
        self.finish(reply, set_content_type=content_type)


routes = [Route("/api/jupyter_artifacts/mcp", MCPHandler)]
