"""examples/jupyterhub_config.py's own functions: the URL each single-user server gets, read
back by libpq's parser (psycopg's conninfo_to_dict), and the derived role passwords."""

from __future__ import annotations

import runpy
import subprocess
import sys

import pytest
from hub_process import EXAMPLE
from psycopg.conninfo import conninfo_to_dict
from traitlets.config import Config


@pytest.fixture
def recipe():
    c = Config()
    recipe = runpy.run_path(str(EXAMPLE), init_globals={"c": c}, run_name="jupyterhub_config")
    recipe["c"] = c
    return recipe


@pytest.mark.parametrize("base, expected", [
    ("postgresql://db.example.org:5432/artifacts?sslmode=require",
     {"host": "db.example.org", "port": "5432", "dbname": "artifacts", "sslmode": "require"}),
    # An owner's user and password in the base never reach a member.
    ("postgresql://owner:secret@db:5432/artifacts", {"host": "db", "port": "5432", "dbname": "artifacts"}),
    # A unix socket in the query (as the embedded server's URL has it).
    ("postgresql://postgres:@/jupyter_artifacts?host=/run/pg", {"host": "/run/pg", "dbname": "jupyter_artifacts"}),
    ("host=db port=5432 user=owner dbname=artifacts options='-c search_path=team'",
     {"host": "db", "port": "5432", "dbname": "artifacts", "options": "-c search_path=team"}),
])
@pytest.mark.parametrize("role", ["alice", "o'brien@lab.example"])
def test_each_server_connects_as_its_own_role(recipe, base, expected, role):
    for password in (None, "p@ss w'rd:/"):
        params = conninfo_to_dict(recipe["member_database_url"](base, role, password))
        assert params == {**expected, "user": role, **({"password": password} if password else {})}


def test_passwords_derive_from_the_hub_secret(recipe, monkeypatch):
    monkeypatch.delenv("JUPYTER_ARTIFACTS_HUB_ROLE_SECRET", raising=False)
    assert recipe["role_password"]("alice") is None
    monkeypatch.setenv("JUPYTER_ARTIFACTS_HUB_ROLE_SECRET", "s3cret")
    alice = recipe["role_password"]("alice")
    assert len(alice) == 64 and alice != recipe["role_password"]("bob") and alice == recipe["role_password"]("alice")
    # What the administrator runs to set the role's password: the same value.
    printed = subprocess.run([sys.executable, str(EXAMPLE), "password", "alice"], capture_output=True, text=True,
                             env={"JUPYTER_ARTIFACTS_HUB_ROLE_SECRET": "s3cret"}, check=True)
    assert printed.stdout.strip() == alice


def test_servers_get_the_url_and_never_migrate(recipe):
    # Added to whatever the administrator's own configuration sets, not replacing it.
    spawner = recipe["c"].Spawner
    assert spawner.args.get_value(["--debug"]) == [
        "--debug", "--JupyterArtifactsApp.auto_migrate=False",
        "--JupyterArtifactsApp.pool_min_size=0", "--JupyterArtifactsApp.pool_max_size=2"]
    environment = spawner.environment.get_value({"TZ": "UTC"})
    assert environment == {"TZ": "UTC", "JUPYTER_ARTIFACTS_DATABASE_URL": recipe["server_database_url"]}
