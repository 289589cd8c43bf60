"""The cursors of `GET /api/artifacts`: opaque to clients; a list's names (created_at, id) of
its last row, a search's also the tier that row came from."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from ..errors import Invalid


def encode_cursor(row: dict, tier: int | None = None) -> str:
    key = [row["created_at"].isoformat(), row["id"]]
    if tier is not None:
        key = [tier, row.get("search_at", row["created_at"]).isoformat(), row["id"]]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, tiers: tuple[int, ...] | None = None) -> tuple:
    """(created_at, id); with `tiers` (a search), (tier, created_at, id). A cursor of the other
    kind (from a list with `q` given to one without, or the reverse) is refused."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if tiers is not None:
            tier, created_at, row_id = key
            if type(tier) is not int or tier not in tiers:
                raise ValueError(tier)
            return tier, datetime.fromisoformat(created_at), str(row_id)
        created_at, row_id = key
        return datetime.fromisoformat(created_at), str(row_id)
    except Exception:
        raise Invalid("The cursor is not one this server handed out for this list; start again without it.") from None
