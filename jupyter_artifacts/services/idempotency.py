"""Retry-safe writes (API.md, "Conventions"): a repeat of a keyed request by the same principal
with the same body gets the first reply and changes nothing; the same key with another body is
refused. The key is claimed in the write's own transaction (db/idempotency.py); the reply is
recorded right after, and a repeat arriving in between waits briefly for it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from dataclasses import dataclass

from ..db import idempotency as store
from ..db.idempotency import CURRENT, AlreadyClaimed, Attempt
from ..db.pool import Database
from ..errors import Conflict, IdempotencyMismatch, Invalid

__all__ = ["CURRENT", "AlreadyClaimed", "Attempt", "Idempotency", "Stored", "request_digest"]

KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as HTTP header values allow
WAIT_FOR_REPLY_S = 5.0
PURGE_ONE_IN = 200


@dataclass(frozen=True)
class Stored:
    status: int
    reply: str


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise Invalid("An Idempotency-Key is 1 to 200 visible ASCII characters (a UUID is a good choice).")
    return key


def request_digest(method: str, path: str, body: object, respond_async: bool = False) -> str:
    """What a key stands for: the method, the path and the JSON body (its own
    `idempotency_key` aside), canonically; an asynchronous request is another request."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "idempotency_key"}
    text = json.dumps({"method": method, "path": path, "body": body, "async": respond_async},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Idempotency:
    def __init__(self, db: Database):
        self.db = db

    async def earlier(self, attempt: Attempt, *, wait_s: float = WAIT_FOR_REPLY_S) -> Stored | None:
        """The first reply to this key, None if the key is new. A claimed key whose reply is not
        recorded yet (the first request is finishing) is waited for, up to `wait_s`."""
        deadline = asyncio.get_running_loop().time() + wait_s
        while True:
            async with self.db.connection() as conn:
                row = await store.find(conn, attempt.principal, attempt.key)
            if row is None:
                return None
            if row["request_digest"] != attempt.digest:
                raise IdempotencyMismatch(
                    f"The Idempotency-Key {attempt.key!r} was first used for another request "
                    f"({row['method']} {row['path']}, or another body); use a new key for a new request.")
            if row["status"] is not None:
                return Stored(row["status"], row["reply"])
            if asyncio.get_running_loop().time() >= deadline:
                raise Conflict(
                    f"The first request with the Idempotency-Key {attempt.key!r} wrote its change but its "
                    "reply is not recorded yet (it is finishing, or its server stopped); read the result "
                    "back, or retry shortly.", retry_after=1)
            await asyncio.sleep(0.05)

    async def record(self, attempt: Attempt, status: int, reply: str) -> None:
        async with self.db.connection() as conn:
            await store.record(conn, attempt, status, reply)
            if random.randrange(PURGE_ONE_IN) == 0:
                await store.purge(conn)
