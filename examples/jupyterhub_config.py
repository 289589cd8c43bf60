"""jupyter_artifacts under JupyterHub: every user's single-user server on one shared
PostgreSQL, each connecting as a database role of its own, named like the hub user.

Load it from your own jupyterhub_config.py (authenticator, spawner, ... are yours):

    load_subconfig("/etc/jupyterhub/jupyter_artifacts_hub.py")   # this file

What it configures, and why:

* The extension is installed in the single-user environment (`pip install jupyter_artifacts`
  there; it enables itself). The hub itself needs nothing of it.
* The hub process gets one variable, JUPYTER_ARTIFACTS_HUB_DATABASE_URL: the shared database,
  with no user in it, e.g. `postgresql://db.example.org:5432/artifacts?sslmode=verify-full`
  (a `host=... dbname=...` connection string works too). Each single-user server is started
  with JUPYTER_ARTIFACTS_DATABASE_URL = that URL with the hub username as its user. With a
  role per user, PostgreSQL itself records who wrote what (`recorded_by` = `session_user`)
  and refuses rewrites of history, even from a user who connects around the extension.
* Roles are made by the administrator, not here (this file runs in the hub, which should not
  hold the database owner's credentials). Once, as the owner (the role that owns the schema):

      jupyter artifacts migrate                      # the schema; servers never migrate
      psql -c 'CREATE ROLE "alice" LOGIN'            # per hub user: same name as in the hub
      jupyter artifacts grant alice                  # SELECT, append-only INSERTs, no DELETE

  and when a user leaves: `jupyter artifacts revoke alice`, then `DROP ROLE "alice"`.
  PostgreSQL role names are case-sensitive and at most 63 bytes: keep hub usernames so (most
  authenticators lower-case them). After each upgrade of the package, the owner runs
  `jupyter artifacts migrate` again (it re-applies the members' grants to any new table);
  until then the upgraded servers answer 503 naming that command.
* Passwords: with `trust`/`peer`/certificate authentication none is needed. Otherwise set
  JUPYTER_ARTIFACTS_HUB_ROLE_SECRET (a long random string) in the hub's environment: each
  role's password is then derived from it, and `python jupyterhub_config.py password alice`
  (with the same variable set) prints the one to give to `ALTER ROLE "alice" PASSWORD '...'`.
* A user can read their server's environment, so they can read their own role's URL: that
  is why the role is theirs alone, with least privilege. The extension's own execution kernels
  never get the URL; the kernels a user starts in JupyterLab are the user's code anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import urllib.parse

BASE_URL_ENV = "JUPYTER_ARTIFACTS_HUB_DATABASE_URL"
ROLE_SECRET_ENV = "JUPYTER_ARTIFACTS_HUB_ROLE_SECRET"
SERVER_URL_ENV = "JUPYTER_ARTIFACTS_DATABASE_URL"  # what the extension reads


def role_password(role: str) -> str | None:
    """The role's password, derived from the hub's secret (None: no password in the URL)."""
    secret = os.environ.get(ROLE_SECRET_ENV)
    if not secret:
        return None
    return hmac.new(secret.encode(), role.encode(), hashlib.sha256).hexdigest()


def _conninfo_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def member_database_url(base: str, role: str, password: str | None = None) -> str:
    """`base` with `role` (and `password`) as its user: a URL's user part is replaced; a
    `key=value` connection string gets `user=` appended (libpq keeps a keyword's last value)."""
    if "://" in base:
        parts = urllib.parse.urlsplit(base)
        userinfo = urllib.parse.quote(role, safe="")
        if password is not None:
            userinfo += ":" + urllib.parse.quote(password, safe="")
        host = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))
    extra = f" user={_conninfo_value(role)}"
    if password is not None:
        extra += f" password={_conninfo_value(password)}"
    return base + extra


def server_database_url(spawner) -> str:
    """Spawner.environment callable: the URL of the spawned user's own role."""
    base = os.environ.get(BASE_URL_ENV)
    if not base:
        raise RuntimeError(f"Set {BASE_URL_ENV} in the hub's environment (the shared database, without a user).")
    role = spawner.user.name
    return member_database_url(base, role, role_password(role))


def configure(c) -> None:
    # Computed at each spawn, so every server gets its own user's role.
    c.Spawner.environment.update({SERVER_URL_ENV: server_database_url})
    # Members never migrate (they cannot: no DDL); the owner runs `jupyter artifacts migrate`.
    c.Spawner.args.append("--JupyterArtifactsApp.auto_migrate=False")
    # A single-user server is idle most of the time: no idle pooled connection (only its LISTEN
    # connection stays open) and a small pool, so one PostgreSQL holds many servers (docs/team.md).
    c.Spawner.args.extend(["--JupyterArtifactsApp.pool_min_size=0", "--JupyterArtifactsApp.pool_max_size=2"])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "password":
        print("usage: python jupyterhub_config.py password ROLE", file=sys.stderr)
        return 2
    password = role_password(argv[1])
    if password is None:
        print(f"{ROLE_SECRET_ENV} is not set: roles have no derived password.", file=sys.stderr)
        return 1
    print(password)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
else:  # loaded by JupyterHub (traitlets gives the file `c`)
    configure(c)  # noqa: F821
