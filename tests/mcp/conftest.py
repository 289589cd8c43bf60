"""The MCP tests' fixtures: a real Jupyter server with the extension on a schema of its own,
shared by a module's tests, and the OpenAPI texts the tool descriptions must equal."""

from __future__ import annotations

import pytest
from tests_helpers import JupyterServer

from jupyter_artifacts.pytest_plugin import fresh_schema


@pytest.fixture(scope="module")
def jupyter(artifacts_server_url, tmp_path_factory):
    """One server for the module (starting one takes seconds), on a fresh schema."""
    with fresh_schema(artifacts_server_url) as url, \
            JupyterServer(tmp_path_factory.mktemp("mcp"), url, name="mcp") as server:
        yield server


@pytest.fixture(scope="module")
def operation_texts(jupyter):
    """What each tool's description must be: its operation's text in the served OpenAPI document."""
    status, doc = jupyter.call("GET", "/api/jupyter_artifacts/openapi.json")
    assert status == 200
    texts = {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            summary, description = op["summary"], op.get("description")
            texts[(method.upper(), path)] = (summary if not description or description == summary
                                             else f"{summary}\n\n{description}")
    return texts
