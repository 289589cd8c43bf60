"""Idempotency keys in the store (API.md, "Retry-safe writes").

A keyed request sets `CURRENT` (services/idempotency.py). The first write transaction it
runs (`Database.run`) inserts the key's row before its own work, so the key commits with the
write or not at all; a concurrent repeat blocks on the primary key until the first commits,
then finds the row and replays instead of writing twice.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

import psycopg

from ..errors import ArtifactsError

# Kept at least this long (API.md says 24 hours); older rows are purged now and then.
KEEP_HOURS = 48


@dataclass
class Attempt:
    """One request made with an Idempotency-Key, by one principal."""

    principal: str
    key: str
    digest: str
    method: str
    path: str
    claimed: bool = False
    claiming: bool = False


CURRENT: ContextVar[Attempt | None] = ContextVar("jupyter_artifacts_idempotency", default=None)


class AlreadyClaimed(ArtifactsError):
    """Another request with this key committed its write first: replay its reply."""

    status = 409
    reason = "conflict"


async def claim(conn: psycopg.AsyncConnection) -> None:
    attempt = CURRENT.get()
    if attempt is None or attempt.claimed:
        return
    cur = await conn.execute(
        "INSERT INTO idempotent_requests (principal, key, request_digest, method, path) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        (attempt.principal, attempt.key, attempt.digest, attempt.method, attempt.path))
    if await cur.fetchone() is None:
        raise AlreadyClaimed(f"The Idempotency-Key {attempt.key!r} was used by a request that finished first.")
    attempt.claiming = True


def claimed() -> None:
    """After a commit: the key is taken; later transactions of the request leave it alone."""
    attempt = CURRENT.get()
    if attempt is not None and attempt.claiming:
        attempt.claimed, attempt.claiming = True, False


async def find(conn: psycopg.AsyncConnection, principal: str, key: str) -> dict | None:
    cur = await conn.execute(
        "SELECT request_digest, method, path, status, reply, created_at FROM idempotent_requests "
        "WHERE principal = %s AND key = %s", (principal, key))
    return await cur.fetchone()


async def record(conn: psycopg.AsyncConnection, attempt: Attempt, status: int, reply: str) -> None:
    """The reply of a request: onto its claimed row, or a new row for a write that changed
    nothing (an unchanged commit, a pin already there), so its repeat answers the same."""
    await conn.execute(
        "INSERT INTO idempotent_requests (principal, key, request_digest, method, path, status, reply) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (principal, key) DO UPDATE "
        "SET status = EXCLUDED.status, reply = EXCLUDED.reply "
        "WHERE idempotent_requests.status IS NULL AND idempotent_requests.request_digest = EXCLUDED.request_digest",
        (attempt.principal, attempt.key, attempt.digest, attempt.method, attempt.path, status, reply))


async def purge(conn: psycopg.AsyncConnection) -> None:
    # As the owner (migration 0014): a member role has no DELETE.
    await conn.execute("SELECT jupyter_artifacts_purge_requests(%s)", (KEEP_HOURS,))
