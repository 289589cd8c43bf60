"""SQL of the notebooks area."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from ..hashing import canonical_text

from .artifacts import _all, _one

CELL_COLUMNS = """c.cell_index, c.cell_id, c.cell_type, c.code, c.output, c.cell_metadata, c.outputs,
                  c.execution_count, c.attachments"""


# The versions whose cells make up version %(n)s of %(a)s: from its chain's latest snapshot at or
# before it (migration 0011; v1 when there is none) up to it.
_OWNERS = """a.artifact_id = %(a)s AND a.version_number <= %(n)s AND NOT a.adoption_exempt
             AND a.version_number >= COALESCE((SELECT max(s.version_number) FROM notebook_snapshots s
                                                WHERE s.artifact_id = %(a)s AND s.version_number <= %(n)s), 0)"""


async def cells_of_version(conn, artifact_id: str, version_number: int) -> list[dict]:
    """Every cell of version N in one query: a version's cells are those its chain's versions
    added since the latest snapshot (earlier cells are never copied); `added_in` names the
    version that stored the cell."""
    return await _all(conn, f"""
        SELECT {CELL_COLUMNS}, a.version_number AS added_in FROM artifacts a JOIN notebook_cells c ON c.notebook_artifact_id = a.id
         WHERE {_OWNERS} ORDER BY c.cell_index""", {"a": artifact_id, "n": version_number})


async def cells_between(conn, artifact_id: str, low: int, high: int) -> list[dict]:
    """The cells stored by versions low..high of one chain (`added_in` as above), for reading
    several versions at once; `snapshot_bases` says which of them each version holds."""
    return await _all(conn, f"""
        SELECT {CELL_COLUMNS}, a.version_number AS added_in FROM artifacts a JOIN notebook_cells c ON c.notebook_artifact_id = a.id
         WHERE a.artifact_id = %s AND a.version_number BETWEEN %s AND %s AND NOT a.adoption_exempt
         ORDER BY c.cell_index""", (artifact_id, low, high))


async def snapshot_bases(conn, artifact_id: str, numbers: list[int]) -> dict[int, int]:
    """For each version number, the first version whose cells it holds (its latest snapshot, or 0)."""
    rows = await _all(conn, """
        SELECT n.v, COALESCE((SELECT max(s.version_number) FROM notebook_snapshots s
                               WHERE s.artifact_id = %s AND s.version_number <= n.v), 0) AS base
          FROM unnest(%s::int[]) AS n(v)""", (artifact_id, numbers))
    return {r["v"]: r["base"] for r in rows}


async def cell_count(conn, artifact_id: str, version_number: int) -> int:
    row = await _one(conn, f"""
        SELECT count(*) AS n FROM artifacts a JOIN notebook_cells c ON c.notebook_artifact_id = a.id
         WHERE {_OWNERS}""", {"a": artifact_id, "n": version_number})
    return row["n"]


async def canonical_cells(conn, artifact_id: str, version_number: int) -> dict:
    """{"text": cells' canonical JSON joined by commas, "n": cell count, "known": how many had
    it, "next": the cell_index after the last cell (the count, unless another writer left a
    gap or the version is a snapshot, whose cells start after the notebook's earlier ones)}."""
    return await _one(conn, f"""
        SELECT COALESCE(string_agg(c.canonical, ',' ORDER BY c.cell_index), '') AS text,
               count(*) AS n, count(c.canonical) AS known, COALESCE(max(c.cell_index) + 1, 0) AS next
          FROM artifacts a JOIN notebook_cells c ON c.notebook_artifact_id = a.id
         WHERE {_OWNERS}""", {"a": artifact_id, "n": version_number})


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


def _cell_params(notebook_id: str, version_id: str, index: int, cell: dict, text: str | None) -> tuple:
    return (notebook_id, index, cell["cell_type"], cell["source"], text, version_id, cell["id"],
            Jsonb(cell.get("metadata", {})), Jsonb(cell["outputs"]) if "outputs" in cell else None,
            cell.get("execution_count"), Jsonb(cell["attachments"]) if "attachments" in cell else None,
            canonical_text(cell))


_INSERT_CELL = """
    INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, output, notebook_artifact_id,
                                cell_id, cell_metadata, outputs, execution_count, attachments, canonical)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""


async def insert_cell(conn, notebook_id: str, version_id: str, index: int, cell: dict, text: str | None) -> None:
    """`cell` must be normalised (hashing.normalize_json) so its canonical text is what a
    read gives back."""
    await conn.execute(_INSERT_CELL, _cell_params(notebook_id, version_id, index, cell, text))


async def insert_cells(conn, notebook_id: str, version_id: str, cells: list[dict], texts: list,
                       first_index: int = 0) -> None:
    """Every cell of a version at once (registration, commit, merge, fork, split), with COPY:
    a 1,000-cell notebook is one round trip, not a thousand."""
    async with conn.cursor() as cur, cur.copy(_COPY_CELLS) as copy:
        for i, (c, t) in enumerate(zip(cells, texts)):
            await copy.write_row(_cell_params(notebook_id, version_id, first_index + i, c, t))


_COPY_CELLS = """
    COPY notebook_cells (notebook_id, cell_index, cell_type, code, output, notebook_artifact_id,
                         cell_id, cell_metadata, outputs, execution_count, attachments, canonical) FROM STDIN"""


async def next_cell_index(conn, notebook_id: str) -> int:
    """The cell_index after every cell the notebook's rows hold (of any version)."""
    row = await _one(conn, "SELECT COALESCE(max(cell_index) + 1, 0) AS n FROM notebook_cells WHERE notebook_id = %s",
                     (notebook_id,))
    return row["n"]


async def insert_snapshot(conn, artifact_id: str, version_number: int, version_id: str, first_index: int) -> None:
    """Version N holds all of its cells from `first_index` on (migration 0011)."""
    await conn.execute("""
        INSERT INTO notebook_snapshots (artifact_id, version_number, version_id, first_index)
        VALUES (%s, %s, %s, %s)""", (artifact_id, version_number, version_id, first_index))


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
                                       added_by_actor_type, added_by_actor_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (chamber_id, artifact_id, version_number, content_hash, role, actor["actor_type"], actor["actor_id"]))


async def cached_render(conn, key: str) -> str | None:
    """The cached HTML, marked as just used (at most once a minute, to spare writes)."""
    row = await _one(conn, """
        WITH hit AS (SELECT html, last_used_at FROM notebook_renders WHERE render_key = %(k)s),
             touched AS (UPDATE notebook_renders SET last_used_at = now()
                          WHERE render_key = %(k)s AND last_used_at < now() - interval '1 minute')
        SELECT html FROM hit""", {"k": key})
    return row["html"] if row else None


async def store_render(conn, key: str, html: str, cap_bytes: int) -> int:
    """Cache a render, then evict the least recently used beyond `cap_bytes`; returns how
    many entries went. One evictor at a time across servers (an advisory lock)."""
    await conn.execute("""
        INSERT INTO notebook_renders (render_key, html, bytes) VALUES (%s, %s, octet_length(%s))
        ON CONFLICT (render_key) DO UPDATE SET last_used_at = now()""", (key, html, html))
    row = await _one(conn, """
        WITH locked AS (SELECT pg_try_advisory_xact_lock(hashtextextended('jupyter_artifacts:renders', 0)) AS ok),
             ranked AS (SELECT render_key, sum(bytes) OVER (ORDER BY last_used_at DESC, render_key) AS upto
                          FROM notebook_renders WHERE (SELECT ok FROM locked)),
             gone AS (DELETE FROM notebook_renders r USING ranked
                       WHERE r.render_key = ranked.render_key AND ranked.upto > %s RETURNING 1)
        SELECT count(*) AS n FROM gone""", (cap_bytes,))
    return row["n"]


async def set_export_paths(conn, notebook_id: str, version_id: str, ipynb: str | None, html: str | None) -> None:
    # Only while the exported version is still the notebook's latest.
    await conn.execute("""
        UPDATE notebooks SET file_path = COALESCE(%s, file_path), rendered_html_path = COALESCE(%s, rendered_html_path)
         WHERE id = %s AND notebook_artifact_id = %s""", (ipynb, html, notebook_id, version_id))
