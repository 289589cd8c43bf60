"""Jobs in the store: one row per background operation (migration 0013)."""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

# A running job whose server has not beaten for this long is reported as failed.
STALE_AFTER_S = 60


async def insert(conn: psycopg.AsyncConnection, job_id: str, principal: str, kind: str, method: str,
                 path: str) -> dict:
    cur = await conn.execute(
        "INSERT INTO jobs (id, principal, kind, method, path) VALUES (%s, %s, %s, %s, %s) RETURNING *",
        (job_id, principal, kind, method, path))
    return await cur.fetchone()


async def finish(conn: psycopg.AsyncConnection, job_id: str, status: str, http_status: int,
                 result: str | None, error: dict | None) -> None:
    await conn.execute(
        "UPDATE jobs SET status = %s, http_status = %s, result = %s, error = %s, finished_at = now() "
        "WHERE id = %s AND status = 'running'",
        (status, http_status, result, Jsonb(error) if error is not None else None, job_id))


async def beat(conn: psycopg.AsyncConnection, job_ids: list[str]) -> None:
    await conn.execute("UPDATE jobs SET heartbeat_at = now() WHERE id = ANY(%s::uuid[]) AND status = 'running'",
                       (job_ids,))


async def get(conn: psycopg.AsyncConnection, job_id: str, principal: str) -> dict | None:
    cur = await conn.execute(
        "SELECT *, status = 'running' AND heartbeat_at < now() - make_interval(secs => %s) AS stale "
        "FROM jobs WHERE id = %s AND principal = %s", (STALE_AFTER_S, job_id, principal))
    return await cur.fetchone()
