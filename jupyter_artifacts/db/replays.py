"""Replays in the store: one row per replay of a notebook version (migration 0019)."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

# A running replay whose server has not beaten for this long reads as failed.
STALE_AFTER_S = 60

_COLUMNS = "r.*, r.status = 'running' AND r.beat_at < now() - make_interval(secs => %(stale)s) AS stale"


async def insert(conn: psycopg.AsyncConnection, *, replay_id: str, artifact_id: str, version_id: str,
                 version_number: int, kernel_name: str | None, timeout_s: float, total: int,
                 actor_type: str, actor_id: str | None, recorded_by: str) -> dict:
    cur = await conn.execute(
        "INSERT INTO jupyter_artifacts_replays (id, artifact_id, version_id, version_number, kernel_name, timeout_s, "
        "progress, actor_type, actor_id, recorded_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "RETURNING *, FALSE AS stale",
        (replay_id, artifact_id, version_id, version_number, kernel_name, timeout_s,
         Jsonb({"done": 0, "total": total}), actor_type, actor_id, recorded_by))
    return await cur.fetchone()


async def progress(conn: psycopg.AsyncConnection, replay_id: str, done: int, total: int) -> None:
    await conn.execute(
        "UPDATE jupyter_artifacts_replays SET progress = %s, beat_at = now() WHERE id = %s AND status = 'running'",
        (Jsonb({"done": done, "total": total}), replay_id))


async def beat(conn: psycopg.AsyncConnection, replay_ids: list[str]) -> None:
    await conn.execute("UPDATE jupyter_artifacts_replays SET beat_at = now() "
                       "WHERE id = ANY(%s::uuid[]) AND status = 'running'", (replay_ids,))


async def finish(conn: psycopg.AsyncConnection, replay_id: str, *, status: str, cells: list | None,
                 outputs: list | None, duration_ms: int | None, kernel: dict | None, environment: dict | None,
                 message: str | None, progress: dict | None) -> None:
    await conn.execute(
        "UPDATE jupyter_artifacts_replays SET status = %s, cells = %s, outputs = %s, duration_ms = %s, kernel = %s, "
        "environment = %s, message = %s, progress = COALESCE(%s, progress), finished_at = clock_timestamp(), "
        "beat_at = now() WHERE id = %s AND status = 'running'",
        (status, _json(cells), _json(outputs), duration_ms, _json(kernel), _json(environment), message,
         _json(progress), replay_id))


def _json(value):
    return Jsonb(value) if value is not None else None


async def get(conn: psycopg.AsyncConnection, replay_id: str, *, outputs: bool = False) -> dict | None:
    """One replay; its replayed outputs only with `outputs` (a diff reads them, nothing else does)."""
    columns = _COLUMNS if outputs else _COLUMNS.replace("r.*", _LISTED)
    cur = await conn.execute(f"SELECT {columns} FROM jupyter_artifacts_replays r WHERE r.id = %(id)s",
                             {"stale": STALE_AFTER_S, "id": replay_id})
    return await cur.fetchone()


async def of_version(conn: psycopg.AsyncConnection, artifact_id: str, version_number: int, limit: int,
                     after: tuple[datetime, str] | None) -> list[dict]:
    """Newest first; `limit + 1` rows, so the caller knows whether there is a next page."""
    where = ""
    params = {"stale": STALE_AFTER_S, "a": artifact_id, "n": version_number, "limit": limit + 1}
    if after is not None:
        where = " AND (r.created_at, r.id) < (%(at)s, %(id)s::uuid)"
        params.update(at=after[0], id=after[1])
    cur = await conn.execute(
        f"SELECT {_COLUMNS.replace('r.*', _LISTED)} FROM jupyter_artifacts_replays r "
        f"WHERE r.artifact_id = %(a)s AND r.version_number = %(n)s{where} "
        "ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s", params)
    return await cur.fetchall()


# Every column but the replayed outputs (read only for a diff).
_LISTED = ("r.id, r.artifact_id, r.version_id, r.version_number, r.status, r.cells, r.duration_ms, r.kernel, "
           "r.environment, r.kernel_name, r.timeout_s, r.message, r.progress, r.actor_type, r.actor_id, "
           "r.recorded_by, r.created_at, r.finished_at, r.beat_at")


async def latest_per_version(conn: psycopg.AsyncConnection, artifact_id: str) -> list[dict]:
    """The newest replay of each version of a notebook, by version number."""
    cur = await conn.execute(
        f"SELECT DISTINCT ON (r.version_number) {_COLUMNS.replace('r.*', _LISTED)} "
        "FROM jupyter_artifacts_replays r WHERE r.artifact_id = %(a)s "
        "ORDER BY r.version_number, r.created_at DESC, r.id DESC",
        {"stale": STALE_AFTER_S, "a": artifact_id})
    return await cur.fetchall()
