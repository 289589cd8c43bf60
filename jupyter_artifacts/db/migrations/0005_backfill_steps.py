"""One processing step per existing link and per parent relation without a link
(set-based, idempotent, resumable: `jupyter artifacts backfill` runs the same)."""

from __future__ import annotations

from ..lineage import link_steps, max_link_id, parent_steps, set_watermark


async def migrate(conn) -> None:
    upto = await max_link_id(conn)
    await link_steps(conn, 0, upto)
    await parent_steps(conn)
    await set_watermark(conn, upto)
