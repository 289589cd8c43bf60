"""A real Jupyter server (a subprocess: httpx needs a listening port) per test module, on a
PostgreSQL schema of its own, and clients of it."""

from __future__ import annotations

import pytest
from tests_helpers import JupyterServer

from jupyter_artifacts.client import AsyncClient, Client, Retry
from jupyter_artifacts.pytest_plugin import fresh_schema


@pytest.fixture(scope="module")
def module_database_url(artifacts_server_url):
    """A fresh schema shared by one test module's server; dropped afterwards."""
    with fresh_schema(artifacts_server_url, "ja_client") as url:
        yield url


@pytest.fixture(scope="module")
def ja_server(tmp_path_factory, module_database_url):
    with JupyterServer(tmp_path_factory.mktemp("client-server"), module_database_url, name="client") as server:
        yield server


def server_url(server: JupyterServer) -> str:
    return f"http://127.0.0.1:{server.port}/"


@pytest.fixture
def ja_client(ja_server):
    with Client(server_url(ja_server), ja_server.token, retry=Retry(attempts=3, backoff=0.2)) as client:
        yield client


@pytest.fixture
def async_client_factory(ja_server):
    """`AsyncClient` made inside the test's own event loop (httpx binds its pool to one)."""
    return lambda **kw: AsyncClient(server_url(ja_server), ja_server.token, **kw)
