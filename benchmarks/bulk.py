"""Bulk loads for the benchmarks at N times the seed: rows written with their tables' secondary
indexes dropped and rebuilt after (a B-tree or GIN built once from sorted rows, instead of one
insertion per row), and the search tables filled the same way by the migrations' own refresh.

At 10x (10 M versions) the append benchmark's load took 14 min with the indexes in place, and
its refresh of the search tables, GIN indexes in place, had not ended after 25 min."""

from __future__ import annotations

import contextlib
import time

SEARCH_TABLES = ("jupyter_artifacts_search", "jupyter_artifacts_search_cells", "jupyter_artifacts_search_cellwords")

# The indexes of `tables` that no constraint owns (a constraint's stays: the load may rely on it).
_SECONDARY = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relnamespace = to_regnamespace(current_schema())::oid AND t.relname = ANY (%s)
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""


@contextlib.contextmanager
def indexes_dropped(conn, tables):
    """Drops the secondary indexes of `tables` (an autocommit connection); rebuilds them at exit."""
    found = conn.execute(_SECONDARY, (list(tables),)).fetchall()
    for name, _ in found:
        conn.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in found:
            conn.execute(definition)


def fill_search(conn) -> float:
    """jupyter_artifacts_search_refresh() on rows loaded with triggers off, its indexes dropped
    meanwhile; seconds taken."""
    t0 = time.perf_counter()
    # Statistics of the loaded rows first: planned with the empty tables' (the migrations
    # ANALYZE them), the refresh walks every notebook cell once per notebook version.
    conn.execute("ANALYZE artifacts, notebooks, notebook_cells")
    with indexes_dropped(conn, SEARCH_TABLES):
        conn.execute("SELECT jupyter_artifacts_search_refresh()")
    return time.perf_counter() - t0


def megabytes(conn, tables) -> dict[str, float]:
    """pg_total_relation_size of each table (rows, TOAST and indexes), in MB."""
    return {t: conn.execute("SELECT pg_total_relation_size(%s::regclass)", (t,)).fetchone()[0] / 1e6
            for t in tables}
