"""Adopt legacy notebooks (DESIGN.md, "Adopting an existing database").

Per notebook, in Python (it needs nbformat and the canonical hash): where the notebook's
id is already a `notebook` artifact, its legacy cells (which mirror the current file)
become the content of that artifact's latest version; otherwise a notebook artifact v1
is created from the cells. Cells get ids `legacy-<index>` and their `output` text as one
stdout stream; the text column stays as it was for older readers.

All of it is the online part, one notebook per transaction (all notebooks in the migration's
transaction held back, until the last was adopted, any writer of a version they touched), then
the constraints: added NOT VALID (a brief lock), validated without blocking writers.
"""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from ...hashing import canonical_text, content_hash
from ...notebooks.format import assemble, empty_notebook, legacy_cell, skeleton
from .. import online as ops

ACTOR = "jupyter_artifacts-adoption"


async def _report(conn, kind: str, row_id: str, artifact_id: str | None, detail: str) -> None:
    await conn.execute("""
        INSERT INTO jupyter_artifacts_adoption_report (kind, table_name, row_id, artifact_id, detail, repaired)
        VALUES (%s, 'notebooks', %s, %s, %s, TRUE) ON CONFLICT DO NOTHING""", (kind, row_id, artifact_id, detail))


async def migrate(conn: psycopg.AsyncConnection) -> None:
    pass  # nothing to hold a lock for: the notebooks are adopted online


async def online(conn: psycopg.AsyncConnection) -> None:
    cur = await conn.execute("SELECT id FROM notebooks WHERE notebook_artifact_id IS NULL ORDER BY id")
    for row in await cur.fetchall():
        await ops.retrying("adopting a notebook", lambda nb_id=row["id"]: _adopt_alone(conn, nb_id))
    await _require_owners(conn)


async def _adopt_alone(conn: psycopg.AsyncConnection, nb_id: str) -> None:
    async with conn.transaction():
        await conn.execute(f"SET LOCAL lock_timeout = {int(ops.LOCK_TIMEOUT_MS)}")
        # Adopted by nobody meanwhile (a crash half-way, the trigger for a notebook re-inserted)?
        cur = await conn.execute("SELECT id, title FROM notebooks WHERE id = %s AND notebook_artifact_id IS NULL "
                                 "FOR UPDATE", (nb_id,))
        nb_row = await cur.fetchone()
        if nb_row is not None:
            await _adopt(conn, nb_row)


async def _adopt(conn: psycopg.AsyncConnection, nb_row: dict) -> None:
    nb_id = nb_row["id"]
    cur = await conn.execute(
        "SELECT cell_index, cell_type, code, output FROM notebook_cells WHERE notebook_id = %s "
        "ORDER BY cell_index", (nb_id,))
    cells = [legacy_cell(c["cell_index"], c["cell_type"], c["code"], c["output"]) for c in await cur.fetchall()]
    notebook = assemble(skeleton(empty_notebook()), cells)
    cur = await conn.execute("""
        SELECT id, content FROM artifacts WHERE artifact_id = %s AND artifact_type = 'notebook'
         ORDER BY is_latest DESC NULLS LAST, version_number DESC NULLS LAST LIMIT 1""", (nb_id,))
    latest = await cur.fetchone()
    if latest is not None:
        owner = latest["id"]
        if latest["content"] is None:
            await conn.execute("UPDATE artifacts SET content = %s WHERE id = %s",
                               (Jsonb(skeleton(notebook)), owner))
        await _report(conn, "notebook_adopted", nb_id, nb_id,
                      f"{len(cells)} legacy cells became the content of the latest version ({owner}); "
                      "older versions keep unknown content")
    else:
        owner = nb_id
        cur = await conn.execute("SELECT 1 FROM artifacts WHERE id = %s", (nb_id,))
        if await cur.fetchone():
            owner = f"{nb_id}:notebook"
        title = nb_row["title"] or nb_id
        await conn.execute("""
            INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content, content_hash,
                                   version_number, is_latest, lifecycle_state, changelog,
                                   created_by_actor_type, recorded_by)
            VALUES (%s, %s, 'notebook', %s, '{}'::jsonb, %s, %s, 1, TRUE, 'active', %s, 'unknown', %s)""",
            (owner, owner, title, Jsonb(skeleton(notebook)), content_hash("notebook", title, {}, notebook),
             "adopted from the legacy notebook_cells rows", ACTOR))
        await _report(conn, "notebook_created", nb_id, owner,
                      f"no notebook artifact existed: created {owner} v1 from {len(cells)} legacy cells")
    for cell, index in ((c, int(c["id"].split("-", 1)[1])) for c in cells):
        await conn.execute("""
            UPDATE notebook_cells SET notebook_artifact_id = %s, cell_id = %s, cell_metadata = '{}'::jsonb,
                   outputs = %s, canonical = %s
             WHERE notebook_id = %s AND cell_index = %s""",
            (owner, cell["id"], Jsonb(cell.get("outputs")) if "outputs" in cell else None,
             canonical_text(cell), nb_id, index))
    await conn.execute("UPDATE notebooks SET notebook_artifact_id = %s WHERE id = %s", (owner, nb_id))


async def _require_owners(conn: psycopg.AsyncConnection) -> None:
    # Required from now on (the triggers fill them for other writers); NOT VALID first so a
    # row that could not be adopted never fails the migration, validated when none is left
    # (VALIDATE blocks no writer).
    for table in ("notebooks", "notebook_cells"):
        if not await ops.has_constraint(conn, table, f"{table}_artifact_required"):
            await ops.ddl(conn, f"""
                ALTER TABLE {table} ADD CONSTRAINT {table}_artifact_required
                CHECK (notebook_artifact_id IS NOT NULL) NOT VALID""")
        cur = await conn.execute(f"SELECT count(*) AS n FROM {table} WHERE notebook_artifact_id IS NULL")
        if (await cur.fetchone())["n"] == 0:
            await conn.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {table}_artifact_required")
