"""Fixtures for testing jupyter_artifacts, or an extension built on it, against a real
PostgreSQL: `pytest_plugins = ["jupyter_artifacts.pytest_plugin"]`.

The server is `$JUPYTER_ARTIFACTS_TEST_DATABASE_URL` when set (e.g. a shared PostgreSQL
in CI), otherwise an embedded one started for the test session. Every test gets a
schema of its own, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

TEST_URL_ENV = "JUPYTER_ARTIFACTS_TEST_DATABASE_URL"
LEGACY_SCHEMA = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "legacy_schema.sql"


def url_with_schema(base: str, schema: str) -> str:
    params = conninfo_to_dict(base)
    opt = f"-c search_path={schema}"
    params["options"] = f"{params['options']} {opt}" if params.get("options") else opt
    return make_conninfo(**params)


@pytest.fixture
def embedded_pgdata():
    """A fresh embedded PostgreSQL data directory (not started)."""
    from .db import embedded

    with embedded.temporary_data_dir() as pgdata:
        yield pgdata


@pytest.fixture(scope="session")
def artifacts_server_url():
    """URL of the PostgreSQL server the tests use (not yet a schema of their own)."""
    url = os.environ.get(TEST_URL_ENV)
    if url:
        yield url
        return
    from .db import embedded

    with embedded.temporary_data_dir("ja-tests-pg-") as pgdata:
        server, uri = embedded.start(pgdata)
        yield uri
        embedded.stop(server)


@contextlib.contextmanager
def fresh_schema(server_url: str, prefix: str = "ja_test"):
    """A URL whose search_path is a new, empty schema, dropped at exit (also for fixtures
    that share one schema across a module, e.g. one server per module)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield url_with_schema(server_url, schema)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def database_url(artifacts_server_url):
    """A URL whose search_path is a fresh, empty schema; dropped after the test."""
    with fresh_schema(artifacts_server_url) as url:
        yield url


def load_sql(url: str, path: Path | str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(Path(path).read_text())


@pytest.fixture
def legacy_database_url(database_url):
    """A schema holding the older tables and rows of an existing deployment, unmigrated."""
    load_sql(database_url, LEGACY_SCHEMA)
    return database_url
