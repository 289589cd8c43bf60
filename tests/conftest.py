from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from jupyter_artifacts.app import ENV_DATABASE_URL
from jupyter_artifacts.db.pool import Database

pytest_plugins = ["jupyter_artifacts.pytest_plugin", "pytest_jupyter.jupyter_server"]


@pytest.fixture
def artifacts_config(database_url):
    """Extra `JupyterArtifactsApp` settings for the server under test (tests override it)."""
    return {}


@pytest.fixture
def jp_server_config(database_url, artifacts_config, monkeypatch):
    # An operator's environment must not point the tests at another database.
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_artifacts": True}},
        "JupyterArtifactsApp": {"database_url": database_url, "pool_timeout": 5.0, **artifacts_config},
    }


class Reply:
    def __init__(self, response):
        self.status = response.code
        self.headers = response.headers
        raw = response.body or b""
        self.text = raw.decode("utf-8", "replace")
        try:
            self.json = json.loads(raw) if raw else None
        except (ValueError, RecursionError):  # RecursionError: a reply deeper than Python's json reads
            self.json = None

    def __repr__(self):
        return f"<Reply {self.status} {self.text[:300]}>"


@pytest.fixture
def api(jp_fetch):
    """`await api("POST", "api/artifacts", {...})` -> Reply, errors included (no raise)."""

    async def call(method: str, path: str, body: Any = None, params: dict | None = None,
                   raw: bytes | str | None = None, headers: dict | None = None,
                   timeout: float | None = None) -> Reply:
        parts = path.split("/")
        kwargs: dict = {"method": method, "raise_error": False}
        if timeout is not None:
            kwargs["request_timeout"] = timeout
        if params:
            kwargs["params"] = params
        if body is not None or raw is not None:
            kwargs["body"] = raw if raw is not None else json.dumps(body)
        elif method in ("POST", "PATCH", "PUT"):
            kwargs["body"] = b""
            kwargs["allow_nonstandard_methods"] = True
        if headers:
            kwargs["headers"] = headers
        return Reply(await jp_fetch(*parts, **kwargs))

    return call


@pytest.fixture
def sql(database_url):
    """Plain SQL on the test's schema, as another service would write it."""
    conn = psycopg.connect(database_url, autocommit=True, row_factory=dict_row)
    yield lambda q, p=None: _run(conn, q, p)
    conn.close()


def _run(conn, q, p):
    cur = conn.execute(q, p)
    return cur.fetchall() if cur.description else None


@pytest.fixture
def db(database_url, jp_asyncio_loop):
    """A second, independent store on the same schema (as another server would have)."""
    database = Database(database_url, max_size=4)
    yield database
    jp_asyncio_loop.run_until_complete(database.close())
