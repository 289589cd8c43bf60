"""MCP tools for agents: one tool per REST operation an agent needs (API.md, "Agents").

`catalog` names the tools and describes them from the routes' own OpenAPI text and request
models; `calls` turns a tool call into its REST request and the reply into a tool result;
`server` builds the SDK's low-level server over any caller (stdio: the Python client at a
URL; inside Jupyter: handlers/mcp_http.py)."""
