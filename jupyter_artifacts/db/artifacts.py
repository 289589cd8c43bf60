"""SQL of the artifacts area. Functions take a connection; the service owns transactions."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

VERSION_COLUMNS = """
    a.id, a.artifact_id, a.artifact_type, a.title, a.version_number, a.parent_version_id,
    a.content_hash, COALESCE(a.is_latest, FALSE) AS is_latest, a.version_tag, a.changelog,
    a.lifecycle_state, a.deprecated_at, a.superseded_by, COALESCE(a.metadata, '{}'::jsonb) AS metadata,
    a.created_at, a.created_by_actor_type, a.created_by_actor_id, a.recorded_by,
    (SELECT p.artifact_id || '@v' || p.version_number FROM artifacts p WHERE p.id = a.parent_version_id) AS parent_ref,
    COALESCE((SELECT array_agg(t.tag ORDER BY t.created_at, t.tag)
                FROM artifact_tags t WHERE t.version_id = a.id), '{}') AS tags"""


def _cols(with_content: bool) -> str:
    return VERSION_COLUMNS + (", a.content" if with_content else "")


# What made a version (API.md's version object on read routes, `step`): the processing step
# whose target it is, of a kind that makes versions (a `cite` only links existing ones), the
# earliest when there are several (a merge's two). A version 1 is made by a fork or a split
# from another artifact, or else registered (NULL): a later link that derives it from
# something, or a `fork` link between two of its own versions, did not make it.
# A LATERAL join over processing_steps_target_idx: one index probe per row listed, in the
# query that lists them. Reads add `_STEP_COLS` and `FROM {_FROM}` (a read of one row out of
# many, ORDER BY ... LIMIT 1, limits first and joins after: else every version of a long
# chain is probed); writes return rows before their step exists and leave `step` out.
_STEP_JOIN = """LEFT JOIN LATERAL (
        SELECT ps.step_type, ps.method FROM processing_steps ps
         WHERE ps.target_artifact_id = a.artifact_id AND ps.target_version_number = a.version_number
           AND ps.step_type IN ('cell_append', 'derive', 'merge', 'split', 'fork')
           AND (a.version_number > 1 OR (ps.step_type IN ('fork', 'split')
                                         AND ps.source_artifact_id IS DISTINCT FROM a.artifact_id))
         ORDER BY ps.created_at, ps.id LIMIT 1) made ON TRUE"""
_FROM = f"artifacts a {_STEP_JOIN}"
_STEP_COLS = ", made.step_type AS step_type, made.method AS step_method, TRUE AS with_step"


def _read(with_content: bool) -> str:
    return _cols(with_content) + _STEP_COLS


async def _one(conn: psycopg.AsyncConnection, sql: str, params: Any) -> dict | None:
    cur = await conn.execute(sql, params)
    return await cur.fetchone()


async def _all(conn: psycopg.AsyncConnection, sql: str, params: Any) -> list[dict]:
    cur = await conn.execute(sql, params)
    return await cur.fetchall()


async def artifact_exists(conn, artifact_id: str) -> bool:
    return await _one(conn, "SELECT 1 FROM artifacts WHERE artifact_id = %s LIMIT 1", (artifact_id,)) is not None


async def artifact_of_row(conn, row_id: str) -> str | None:
    row = await _one(conn, "SELECT artifact_id FROM artifacts WHERE id = %s", (row_id,))
    return row["artifact_id"] if row else None


async def latest(conn, artifact_id: str, *, content: bool = False) -> dict | None:
    # The constraint makes is_latest unique among non-exempt rows; the ordering only
    # matters for adopted chains the report lists.
    return await _one(conn, f"""
        SELECT {_read(content)} FROM (
            SELECT * FROM artifacts a WHERE a.artifact_id = %s
             ORDER BY a.is_latest DESC NULLS LAST, a.adoption_exempt, a.version_number DESC NULLS LAST
             LIMIT 1) a {_STEP_JOIN}""", (artifact_id,))


async def by_number(conn, artifact_id: str, n: int, *, content: bool = False) -> dict | None:
    return await _one(conn, f"""
        SELECT {_read(content)} FROM (
            SELECT * FROM artifacts a WHERE a.artifact_id = %s AND a.version_number = %s
             ORDER BY a.adoption_exempt, a.created_at LIMIT 1) a {_STEP_JOIN}""", (artifact_id, n))


async def by_row_id(conn, row_id: str, *, content: bool = False) -> dict | None:
    return await _one(conn, f"SELECT {_read(content)} FROM {_FROM} WHERE a.id = %s", (row_id,))


async def all_versions(conn, artifact_id: str) -> list[dict]:
    return await _all(conn, f"""
        SELECT {_read(False)} FROM {_FROM} WHERE a.artifact_id = %s
         ORDER BY a.version_number NULLS LAST, a.created_at, a.id""", (artifact_id,))


async def list_latest(conn, *, artifact_type: str | None, tag: str | None, after: tuple | None,
                      limit: int) -> list[dict]:
    """Latest versions, newest first (a text search, `q`: db/search.py)."""
    where = ["a.is_latest"]
    params: list[Any] = []
    if artifact_type:
        where.append("a.artifact_type = %s")
        params.append(artifact_type)
    if tag:
        where.append("EXISTS (SELECT 1 FROM artifact_tags t WHERE t.artifact_id = a.artifact_id AND t.tag = %s)")
        params.append(tag)
    if after:
        where.append("(a.created_at, a.id) < (%s, %s)")
        params += list(after)
    params.append(limit)
    return await _all(conn, f"""
        SELECT {_read(False)} FROM {_FROM} WHERE {' AND '.join(where)}
         ORDER BY a.created_at DESC, a.id DESC LIMIT %s""", params)


async def lock_artifact(conn, artifact_id: str) -> None:
    """Serialise writers of one artifact across every server (released at commit).

    The unique indexes are the guarantee; the lock only spares racing writers a retry."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('jupyter_artifacts:' || %s, 0))",
                       (artifact_id,))


async def insert_version(conn, row: dict) -> dict | None:
    """Insert one version row; None when the row id is taken."""
    return await _one(conn, f"""
        WITH ins AS (
            INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content, content_hash,
                                   version_number, parent_version_id, is_latest, changelog, lifecycle_state,
                                   created_by_actor_type, created_by_actor_id, recorded_by, created_at)
            VALUES (%(id)s, %(artifact_id)s, %(artifact_type)s, %(title)s, %(metadata)s, %(content)s,
                    %(content_hash)s, %(version_number)s, %(parent_version_id)s, TRUE, %(changelog)s, 'active',
                    %(actor_type)s, %(actor_id)s, %(recorded_by)s, clock_timestamp())
            ON CONFLICT (id) DO NOTHING
            RETURNING *)
        SELECT {_cols(True).replace('a.', 'ins.')} FROM ins""",
        {**row, "metadata": Jsonb(row["metadata"]), "content": Jsonb(row["content"])})


async def demote_latest(conn, artifact_id: str) -> None:
    await conn.execute("UPDATE artifacts SET is_latest = FALSE WHERE artifact_id = %s AND is_latest",
                       (artifact_id,))


async def insert_step(conn, step: dict) -> str:
    row = await _one(conn, """
        INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id,
                                      target_version_number, step_type, actor_type, actor_id, recorded_by,
                                      method, parameters, chamber_id, link_id, created_at)
        VALUES (%(source_artifact_id)s, %(source_version_number)s, %(target_artifact_id)s,
                %(target_version_number)s, %(step_type)s, %(actor_type)s, %(actor_id)s, %(recorded_by)s,
                %(method)s, %(parameters)s, %(chamber_id)s, %(link_id)s, clock_timestamp())
        RETURNING id::text AS id""", {"link_id": None, "chamber_id": None, **step,
                                      "parameters": Jsonb(step["parameters"])})
    return row["id"]


# -- tags ------------------------------------------------------------------------------

async def tag_holder(conn, artifact_id: str, tag: str) -> str | None:
    row = await _one(conn, "SELECT version_id FROM artifact_tags WHERE artifact_id = %s AND tag = %s FOR UPDATE",
                     (artifact_id, tag))
    return row["version_id"] if row else None


async def insert_tag(conn, artifact_id: str, tag: str, version_id: str, actor: dict) -> bool:
    cur = await conn.execute("""
        INSERT INTO artifact_tags (artifact_id, tag, version_id, actor_type, actor_id, recorded_by)
        VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (artifact_id, tag, version_id, actor["actor_type"], actor["actor_id"], actor["recorded_by"]))
    return cur.rowcount == 1


async def move_tag(conn, artifact_id: str, tag: str, version_id: str, actor: dict) -> None:
    await conn.execute("""
        UPDATE artifact_tags SET version_id = %s, actor_type = %s, actor_id = %s, recorded_by = %s,
                                 created_at = clock_timestamp()
         WHERE artifact_id = %s AND tag = %s""",
        (version_id, actor["actor_type"], actor["actor_id"], actor["recorded_by"], artifact_id, tag))


async def refresh_version_tag(conn, version_ids: list[str]) -> None:
    """version_tag mirrors the most recent tag, for readers that know only that column."""
    await conn.execute("""
        UPDATE artifacts a SET version_tag = (
            SELECT t.tag FROM artifact_tags t WHERE t.version_id = a.id
             ORDER BY t.created_at DESC, t.tag DESC LIMIT 1)
         WHERE a.id = ANY(%s)""", (version_ids,))


# -- lifecycle -------------------------------------------------------------------------

async def set_lifecycle(conn, row_id: str, state: str, superseded_by: str | None) -> None:
    await conn.execute("""
        UPDATE artifacts SET lifecycle_state = %s, superseded_by = %s,
               deprecated_at = CASE WHEN %s = 'active' THEN NULL
                                    ELSE COALESCE(deprecated_at, now()) END
         WHERE id = %s""", (state, superseded_by, state, row_id))


# -- links -----------------------------------------------------------------------------

LINK_COLUMNS = """
    l.id, l.source_artifact_id AS source_id, l.target_artifact_id AS target_id, l.link_type,
    l.strength, l.evidence, l.created_at,
    CASE WHEN s.id IS NULL THEN NULL ELSE s.artifact_id || '@v' || s.version_number END AS source,
    CASE WHEN t.id IS NULL THEN NULL ELSE t.artifact_id || '@v' || t.version_number END AS target,
    (SELECT p.id::text FROM processing_steps p WHERE p.link_id = l.id) AS processing_step_id"""


async def insert_link(conn, source_id: str, target_id: str, link_type: str, strength, evidence) -> int:
    row = await _one(conn, """
        INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, strength, evidence, created_at)
        VALUES (%s, %s, %s, %s, %s, clock_timestamp()) RETURNING id""",
        (source_id, target_id, link_type, strength, evidence))
    return row["id"]


async def link_by_id(conn, link_id: int) -> dict:
    return await _one(conn, f"""
        SELECT {LINK_COLUMNS} FROM artifact_links l
          LEFT JOIN artifacts s ON s.id = l.source_artifact_id
          LEFT JOIN artifacts t ON t.id = l.target_artifact_id
         WHERE l.id = %s""", (link_id,))


async def links_of(conn, row_ids: list[str], direction: str) -> list[dict]:
    column = "l.source_artifact_id" if direction == "outgoing" else "l.target_artifact_id"
    return await _all(conn, f"""
        SELECT {LINK_COLUMNS} FROM artifact_links l
          LEFT JOIN artifacts s ON s.id = l.source_artifact_id
          LEFT JOIN artifacts t ON t.id = l.target_artifact_id
         WHERE {column} = ANY(%s) ORDER BY l.created_at, l.id""", (row_ids,))


async def row_ids_of(conn, artifact_id: str) -> list[str]:
    return [r["id"] for r in await _all(conn, "SELECT id FROM artifacts WHERE artifact_id = %s", (artifact_id,))]
