"""Benchmark: a team on one database. 50 single-user Jupyter servers, each a real `jupyter server`
process with the extension, connected as its user's own database role (granted as
`jupyter artifacts grant` does) with the settings of examples/jupyterhub_config.py, each driven by one
simulated researcher who appends an analysis step to their own notebook (a realistic one:
tables, plots, logs, tracebacks), now and then cites one of the group's shared reference
notebooks from it, reads its lineage and lists the team's notebooks, with a pause between actions.

Side by side in one run:
  1. p95 of an append and of a lineage read with one server alone (the same researcher loop);
  2. the same p95s with all servers working at once, and their ratio to (1);
  3. the connections the servers held, sampled from pg_stat_activity: the peak against the
     sizing rule (servers x (pool_max_size + 1): the pool plus one LISTEN connection each) and
     against the database's max_connections; and any request that failed (goal: none).

    python benchmarks/team.py [--servers 50] [--actions 20] [--pool-max 2] [--think 2.0]

By default on a PostgreSQL of its own (the machine's or the embedded package's binaries, in a
temporary directory, fsync on) whose max_connections follows docs/team.md's sizing rule, as an
administrator would set it. `--database given` uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (a fresh
schema in it) or else an embedded PostgreSQL, with their own max_connections (100 by default:
too few for 50 busy servers, which the failed-request figure then shows).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from append import database, free_port  # noqa: E402
from branches import build_notebook, code_cell  # noqa: E402
from report import figure  # noqa: E402

from jupyter_artifacts.db import roles  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

# Each researcher's notebook is one of the branches benchmark's analysis notebooks (tables,
# plots, logs, tracebacks, markdown; a different one per researcher), and appended cells are
# analysis steps of the same kinds. A few shared reference notebooks stand for the group's
# published work: researchers cite them, so lineage answers cross users as in a real team.
CELLS_PER_NOTEBOOK = 120
REFERENCES = 5

@contextlib.contextmanager
def sized_database(servers: int, pool_max: int):
    """A PostgreSQL of its own whose max_connections is docs/team.md's rule plus headroom."""
    import pytest
    from replica_cluster import make_cluster

    try:
        cluster = make_cluster(replica=False, max_connections=servers * (pool_max + 1) + 20, fsync=True)
    except (pytest.skip.Exception, RuntimeError) as e:
        raise SystemExit(f"no PostgreSQL of its own could be started ({e}); use --database given") from None
    try:
        yield cluster.primary_url
    finally:
        cluster.destroy()


def as_role(url: str, app: str, role: str) -> str:
    """The URL for `role`, with an application_name of this run (its connections are counted apart)."""
    return make_conninfo(**{**conninfo_to_dict(url), "application_name": app, "user": role})


@contextlib.contextmanager
def member_roles(url: str, count: int):
    """`count` login roles granted as members, one per single-user server; dropped at exit."""
    names = [f"ja_bench_{secrets.token_hex(3)}_{i}" for i in range(count)]

    async def grant_all():
        async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row) as conn:
            for name in names:
                await conn.execute(f'CREATE ROLE "{name}" LOGIN')
                await roles.grant(conn, name)

    try:
        asyncio.run(grant_all())
        yield names
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for name in names:
                with contextlib.suppress(psycopg.Error):
                    conn.execute(f'DROP OWNED BY "{name}"')
                    conn.execute(f'DROP ROLE "{name}"')


class Servers:
    """`count` jupyter server processes on one database, started together."""

    def __init__(self, urls: list[str], pool_max: int, tmp: Path):
        count = len(urls)
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []
        self.token = secrets.token_hex(16)
        for i in range(count):
            home = tmp / f"s{i}"
            (home / "root").mkdir(parents=True)
            env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
            env.update(JUPYTER_ARTIFACTS_DATABASE_URL=urls[i], JUPYTER_CONFIG_DIR=f"{home}/config",
                       JUPYTER_DATA_DIR=f"{home}/data", JUPYTER_RUNTIME_DIR=f"{home}/runtime")
            port = free_port()
            log = open(home / "server.log", "wb")  # noqa: SIM115 - closed with the process
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root", f"--port={port}",
                 "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={self.token}",
                 f"--ServerApp.root_dir={home / 'root'}",
                 "--ServerApp.jpserver_extensions={'jupyter_artifacts': True}", "--ServerApp.log_level=WARN",
                 # examples/jupyterhub_config.py's settings: no idle pooled connection, a small pool.
                 "--JupyterArtifactsApp.pool_min_size=0", f"--JupyterArtifactsApp.pool_max_size={pool_max}",
                 "--JupyterArtifactsApp.auto_migrate=False"],
                env=env, stdout=log, stderr=subprocess.STDOUT))
            self.ports.append(port)
        self.logs = [tmp / f"s{i}" / "server.log" for i in range(count)]

    async def ready(self, http: AsyncHTTPClient, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        pending = set(range(len(self.ports)))
        while pending:
            for i in list(pending):
                if self.procs[i].poll() is not None:
                    raise SystemExit(f"server {i} exited: {self.logs[i].read_text()[-2000:]}")
                with contextlib.suppress(OSError, HTTPClientError):
                    r = await http.fetch(self.base(i) + "/api/jupyter_artifacts/status", headers=self.headers())
                    if r.code == 200:
                        pending.discard(i)
            if time.monotonic() > deadline:
                raise SystemExit(f"{len(pending)} servers did not start in {timeout:.0f} s")
            await asyncio.sleep(0.5)

    def base(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}", "Content-Type": "application/json"}

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


class ConnectionSampler(threading.Thread):
    """Counts this run's connections (by application_name) every 0.25 s."""

    def __init__(self, url: str, app: str):
        super().__init__(daemon=True)
        self.url, self.app = url, app
        self.samples: list[int] = []
        self.stopped = threading.Event()

        self.cluster_peak = 0
        # Connected before the servers start: at the peak the database may refuse a new client.
        self.conn = psycopg.connect(url, autocommit=True)

    def run(self) -> None:
        with self.conn as conn:
            while not self.stopped.is_set():
                ours, everyone = conn.execute(
                    "SELECT count(*) FILTER (WHERE application_name = %s), count(*) FILTER (WHERE backend_type = "
                    "'client backend') FROM pg_stat_activity", (self.app,)).fetchone()
                self.samples.append(ours)
                self.cluster_peak = max(self.cluster_peak, everyone)
                time.sleep(0.25)


async def researcher(http, servers: Servers, i: int, actions: int, think: float, references: list[str],
                     timings: dict, errors: list):
    base, headers = servers.base(i), servers.headers()
    nb = f"team-{i}-{secrets.token_hex(3)}"
    rng = random.Random(i)

    async def call(kind, method, path, body=None):
        t0 = time.perf_counter()
        r = await http.fetch(base + path, method=method, headers=headers, raise_error=False, request_timeout=120,
                             body=None if body is None else json.dumps(body))
        if kind:
            timings.setdefault(kind, []).append(time.perf_counter() - t0)
        if r.code >= 300:
            errors.append(f"{method} {path} -> {r.code} {(r.body or b'')[:200]!r}")
        return json.loads(r.body) if r.body else None

    notebook = build_notebook(CELLS_PER_NOTEBOOK, seed=1000 + i)
    await call(None, "POST", "/api/notebooks", {"id": nb, "title": f"Analysis {i}", "notebook": notebook})
    for k in range(actions):
        await asyncio.sleep(rng.uniform(0, think))
        source, _ = code_cell(rng, CELLS_PER_NOTEBOOK + k, k + 1)
        version = await call("append", "POST", f"/api/notebooks/{nb}/cells", {"source": source})
        ref = (version or {}).get("ref", nb)
        if rng.random() < 0.3:  # the step builds on the group's published work
            await call("link", "POST", "/api/artifact-links",
                       {"source": ref, "target": rng.choice(references), "link_type": "cites"})
        await asyncio.sleep(rng.uniform(0, think))
        await call("lineage", "GET", f"/api/artifacts/{ref}/lineage?direction=ancestors&max_depth=5")
        await call("list", "GET", "/api/artifacts?type=notebook")


async def publish_references(http, servers: Servers) -> list[str]:
    """The shared reference notebooks, registered through the first server."""
    refs = []
    for r in range(REFERENCES):
        reply = await http.fetch(servers.base(0) + "/api/notebooks", method="POST", headers=servers.headers(),
                                 body=json.dumps({"id": f"REF-{r}-{secrets.token_hex(3)}", "title": f"Published {r}",
                                                  "notebook": build_notebook(CELLS_PER_NOTEBOOK, seed=r)}))
        refs.append(json.loads(reply.body)["ref"])
    return refs


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


async def phase(url: str, members: list[str], args, app: str, tmp: Path, actions: int, think: float
                ) -> tuple[dict, list, list[int], int]:
    count = len(members)
    http = AsyncHTTPClient(max_clients=max(10, count * 2))
    sampler = ConnectionSampler(url, app)
    sampler.start()
    servers = Servers([as_role(url, app, m) for m in members], args.pool_max, tmp)
    try:
        t0 = time.perf_counter()
        await servers.ready(http)
        print(f"  {count} servers ready in {time.perf_counter() - t0:.0f} s", flush=True)
        timings: dict = {}
        errors: list = []
        t0 = time.perf_counter()
        references = await publish_references(http, servers)
        await asyncio.gather(*(researcher(http, servers, i, actions, think, references, timings, errors)
                               for i in range(count)))
        seconds = time.perf_counter() - t0
        done = sum(len(v) for v in timings.values())
        print(f"  {done} requests by {count} researchers in {seconds:.0f} s ({done / seconds:.1f}/s)", flush=True)
        return timings, errors, sampler.samples, sampler.cluster_peak
    finally:
        sampler.stopped.set()
        servers.stop()
        sampler.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--actions", type=int, default=20, help="appends (each with a lineage and a list) per researcher")
    parser.add_argument("--pool-max", type=int, default=2, help="pool_max_size of each server")
    parser.add_argument("--think", type=float, default=2.0, help="most seconds a researcher pauses between actions")
    parser.add_argument("--database", choices=("own", "given"), default="own",
                        help="own: a PostgreSQL sized by the rule; given: the test database or an embedded one")
    args = parser.parse_args()
    chosen = sized_database(args.servers, args.pool_max) if args.database == "own" else database()
    with chosen as url, tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as team_roles:
        # The owner migrates once; the servers run with auto_migrate off, as docs/team.md says.
        subprocess.run([sys.executable, "-m", "jupyter", "artifacts", "migrate"], check=True,
                       env={**os.environ, "JUPYTER_ARTIFACTS_DATABASE_URL": url}, stdout=subprocess.DEVNULL)
        with psycopg.connect(url) as conn:
            max_connections = int(conn.execute("SHOW max_connections").fetchone()[0])
            reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
            version = conn.execute("SHOW server_version").fetchone()[0]
        where = "a PostgreSQL of its own" if args.database == "own" else "the given database"
        print(f"database: {where}, PostgreSQL {version}, max_connections {max_connections}", flush=True)
        app = f"ja_bench_team_{secrets.token_hex(4)}"
        members = team_roles.enter_context(member_roles(url, args.servers))
        # Alone, more actions and shorter pauses: enough samples for a p95 in a short time.
        print(f"one server alone ({args.actions * 3} actions):", flush=True)
        alone, alone_errors, _, _ = asyncio.run(phase(url, members[:1], args, app, Path(tmp) / "alone", args.actions * 3,
                                                   args.think / 4))
        print(f"{args.servers} servers at once ({args.actions} actions each, pool_max_size={args.pool_max}):",
              flush=True)
        team, errors, samples, cluster_peak = asyncio.run(phase(url, members, args, app, Path(tmp) / "team", args.actions,
                                                  args.think))
    errors = alone_errors + errors
    for kind in ("append", "link", "lineage", "list"):
        if not alone.get(kind) or not team.get(kind):
            continue
        print(f"  {kind:>7}: p95 {p95(alone[kind]):7.1f} ms alone, {p95(team[kind]):7.1f} ms with {args.servers} "
              f"servers ({len(team[kind])} requests)")
    peak = max(samples, default=0)
    mean = sum(samples) / len(samples) if samples else 0
    rule = args.servers * (args.pool_max + 1)
    print(f"  connections of the servers: peak {peak}, mean {mean:.0f} over {len(samples)} samples; at most "
          f"{args.servers} x ({args.pool_max} + 1) = {rule}; the whole database server's peak {cluster_peak} of "
          f"max_connections {max_connections} ({reserved} reserved for superusers)")
    for e in errors[:5]:
        print(f"  failed: {e}")
    for kind in ("append", "lineage"):
        ratio = p95(team[kind]) / p95(alone[kind])
        figure(f"{args.servers} servers: p95 {kind} (ms)", round(p95(team[kind]), 1), "report", True,
               f"{p95(alone[kind]):.1f} ms alone, ratio {ratio:.2f}")
    figure(f"{args.servers} servers: peak connections", peak, f"< {max_connections - reserved} (max_connections)",
           cluster_peak < max_connections - reserved,
           f"mean {mean:.0f}; at most {rule} by the sizing rule; whole server's peak {cluster_peak}")
    figure(f"{args.servers} servers: failed requests", len(errors), "0", not errors,
           f"of {sum(len(v) for v in team.values()) + sum(len(v) for v in alone.values())}")


if __name__ == "__main__":
    main()
