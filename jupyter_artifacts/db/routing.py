"""Which database a request's statements go to (API.md, "Team deployment" → "Read replica").

The handler sets `CURRENT` for the length of one request (handlers/base.py): who is asking,
and whether it only reads. The store (db/pool.py) then sends a read request's plain reads to
the replica when one is configured, and notes each write's commit position under the
principal, so that principal's next read waits for the replica to replay it (read-your-writes).
Outside a request (the command line, background upkeep) everything goes to the primary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from ..errors import Unavailable


@dataclass(frozen=True)
class Request:
    """One HTTP request, as the store needs to know it."""

    principal: str | None
    # A GET: its reads may be served by the replica. A write request reads on the primary,
    # where its checks see what its own transaction is about to change.
    read_only: bool
    # False once a replica failed this request halfway: it runs again on the primary.
    replica_ok: bool = True


class ReplicaLost(Unavailable):
    """The replica failed a read halfway (connection lost, a conflict with recovery, a write
    it refuses): the handler runs the request again on the primary."""


CURRENT: ContextVar[Request | None] = ContextVar("jupyter_artifacts_routing", default=None)


@contextlib.contextmanager
def request(principal: str | None, *, read_only: bool, replica_ok: bool = True) -> Iterator[Request]:
    token = CURRENT.set(Request(principal, read_only, replica_ok))
    try:
        yield CURRENT.get()
    finally:
        CURRENT.reset(token)


def reads_on_replica() -> Request | None:
    """The current request, if its reads may go to a replica."""
    req = CURRENT.get()
    return req if req is not None and req.read_only and req.replica_ok else None


def writer() -> str | None:
    """The principal whose writes are noted for read-your-writes (None outside requests)."""
    req = CURRENT.get()
    return req.principal if req is not None else None


def parse_lsn(text: str | None) -> int | None:
    """`16/B374D848` -> an integer that orders as PostgreSQL's pg_lsn does."""
    if text is None:
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)
