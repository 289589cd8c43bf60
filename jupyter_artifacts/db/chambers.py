"""SQL of the chambers area."""

from __future__ import annotations

from typing import Any

from .artifacts import _all, _one

CHAMBER_COLUMNS = """c.id::text AS id, c.name, c.purpose, c.owner_actor_type, c.owner_actor_id, c.parent_session_id,
                     c.created_at, c.closed_at, c.provenance_hash, c.result_artifact_id"""


async def insert(conn, row: dict) -> dict:
    return await _one(conn, f"""
        INSERT INTO chambers AS c (name, purpose, owner_actor_type, owner_actor_id, parent_session_id, recorded_by,
                                   created_at)
        VALUES (%(name)s, %(purpose)s, %(owner_actor_type)s, %(owner_actor_id)s, %(parent_session_id)s,
                %(recorded_by)s, clock_timestamp())
        RETURNING {CHAMBER_COLUMNS}""", row)


async def insert_workspace(conn, name: str, persona_id: str, recorded_by: str) -> dict | None:
    """None when another open workspace of this persona won the race."""
    return await _one(conn, f"""
        INSERT INTO chambers AS c (name, purpose, owner_actor_type, owner_actor_id, recorded_by, created_at)
        VALUES (%s, 'persona_workspace', 'persona', %s, %s, clock_timestamp())
        ON CONFLICT (owner_actor_type, owner_actor_id) WHERE purpose = 'persona_workspace' AND closed_at IS NULL
        DO NOTHING RETURNING {CHAMBER_COLUMNS}""", (name, persona_id, recorded_by))


async def open_workspace(conn, persona_id: str) -> dict | None:
    return await _one(conn, f"""
        SELECT {CHAMBER_COLUMNS} FROM chambers c
         WHERE c.purpose = 'persona_workspace' AND c.owner_actor_type = 'persona' AND c.owner_actor_id = %s
           AND c.closed_at IS NULL""", (persona_id,))


async def get(conn, chamber_id: str, *, lock: str | None = None) -> dict | None:
    suffix = {"share": " FOR SHARE", "update": " FOR UPDATE"}.get(lock or "", "")
    return await _one(conn, f"SELECT {CHAMBER_COLUMNS} FROM chambers c WHERE c.id = %s{suffix}", (chamber_id,))


async def pins(conn, chamber_id: str) -> list[dict]:
    return await _all(conn, """
        SELECT p.artifact_id, p.version_number, p.content_hash, p.role, p.added_at, p.added_by_actor_type,
               p.added_by_actor_id, a.artifact_type, a.title
          FROM chamber_artifacts p
          LEFT JOIN LATERAL (SELECT artifact_type, title FROM artifacts a
                              WHERE a.artifact_id = p.artifact_id AND a.version_number = p.version_number
                              ORDER BY a.adoption_exempt LIMIT 1) a ON TRUE
         WHERE p.chamber_id = %s
         ORDER BY p.artifact_id COLLATE "C", p.version_number""", (chamber_id,))


async def pin(conn, chamber_id: str, artifact_id: str, version_number: int, content_hash: str | None, role: str,
              actor: dict) -> bool:
    """False when that version was already pinned (its first role stays)."""
    cur = await conn.execute("""
        INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, content_hash, role,
                                       added_by_actor_type, added_by_actor_id, recorded_by, added_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, clock_timestamp()) ON CONFLICT DO NOTHING""",
        (chamber_id, artifact_id, version_number, content_hash, role, actor["actor_type"], actor["actor_id"],
         actor.get("recorded_by")))
    return cur.rowcount == 1


async def close(conn, chamber_id: str, provenance_hash: str, result_artifact_id: str | None) -> dict:
    return await _one(conn, f"""
        UPDATE chambers c SET closed_at = clock_timestamp(), provenance_hash = %s, result_artifact_id = %s
         WHERE c.id = %s AND c.closed_at IS NULL RETURNING {CHAMBER_COLUMNS}""",
        (provenance_hash, result_artifact_id, chamber_id))


async def listing(conn, *, purpose: str | None, status: str | None, after: tuple | None, limit: int) -> list[dict]:
    where, params = ["TRUE"], []
    if purpose:
        where.append("c.purpose = %s")
        params.append(purpose)
    if status == "open":
        where.append("c.closed_at IS NULL")
    elif status == "closed":
        where.append("c.closed_at IS NOT NULL")
    if after:
        where.append("(c.created_at, c.id::text) < (%s, %s)")
        params += list(after)
    params.append(limit)
    return await _all(conn, f"""
        SELECT {CHAMBER_COLUMNS}, (SELECT count(*) FROM chamber_artifacts p WHERE p.chamber_id = c.id) AS pin_count
          FROM chambers c WHERE {' AND '.join(where)}
         ORDER BY c.created_at DESC, c.id::text DESC LIMIT %s""", params)


async def persona_sources(conn, persona_id: str, limit: int) -> dict[str, Any]:
    """What a persona's workspace starts with: the targets of its debates (sessions where it
    spoke or that pinned it) and the papers those debates cited (round references and the
    targets' citation links), newest first."""
    debates = """
        SELECT DISTINCT s.id, s.target_artifact_id, s.target_artifact_version, s.started_at
          FROM debate_sessions s
         WHERE EXISTS (SELECT 1 FROM debate_rounds r WHERE r.session_id = s.id AND r.actor_id = %(p)s)
            OR EXISTS (SELECT 1 FROM chamber_artifacts ca WHERE ca.chamber_id = s.chamber_id AND ca.artifact_id = %(p)s)
            OR s.target_artifact_id = %(p)s"""
    targets = await _all(conn, f"""
        WITH d AS ({debates})
        SELECT DISTINCT ON (a.artifact_id, a.version_number) a.artifact_id, a.version_number, a.content_hash,
               d.started_at
          FROM d CROSS JOIN LATERAL jupyter_artifacts_version_as_of(d.target_artifact_id, 'infinity') v
          JOIN artifacts a ON a.artifact_id = v.artifact_id
                          AND a.version_number = COALESCE(NULLIF(d.target_artifact_version, '')::int, v.version_number)
         WHERE a.artifact_id <> %(p)s
         ORDER BY a.artifact_id, a.version_number, d.started_at DESC""", {"p": persona_id})
    papers = await _all(conn, f"""
        WITH d AS ({debates}),
        cited AS (
            SELECT (ref->>'artifact_id') AS artifact_id, (ref->>'version_number')::int AS version_number,
                   r.created_at AS at
              FROM d JOIN debate_rounds r ON r.session_id = d.id
             CROSS JOIN LATERAL jsonb_array_elements(r.referenced_artifacts) ref
            UNION ALL
            SELECT t.artifact_id, t.version_number, l.created_at
              FROM d CROSS JOIN LATERAL jupyter_artifacts_version_as_of(d.target_artifact_id, 'infinity') v
              JOIN artifacts src ON src.artifact_id = v.artifact_id
              JOIN artifact_links l ON l.source_artifact_id = src.id AND l.link_type IN ('cites', 'supports', 'contradicts')
              JOIN artifacts t ON t.id = l.target_artifact_id
        )
        SELECT c.artifact_id, c.version_number, a.content_hash, max(c.at) AS at
          FROM cited c JOIN artifacts a ON a.artifact_id = c.artifact_id AND a.version_number = c.version_number
         WHERE a.artifact_type = 'paper' AND NOT a.adoption_exempt
         GROUP BY c.artifact_id, c.version_number, a.content_hash
         ORDER BY max(c.at) DESC, c.artifact_id LIMIT %(limit)s""", {"p": persona_id, "limit": limit})
    return {"targets": targets, "papers": papers}
