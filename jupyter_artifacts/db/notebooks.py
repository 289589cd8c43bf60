"""SQL of the notebooks area."""

from __future__ import annotations

import contextlib

from psycopg.types.json import Jsonb

from ..hashing import canonical_text
from .artifacts import _all, _one

CELL_COLUMNS = """c.cell_index, c.cell_id, c.cell_type, c.code, c.output, c.cell_metadata, c.outputs,
                  c.execution_count, c.attachments"""


# The cells of version %(n)s of chain %(a)s, in order (migration 0011): its latest snapshot's
# list, then what later appends stored; with no snapshot, every cell its chain stored up to it.
_VERSION_CELLS = """
    WITH s AS (SELECT version_number, notebook_id, cells FROM notebook_snapshots
                WHERE artifact_id = %(a)s AND version_number <= %(n)s ORDER BY version_number DESC LIMIT 1),
         x AS (SELECT 0 AS part, u.pos AS ord, s.notebook_id, u.idx AS cell_index
                 FROM s CROSS JOIN LATERAL unnest(s.cells) WITH ORDINALITY AS u (idx, pos)
               UNION ALL
               SELECT 1, c.cell_index, c.notebook_id, c.cell_index
                 FROM artifacts a JOIN notebook_cells c ON c.notebook_artifact_id = a.id
                WHERE a.artifact_id = %(a)s AND a.version_number <= %(n)s AND NOT a.adoption_exempt
                  AND a.version_number > COALESCE((SELECT version_number FROM s), 0))
    SELECT {columns} FROM x JOIN notebook_cells c ON c.notebook_id = x.notebook_id AND c.cell_index = x.cell_index
    {tail}"""


async def cells_of_version(conn, artifact_id: str, version_number: int) -> list[dict]:
    """Every cell of version N, in order, in one query (earlier cells are never copied)."""
    return await _all(conn, _VERSION_CELLS.format(columns=CELL_COLUMNS, tail="ORDER BY x.part, x.ord"),
                      {"a": artifact_id, "n": version_number})


async def has_snapshots(conn, artifact_id: str, up_to: int) -> bool:
    return await _one(conn, "SELECT 1 FROM notebook_snapshots WHERE artifact_id = %s AND version_number <= %s LIMIT 1",
                      (artifact_id, up_to)) is not None


async def cells_up_to(conn, artifact_id: str, version_number: int) -> list[dict]:
    """The cells a chain with no snapshot stored up to version N, `added_in` naming the version
    that stored each: any earlier version's cells are those added up to it (a diff reads two)."""
    return await _all(conn, f"""
        SELECT {CELL_COLUMNS}, a.version_number AS added_in
          FROM artifacts a JOIN notebook_cells c ON c.notebook_artifact_id = a.id
         WHERE a.artifact_id = %s AND a.version_number <= %s AND NOT a.adoption_exempt
         ORDER BY c.cell_index""", (artifact_id, version_number))


async def cell_count(conn, artifact_id: str, version_number: int) -> int:
    row = await _one(conn, _VERSION_CELLS.format(columns="count(*) AS n", tail=""),
                     {"a": artifact_id, "n": version_number})
    return row["n"]


async def canonical_cells(conn, artifact_id: str, version_number: int, version_id: str) -> dict:
    """{"text": the cells' canonical JSON joined by commas, in order, "n": the cell count,
    "known": how many had it stored, "owns": how many stored cells version `version_id` owns}."""
    return await _one(conn, _VERSION_CELLS.format(
        columns="COALESCE(string_agg(c.canonical, ',' ORDER BY x.part, x.ord), '') AS text, count(*) AS n, "
                "count(c.canonical) AS known, (SELECT count(*) FROM notebook_cells o "
                "WHERE o.notebook_artifact_id = %(v)s) AS owns", tail=""),
        {"a": artifact_id, "n": version_number, "v": version_id})


async def stored_cells(conn, artifact_id: str, version_number: int) -> list[dict]:
    """Where each cell of version N is stored, in order: [{notebook_id, cell_index, cell_id, canonical}]."""
    return await _all(conn, _VERSION_CELLS.format(
        columns="c.notebook_id, c.cell_index, c.cell_id, c.canonical", tail="ORDER BY x.part, x.ord"),
        {"a": artifact_id, "n": version_number})


async def cell_places(conn, artifact_id: str, version_number: int) -> list[dict]:
    """Where each cell of version N is stored, in order: [{notebook_id, cell_index}]."""
    return await _all(conn, _VERSION_CELLS.format(columns="c.notebook_id, c.cell_index",
                                                  tail="ORDER BY x.part, x.ord"), {"a": artifact_id, "n": version_number})


async def cells_at(conn, places: list[dict]) -> list[dict]:
    """The stored cells at these places ({notebook_id, cell_index}), in the order given."""
    return await _all(conn, f"""
        SELECT c.notebook_id, {CELL_COLUMNS}
          FROM unnest(%s::text[], %s::int[]) WITH ORDINALITY AS p (notebook_id, cell_index, ord)
          JOIN notebook_cells c ON c.notebook_id = p.notebook_id AND c.cell_index = p.cell_index
         ORDER BY p.ord""", ([p["notebook_id"] for p in places], [p["cell_index"] for p in places]))


async def notebook_row_id(conn, artifact_id: str) -> str | None:
    """The `notebooks.id` of a notebook artifact (usually the artifact id itself)."""
    row = await _one(conn, """
        SELECT n.id FROM notebooks n JOIN artifacts a ON a.id = n.notebook_artifact_id
         WHERE a.artifact_id = %s ORDER BY (n.id = %s) DESC LIMIT 1""", (artifact_id, artifact_id))
    if row:
        return row["id"]
    row = await _one(conn, "SELECT id FROM notebooks WHERE id = %s", (artifact_id,))
    return row["id"] if row else None


async def insert_notebook_row(conn, notebook_id: str, title: str, version_id: str, path: str | None) -> None:
    await conn.execute("""
        INSERT INTO notebooks (id, title, notebook_artifact_id, ipynb_path) VALUES (%s, %s, %s, %s)""",
        (notebook_id, title, version_id, path))


async def point_notebook_at(conn, notebook_id: str, version_id: str) -> None:
    await conn.execute("UPDATE notebooks SET notebook_artifact_id = %s WHERE id = %s", (version_id, notebook_id))


def _cell_params(notebook_id: str, version_id: str, index: int, cell: dict, text: str | None,
                 canonical: str | None = None) -> tuple:
    return (notebook_id, index, cell["cell_type"], cell["source"], text, version_id, cell["id"],
            Jsonb(cell.get("metadata", {})), Jsonb(cell["outputs"]) if "outputs" in cell else None,
            cell.get("execution_count"), Jsonb(cell["attachments"]) if "attachments" in cell else None,
            canonical if canonical is not None else canonical_text(cell))


async def insert_cells(conn, notebook_id: str, version_id: str, cells: list[dict], texts: list,
                       first_index: int = 0, canonical: list[str] | None = None) -> None:
    """Cells of one version at once (registration, fork, split; a commit's new cells), with
    COPY: a 1,000-cell notebook is one round trip, not a thousand. `canonical`: the cells'
    canonical JSON when the caller has it already."""
    if not cells:
        return
    canonical = canonical or [None] * len(cells)
    async with conn.cursor() as cur, cur.copy(_COPY_CELLS) as copy:
        for i, (c, t, k) in enumerate(zip(cells, texts, canonical)):
            await copy.write_row(_cell_params(notebook_id, version_id, first_index + i, c, t, k))


_COPY_CELLS = """
    COPY notebook_cells (notebook_id, cell_index, cell_type, code, output, notebook_artifact_id,
                         cell_id, cell_metadata, outputs, execution_count, attachments, canonical) FROM STDIN"""


async def next_cell_index(conn, notebook_id: str) -> int:
    """The cell_index after every cell the notebook's rows hold (of any version)."""
    row = await _one(conn, "SELECT COALESCE(max(cell_index) + 1, 0) AS n FROM notebook_cells WHERE notebook_id = %s",
                     (notebook_id,))
    return row["n"]


async def insert_snapshot(conn, artifact_id: str, version_number: int, version_id: str, notebook_id: str,
                          cells: list[int]) -> None:
    """Version N holds exactly these cells (cell_index under notebook_id), in order (migration 0011)."""
    await conn.execute("""
        INSERT INTO notebook_snapshots (artifact_id, version_number, version_id, notebook_id, cells)
        VALUES (%s, %s, %s, %s, %s)""", (artifact_id, version_number, version_id, notebook_id, cells))


# A cell append in one statement (migration 0017). Explicit casts: parameters arrive untyped.
_APPEND_CELL = """
    SELECT jupyter_artifacts_append_cell(
        %(ref)s::text, %(parent_id)s::text, %(parent_hash)s::text, %(parent_owns)s::int, %(want_parent)s::int,
        %(want_head)s::int,
        %(cell)s::text, %(output)s::text, %(hash)s::text, %(changelog)s::text, %(actor_type)s::text,
        %(actor_id)s::text, %(recorded_by)s::text, %(method)s::text, %(parameters)s::jsonb, %(chamber)s::uuid,
        %(request_key)s::text, %(reply)s::jsonb, %(check_cell_id)s::boolean) AS r"""


async def append_cell(conn, params: dict) -> dict:
    """Write a cell append (version, cell, link, step, pin, idempotency record) if the head is
    still `parent_id`; returns {"status", ...} as migration 0017 describes."""
    params = {**params, "parameters": Jsonb(params["parameters"]),
              "reply": None if params["reply"] is None else Jsonb(params["reply"])}
    cur = await conn.execute(_APPEND_CELL, params)
    return (await cur.fetchone())["r"]


@contextlib.asynccontextmanager
async def autocommit(conn):
    """Each statement on `conn` its own transaction: a write that is one statement needs no
    BEGIN and COMMIT round trips. The connection goes back to the pool as it came."""
    await conn.set_autocommit(True)
    try:
        yield conn
    finally:
        if not conn.closed and not conn.broken:
            await conn.set_autocommit(False)


async def idempotent_reply(conn, notebook_id: str, key: str) -> dict | None:
    row = await _one(conn, "SELECT reply FROM notebook_append_requests WHERE notebook_id = %s AND idempotency_key = %s",
                     (notebook_id, key))
    return row["reply"] if row else None


async def record_reply(conn, notebook_id: str, key: str, reply: dict) -> None:
    await conn.execute("INSERT INTO notebook_append_requests (notebook_id, idempotency_key, reply) VALUES (%s, %s, %s)",
                       (notebook_id, key, Jsonb(reply)))


async def chamber_state(conn, chamber_id: str) -> dict | None:
    """Locks the chamber against a concurrent close until this transaction ends."""
    return await _one(conn, "SELECT id, closed_at FROM chambers WHERE id = %s FOR SHARE", (chamber_id,))


async def pin(conn, chamber_id: str, artifact_id: str, version_number: int, content_hash: str, role: str,
              actor: dict) -> None:
    await conn.execute("""
        INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, content_hash, role,
                                       added_by_actor_type, added_by_actor_id, recorded_by)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (chamber_id, artifact_id, version_number, content_hash, role, actor["actor_type"], actor["actor_id"],
         actor.get("recorded_by")))


async def cached_render(conn, key: str) -> str | None:
    """The cached HTML, marked as just used (at most once a minute, to spare writes)."""
    row = await _one(conn, """
        WITH hit AS (SELECT html, last_used_at FROM notebook_renders
                      WHERE render_key = %(k)s AND recorded_by IN ('', session_user) LIMIT 1),
             touched AS (UPDATE notebook_renders SET last_used_at = now()
                          WHERE render_key = %(k)s AND recorded_by IN ('', session_user)
                            AND last_used_at < now() - interval '1 minute')
        SELECT html FROM hit""", {"k": key})
    return row["html"] if row else None


async def store_render(conn, key: str, html: str, cap_bytes: int) -> int:
    """Cache a render, then evict the least recently used beyond `cap_bytes`; returns how
    many entries went. One evictor at a time across servers (an advisory lock)."""
    await conn.execute("""
        INSERT INTO notebook_renders (render_key, html, bytes) VALUES (%s, %s, octet_length(%s))
        ON CONFLICT (render_key, recorded_by) DO UPDATE SET last_used_at = now()""", (key, html, html))
    # As the owner (migration 0014): a member role has no DELETE.
    row = await _one(conn, "SELECT jupyter_artifacts_evict_renders(%s) AS n", (cap_bytes,))
    return row["n"]


async def set_export_paths(conn, notebook_id: str, version_id: str, ipynb: str | None, html: str | None) -> None:
    # Only while the exported version is still the notebook's latest.
    await conn.execute("""
        UPDATE notebooks SET file_path = COALESCE(%s, file_path), rendered_html_path = COALESCE(%s, rendered_html_path)
         WHERE id = %s AND notebook_artifact_id = %s""", (ipynb, html, notebook_id, version_id))
