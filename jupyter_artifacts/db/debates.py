"""SQL of the debates area."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from .artifacts import _all, _one

SESSION_COLUMNS = """s.id, s.target_artifact_id, s.target_artifact_version, s.target_content_hash, s.topic,
                     s.debate_type, COALESCE(s.num_rounds, 0) AS num_rounds, s.started_at, s.closed_at, s.verdict,
                     s.chamber_id::text AS chamber_id, s.chamber_provenance_hash, s.pinning_note"""
ROUND_COLUMNS = """r.session_id, r.round_number, r.actor_type, r.actor_id, r.prompt, r.content,
                   COALESCE(r.referenced_artifacts, '[]'::jsonb) AS referenced_artifacts, r.created_at"""


async def insert_session(conn, row: dict) -> None:
    await conn.execute("""
        INSERT INTO debate_sessions (id, target_artifact_id, target_artifact_version, target_content_hash, topic,
                                     debate_type, num_rounds, started_at, chamber_id, pinning_note,
                                     created_by_actor_type, created_by_actor_id, recorded_by)
        VALUES (%(id)s, %(target_artifact_id)s, %(version)s, %(hash)s, %(topic)s, %(debate_type)s, 0,
                clock_timestamp(), %(chamber_id)s, %(note)s, %(actor_type)s, %(actor_id)s, %(recorded_by)s)""", row)


async def session(conn, session_id: str, *, lock: bool = False) -> dict | None:
    return await _one(conn, f"SELECT {SESSION_COLUMNS} FROM debate_sessions s WHERE s.id = %s"
                            + (" FOR UPDATE" if lock else ""), (session_id,))


async def listing(conn, *, status: str | None, target: str | None, after: tuple | None, limit: int) -> list[dict]:
    """Sessions newest first; `target` matches any version row of the target artifact."""
    where, params = ["TRUE"], []
    if status == "open":
        where.append("s.closed_at IS NULL")
    elif status == "closed":
        where.append("s.closed_at IS NOT NULL")
    if target:
        where.append("s.target_artifact_id IN (SELECT id FROM artifacts WHERE artifact_id = %s UNION SELECT %s)")
        params += [target, target]
    if after:
        where.append("(s.started_at, s.id) < (%s, %s)")
        params += list(after)
    params.append(limit)
    return await _all(conn, f"""
        SELECT {SESSION_COLUMNS} FROM debate_sessions s WHERE {' AND '.join(where)}
         ORDER BY s.started_at DESC, s.id DESC LIMIT %s""", params)


async def session_exists(conn, session_id: str) -> bool:
    return await _one(conn, "SELECT 1 FROM debate_sessions WHERE id = %s", (session_id,)) is not None


async def rounds(conn, session_id: str) -> list[dict]:
    return await _all(conn, f"SELECT {ROUND_COLUMNS} FROM debate_rounds r WHERE r.session_id = %s "
                            "ORDER BY r.round_number", (session_id,))


async def next_round_number(conn, session_id: str) -> int:
    return (await _one(conn, "SELECT COALESCE(max(round_number), 0) + 1 AS n FROM debate_rounds WHERE session_id = %s",
                       (session_id,)))["n"]


async def round_exists(conn, session_id: str, n: int) -> bool:
    return await _one(conn, "SELECT 1 FROM debate_rounds WHERE session_id = %s AND round_number = %s",
                      (session_id, n)) is not None


async def insert_round(conn, row: dict) -> dict:
    return await _one(conn, f"""
        INSERT INTO debate_rounds AS r (session_id, round_number, actor_type, actor_id, persona_id, prompt, content,
                                        referenced_artifacts, recorded_by, created_at)
        VALUES (%(session_id)s, %(round_number)s, %(actor_type)s, %(actor_id)s, %(persona_id)s, %(prompt)s,
                %(content)s, %(refs)s, %(recorded_by)s, clock_timestamp())
        RETURNING {ROUND_COLUMNS}""", {**row, "refs": Jsonb(row["refs"])})


async def close_session(conn, session_id: str, verdict: str | None, provenance: str | None) -> None:
    await conn.execute("""
        UPDATE debate_sessions SET closed_at = clock_timestamp(), verdict = %s, chamber_provenance_hash = %s
         WHERE id = %s""", (verdict, provenance, session_id))


async def existing_versions(conn, pairs: list[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    if not pairs:
        return {}
    rows = await _all(conn, """
        SELECT DISTINCT ON (a.artifact_id, a.version_number) a.artifact_id, a.version_number, a.content_hash,
               a.artifact_type, a.title
          FROM unnest(%s::text[], %s::int[]) AS k(a, v)
          JOIN artifacts a ON a.artifact_id = k.a AND a.version_number = k.v
         ORDER BY a.artifact_id, a.version_number, a.adoption_exempt""",
        ([a for a, _ in pairs], [v for _, v in pairs]))
    return {(r["artifact_id"], r["version_number"]): r for r in rows}


async def pinned_versions(conn, chamber_id: str, ids: list[str]) -> dict[str, dict]:
    """For each id pinned in the chamber: the pinned version (the highest, if several)."""
    if not ids:
        return {}
    rows = await _all(conn, """
        SELECT DISTINCT ON (p.artifact_id) p.artifact_id, p.version_number, p.content_hash, a.artifact_type
          FROM chamber_artifacts p
          LEFT JOIN artifacts a ON a.artifact_id = p.artifact_id AND a.version_number = p.version_number
         WHERE p.chamber_id = %s AND p.artifact_id = ANY(%s)
         ORDER BY p.artifact_id, p.version_number DESC""", (chamber_id, ids))
    return {r["artifact_id"]: r for r in rows}
