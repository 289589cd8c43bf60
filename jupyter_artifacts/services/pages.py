"""Keyset pagination cursors: opaque to clients, `(created_at, id)` of the last row sent."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from ..errors import Invalid


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created_at, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(created_at), str(row_id)
    except Exception:
        raise Invalid("The cursor is not one this server handed out; start again without it.") from None


def page_of(rows: list[dict], limit: int, *, time_key: str = "created_at") -> tuple[list[dict], str | None]:
    """The first `limit` rows (of `limit + 1` fetched) and the cursor for the next page, if any."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1][time_key], rows[-1]["id"]) if more else None)
