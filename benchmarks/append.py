"""Benchmark: cell append against saving the same notebook through Jupyter's contents API.

One Jupyter server with the extension, one run, side by side (DESIGN.md's targets):
  1. median append latency (no execution) / median `PUT /api/contents` latency of the same
     growing notebook, starting at 1,000 cells, one cell more per request      (goal <= 0.05)
  2. median of appends 101-120 / median of appends 11-30                        (goal <= 1.2),
     on two notebooks that start at 1,000 cells, the two windows alternating request by request
  3. nbdime's time / ours for adjacent versions of the 1,000-cell notebook      (goal >= 10),
     both for the diff function and for the whole REST diff request.

    python benchmarks/append.py [--cells 1000] [--appends 120] [--scale N]

`--scale N` (N > 1) measures "append growth" instead: the database is first filled with N M
versions of realistic shape (set-based SQL, triggers off as a bulk import writes them: hypotheses,
papers and datasets of 4 versions, notebooks of 20 versions (4 cells, then a cell per append), links and
their processing steps, citations between artifacts; 1.35 M steps per million versions), then
the same appends to a 1,000-cell notebook run on it and on a small database, request by request
alternating between the two servers: median there / median on the small one (goal <= 1.2).

Uses $JUPYTER_ARTIFACTS_TEST_DATABASE_URL (a fresh schema in it) when set, else an
embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbdime
import nbformat
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bulk  # noqa: E402
from diff_speed import build_notebook  # noqa: E402
from report import figure  # noqa: E402

from jupyter_artifacts.notebooks.diff import diff_notebooks  # noqa: E402
from jupyter_artifacts.pytest_plugin import fresh_schema  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes, float]:
        data = None if body is None else json.dumps(body)
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=self.headers)
        reply = self.conn.getresponse()
        payload = reply.read()
        return reply.status, payload, time.perf_counter() - t0


@contextlib.contextmanager
def database():
    base = os.environ.get("JUPYTER_ARTIFACTS_TEST_DATABASE_URL")
    if base:
        with fresh_schema(base, "ja_bench") as url:
            yield url
    else:
        from jupyter_artifacts.db import embedded

        with embedded.temporary_data_dir("ja-bench-pg-") as pgdata:
            server, url = embedded.start(pgdata)
            try:
                yield url
            finally:
                embedded.stop(server)


@contextlib.contextmanager
def jupyter_server(url: str, app: str = "server", extra: tuple[str, ...] = (), ready_s: float = 90):
    """A `jupyter server` (or `jupyter lab`) subprocess with the extension on `url`, once ready
    (on a database bulk-loaded with its triggers off, the start-up check of its links first)."""
    port, token = free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
        env.update(JUPYTER_ARTIFACTS_DATABASE_URL=url, JUPYTER_CONFIG_DIR=f"{tmp}/config",
                   JUPYTER_DATA_DIR=f"{tmp}/data", JUPYTER_RUNTIME_DIR=f"{tmp}/runtime")
        log = open(Path(tmp) / "server.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root", f"--port={port}",
             "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}",
             f"--ServerApp.root_dir={root}", "--ServerApp.jpserver_extensions={'jupyter_artifacts': True}",
             "--ServerApp.log_level=WARN", *extra], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + ready_s
            while True:
                try:
                    status, _, _ = Client(port, token).call("GET", "/api/jupyter_artifacts/status")
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit(f"the server did not start: {(Path(tmp) / 'server.log').read_text()[-2000:]}")
                time.sleep(0.3)
            client = Client(port, token)
            client.pid = proc.pid  # for benchmarks that watch the server's memory
            yield client
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()


def median_ms(values) -> float:
    return statistics.median(values) * 1000


# Per million versions: 125,000 artifacts (hypotheses, papers, datasets) of 4 versions and 25,000
# notebooks of 20 versions (v1 with 4 cells, then one appended cell per version), an `extends` or
# `derives_from` link and its step per later version, and 500,000 citations (link and step).
FILL = """
INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content, content_hash, version_number,
                       parent_version_id, is_latest, lifecycle_state, created_at, created_by_actor_type,
                       created_by_actor_id, recorded_by)
SELECT CASE WHEN v = 1 THEN a ELSE a || '@v' || v END, a, (ARRAY['hypothesis', 'paper', 'dataset'])[1 + i %% 3],
       'Effect ' || i || ' of ' || left(md5(i::text), 8) || ' on microglial ' || left(md5((i * 7)::text), 6),
       '{}', jsonb_build_object('statement', repeat(md5((i * v)::text) || ' binds ' || left(md5(i::text), 9) || ' ', 6),
                                'evidence', jsonb_build_array(i %% 97, v)),
       'sha256:' || md5(i || ':' || v) || md5(v || ':' || i), v,
       CASE v WHEN 1 THEN NULL WHEN 2 THEN a ELSE a || '@v' || (v - 1) END, v = 4, 'active',
       timestamptz '2024-01-01' + i * interval '10 seconds' + v * interval '1 hour', 'agent', 'bench', 'bench'
  FROM generate_series(1, %(others)s) i CROSS JOIN LATERAL (SELECT 'h-' || i AS a) x, generate_series(1, 4) v;
INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content, content_hash, version_number,
                       parent_version_id, is_latest, lifecycle_state, created_at, created_by_actor_type,
                       created_by_actor_id, recorded_by)
SELECT CASE WHEN v = 1 THEN a ELSE a || '@v' || v END, a, 'notebook', 'Analysis ' || i || ' of cohort ' || i %% 311,
       '{}', '{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3",
              "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}}}',
       'sha256:' || md5(i || ':' || v) || md5(v || ':nb:' || i), v,
       CASE v WHEN 1 THEN NULL WHEN 2 THEN a ELSE a || '@v' || (v - 1) END, v = 20, 'active',
       timestamptz '2024-01-01' + i * interval '40 seconds' + v * interval '1 minute', 'agent', 'bench', 'bench'
  FROM generate_series(1, %(notebooks)s) i CROSS JOIN LATERAL (SELECT 'nb-' || i AS a) x, generate_series(1, 20) v;
INSERT INTO notebooks (id, title, notebook_artifact_id)
SELECT 'nb-' || i, 'Analysis ' || i || ' of cohort ' || i %% 311, 'nb-' || i || '@v20'
  FROM generate_series(1, %(notebooks)s) i;
INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, output, notebook_artifact_id, cell_id,
                            cell_metadata, outputs, execution_count, canonical, created_at)
SELECT 'nb-' || i, c, t, src, CASE WHEN t = 'code' THEN 'loss=' || (c %% 13) END,
       CASE WHEN c < 4 THEN 'nb-' || i ELSE 'nb-' || i || '@v' || (c - 2) END, 'c' || c, '{}',
       CASE WHEN t = 'code' THEN jsonb_build_array(jsonb_build_object('output_type', 'stream', 'name', 'stdout',
                                                                      'text', 'loss=' || (c %% 13))) END,
       NULL, '{"cell_type":' || to_json(t)::text || ',"id":"c' || c || '","source":' || to_json(src)::text || '}',
       timestamptz '2024-01-01' + i * interval '40 seconds'
  FROM generate_series(1, %(notebooks)s) i, generate_series(0, 22) c,
       LATERAL (SELECT CASE WHEN c %% 6 = 0 THEN 'markdown' ELSE 'code' END AS t,
                       CASE WHEN c %% 6 = 0 THEN '## Step ' || c || ': ' || md5((i + c)::text)
                            ELSE 'df_' || c || ' = pd.read_csv("s' || (i %% 53) || '.csv")' || chr(10)
                                 || 'sc.tl.leiden(df_' || c || ', resolution=0.' || (c %% 9) || ')' END AS src) k;
WITH l AS (
    INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, created_at)
    SELECT id, parent_version_id, CASE artifact_type WHEN 'notebook' THEN 'extends' ELSE 'derives_from' END, created_at
      FROM artifacts WHERE parent_version_id IS NOT NULL
    RETURNING id, source_artifact_id, target_artifact_id, link_type, created_at)
INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id, target_version_number,
                              step_type, actor_type, actor_id, recorded_by, method, parameters, link_id, created_at)
SELECT split_part(target_artifact_id, '@', 1), COALESCE(nullif(split_part(target_artifact_id, '@v', 2), '')::int, 1),
       split_part(source_artifact_id, '@', 1), split_part(source_artifact_id, '@v', 2)::int,
       CASE link_type WHEN 'extends' THEN 'cell_append' ELSE 'derive' END, 'agent', 'bench', 'bench', 'bench',
       '{"rationale": "generated"}', id, created_at
  FROM l;
WITH l AS (
    INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, created_at)
    SELECT 'nb-' || (1 + j %% %(notebooks)s) || '@v' || (2 + j %% 19), 'h-' || (1 + (j::bigint * 7919) %% %(others)s),
           'cites', timestamptz '2024-06-01' + j * interval '1 second'
      FROM generate_series(1, %(citations)s) j
    RETURNING id, source_artifact_id, target_artifact_id, created_at)
INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id, target_version_number,
                              step_type, actor_type, actor_id, recorded_by, method, parameters, link_id, created_at)
SELECT target_artifact_id, 1, split_part(source_artifact_id, '@', 1), split_part(source_artifact_id, '@v', 2)::int,
       'cite', 'agent', 'bench', 'bench', 'bench', '{}', id, created_at
  FROM l;
"""


LOADED = ("artifacts", "notebooks", "notebook_cells", "artifact_links", "processing_steps")


def migrate_schema(url: str) -> None:
    """Every migration, applied to the database at `url` (the benchmarks that bulk-load after)."""
    import asyncio

    from jupyter_artifacts.db.migrate import apply_migrations
    from jupyter_artifacts.db.pool import Database

    async def migrate():
        db = Database(url, auto_migrate=False)
        async with db.connection() as conn:
            await apply_migrations(conn)
        await db.close()

    asyncio.run(migrate())


def fill(url: str, scale: float) -> dict:
    """Migrate, then write `scale` M versions as a bulk import would (triggers off, set-based, the
    tables' secondary indexes rebuilt after), the search tables filled by the migrations' own
    refresh, statistics current. Returns counts, seconds and sizes."""
    migrate_schema(url)
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute("SET maintenance_work_mem = '256MB'")
        counts = {"others": int(125_000 * scale), "notebooks": int(25_000 * scale),
                  "citations": int(500_000 * scale)}
        with bulk.indexes_dropped(conn, LOADED):
            conn.execute("SET session_replication_role = replica")  # no triggers (needs a superuser)
            with conn.transaction():
                for statement in FILL.split(";\n"):
                    if statement.strip():
                        conn.execute(statement, counts)
            conn.execute("SET session_replication_role = origin")
        loaded = time.perf_counter() - t0
        searched = bulk.fill_search(conn)
        conn.execute("VACUUM ANALYZE")
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("artifacts", "notebook_cells", "processing_steps", "artifact_links")}
        sizes = bulk.megabytes(conn, LOADED + bulk.SEARCH_TABLES)
    return {**rows, "load_s": loaded, "search_s": searched, "total_s": time.perf_counter() - t0, "mb": sizes}


def growth(args) -> None:
    """Append latency on a database of --scale M versions against a small one, alternating."""
    nb = build_notebook(args.cells)
    with database() as small_url, database() as large_url:
        made = fill(large_url, args.scale)
        print(f"filled: {made['artifacts']:,} versions, {made['notebook_cells']:,} cells, "
              f"{made['processing_steps']:,} steps, {made['artifact_links']:,} links in {made['total_s']:.0f} s "
              f"(rows {made['load_s']:.0f} s, search tables {made['search_s']:.0f} s)", flush=True)
        total_mb, per_million = sum(made["mb"].values()), 1e6 / made["artifacts"]
        print(f"disk: {total_mb:,.0f} MB, {total_mb * per_million:,.0f} MB per million versions "
              f"(pg_total_relation_size: " + ", ".join(f"{t} {mb * per_million:,.0f}" for t, mb in made["mb"].items())
              + ")", flush=True)
        # The large server checks every link loaded without its step once before it is ready
        # (services/lineage.py): 28 s for 2.7 M links on a loaded machine.
        with jupyter_server(small_url) as small, jupyter_server(large_url, ready_s=120 + 90 * args.scale) as large:
            for client in (small, large):
                status, body, _ = client.call("POST", "/api/notebooks", {"id": "bench-nb", "notebook": nb})
                assert status == 201, body
            times = {"small": [], "large": []}
            for i in range(args.appends + 10):
                pair = [("small", small), ("large", large)]
                for name, client in pair if i % 2 == 0 else reversed(pair):
                    status, body, took = client.call("POST", "/api/notebooks/bench-nb/cells", {
                        "source": f"result_{i} = analyse(frame, step={i})\nresult_{i}.describe()",
                        "agent_id": "bench", "method": "benchmark"})
                    assert status == 201, body
                    if i >= 10:  # the first appends warm each server's pool and caches
                        times[name].append(took)
    s, g = median_ms(times["small"]), median_ms(times["large"])
    print(f"append median, {made['artifacts'] / 1e6:.1f} M versions   {g:8.2f} ms")
    print(f"append median, small database     {s:8.2f} ms")
    print(f"  ratio                           {g / s:8.3f}   (goal <= 1.2)")
    figure(f"append growth: {made['artifacts'] / 1e6:.1f} M versions / small database", g / s, "<= 1.2", g / s <= 1.2,
           f"{g:.2f} ms vs {s:.2f} ms, {made['processing_steps'] / 1e6:.1f} M steps, "
           f"{total_mb * per_million:,.0f} MB per million versions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--appends", type=int, default=120)
    parser.add_argument("--scale", type=int, default=1, help="> 1: append growth on a database of N M versions")
    args = parser.parse_args()
    if args.scale > 1:
        growth(args)
        return

    nb = build_notebook(args.cells)
    with database() as url, jupyter_server(url) as client:
        status, body, _ = client.call("POST", "/api/notebooks", {"id": "bench-nb", "notebook": nb})
        assert status == 201, body
        contents_nb = json.loads(json.dumps(nb))
        status, body, _ = client.call("PUT", "/api/contents/bench.ipynb",
                                      {"type": "notebook", "format": "json", "content": contents_nb})
        assert status in (200, 201), body
        appends, saves = [], []
        for i in range(args.appends):
            source = f"result_{i} = analyse(frame, step={i})\nresult_{i}.describe()"
            status, body, took = client.call("POST", "/api/notebooks/bench-nb/cells",
                                             {"source": source, "agent_id": "bench", "method": "benchmark"})
            assert status == 201, body
            appends.append(took)
            contents_nb["cells"].append(nbformat.v4.new_code_cell(source))
            status, body, took = client.call("PUT", "/api/contents/bench.ipynb",
                                             {"type": "notebook", "format": "json", "content": contents_nb})
            assert status == 200, body
            saves.append(took)

        # What any request pays in the append's position, right after a save (the machine's cores
        # idle through the save's end, the database's backend through all of it): Jupyter's own
        # GET /api/status (no database) and one trivial query, against the same back to back.
        floor = {"status_after": [], "query_after": [], "status_warm": [], "query_warm": []}
        with psycopg.connect(url, autocommit=True) as conn:
            for _ in range(40):
                for kind in ("status", "query"):
                    status, body, _ = client.call("PUT", "/api/contents/bench.ipynb",
                                                  {"type": "notebook", "format": "json", "content": contents_nb})
                    assert status == 200, body
                    for when in ("after", "warm"):
                        t0 = time.perf_counter()
                        if kind == "status":
                            assert client.call("GET", "/api/status")[0] == 200
                        else:
                            conn.execute("SELECT 1").fetchone()
                        floor[f"{kind}_{when}"].append(time.perf_counter() - t0)

        # Growth, side by side: two notebooks that start at 1,000 cells get 100 and 10 appends
        # beforehand; then the first one's appends 101-120 and the second one's 11-30 alternate,
        # so a busy moment of the machine weighs on both windows alike.
        def append(notebook_id, i):
            status, body, took = client.call("POST", f"/api/notebooks/{notebook_id}/cells",
                                             {"source": f"step_{i} = analyse(frame, step={i})"})
            assert status == 201, body
            return took

        for notebook_id, before in (("growth-late", 100), ("growth-early", 10)):
            status, body, _ = client.call("POST", "/api/notebooks", {"id": notebook_id, "notebook": nb})
            assert status == 201, body
            for i in range(before):
                append(notebook_id, i)
        early_times, late_times = [], []
        for i in range(20):
            pair = [("growth-early", early_times), ("growth-late", late_times)]
            for notebook_id, bucket in pair if i % 2 == 0 else reversed(pair):
                bucket.append(append(notebook_id, 100 + i))

        # Diff of adjacent versions of the 1,000-cell notebook (v1 -> v2: one appended cell).
        def version(n):
            s, b, _ = client.call("GET", f"/api/artifacts/bench-nb@v{n}")
            assert s == 200, b
            return json.loads(b)["content"]

        v1, v2 = version(1), version(2)
        nbdime_times, ours_times, rest_times = [], [], []
        for _ in range(5):
            t0 = time.perf_counter()
            expected = nbdime.diff_notebooks(nbformat.from_dict(v1), nbformat.from_dict(v2))
            nbdime_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ours, _summary = diff_notebooks(v1, v2)
            ours_times.append(time.perf_counter() - t0)
            s, b, took = client.call("GET", "/api/notebooks/bench-nb/diff?from=1&to=2")
            assert s == 200, b
            rest_times.append(took)
        equal = json.dumps(ours, sort_keys=True) == json.dumps(expected, sort_keys=True) == \
            json.dumps(json.loads(b)["diff"], sort_keys=True)

    a, p = median_ms(appends), median_ms(saves)
    early, late = median_ms(early_times), median_ms(late_times)
    nd, od, rd = median_ms(nbdime_times), median_ms(ours_times), median_ms(rest_times)
    print(f"notebook: {args.cells} cells growing by one per request, {args.appends} requests of each kind")
    print(f"append (no execution) median      {a:8.1f} ms")
    print(f"PUT /api/contents median          {p:8.1f} ms")
    print(f"  ratio append / contents save    {a / p:8.3f}   (goal <= 0.05)")
    f = {k: median_ms(v) for k, v in floor.items()}
    print(f"  in that position any request pays: Jupyter's GET /api/status {f['status_after']:.2f} ms "
          f"(back to back {f['status_warm']:.2f}), one SELECT 1 {f['query_after']:.2f} ms "
          f"(back to back {f['query_warm']:.2f})")
    print("two more 1,000-cell notebooks, their appends alternating:")
    print(f"appends 11-30 median              {early:8.1f} ms")
    print(f"appends 101-120 median            {late:8.1f} ms")
    print(f"  ratio late / early              {late / early:8.3f}   (goal <= 1.2)")
    print(f"nbdime.diff_notebooks median      {nd:8.1f} ms")
    print(f"our diff function median          {od:8.1f} ms   ratio nbdime/ours {nd / od:6.1f}   (goal >= 10)")
    print(f"our REST diff request median      {rd:8.1f} ms   ratio nbdime/REST {nd / rd:6.1f}")
    print(f"results JSON-equal to nbdime      {equal}")
    figure("append / contents save, 1,000-cell notebook", a / p, "<= 0.05", a / p <= 0.05,
           f"{a:.1f} ms vs {p:.1f} ms; right after a save GET /api/status takes {f['status_after']:.2f} ms, "
           f"SELECT 1 {f['query_after']:.2f} ms")
    figure("appends 101-120 / appends 11-30", late / early, "<= 1.2", late / early <= 1.2,
           f"{late:.1f} ms vs {early:.1f} ms")
    figure("nbdime / our diff function (adjacent, 1,000 cells)", nd / od, ">= 10", nd / od >= 10 and equal,
           f"{nd:.0f} ms vs {od:.1f} ms, JSON-equal {equal}")
    figure("nbdime / our whole REST diff request", nd / rd, ">= 10", nd / rd >= 10, f"{rd:.1f} ms")


if __name__ == "__main__":
    main()
