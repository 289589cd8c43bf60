"""One processing step per existing link and per parent relation without a link (set-based,
idempotent, resumable: `jupyter artifacts backfill` runs the same).

All of it is the online part: a range of link ids, then a batch of versions, at a time, each its
own short transaction (1.35 M legacy links were one transaction of ~30 s), the links' watermark
moved after each range, so a crash resumes where it stopped."""

from __future__ import annotations

from .. import online as ops
from ..lineage import max_link_id, set_watermark, watermark

LINK_RANGE = 20_000
BATCH = 2000

# jupyter_artifacts_parent_steps() (migration 0004, the one definition of a fork step) for a
# batch of versions in key order.
PARENTS = """
WITH batch AS (
    SELECT id, parent_version_id FROM artifacts WHERE id > %(after)s ORDER BY id LIMIT %(batch)s
)
SELECT COALESCE(sum(jupyter_artifacts_parent_steps(id)) FILTER (WHERE parent_version_id IS NOT NULL), 0) AS n,
       max(id) AS last
  FROM batch"""


async def migrate(conn) -> None:
    pass  # nothing to hold a lock for: the steps are written online


async def online(conn) -> None:
    # Statistics first, and again as processing_steps grows: its NOT EXISTS must be planned as
    # an index probe, not as a scan of a table the planner believes empty. (On a 1 M-version
    # adoption with none, the steps of 200,000 links ran CPU-bound for over 13 minutes.)
    await conn.execute("ANALYZE artifacts, artifact_links, processing_steps")
    upto = await max_link_id(conn)
    after = await watermark(conn)
    ranges = 0
    while after < upto:
        high = min(upto, after + LINK_RANGE)
        # Repeated until it makes none (the second run finds the range done).
        await ops.batches(conn, "SELECT jupyter_artifacts_link_steps(%s, %s) AS n", (after, high))
        await set_watermark(conn, high)
        after = high
        if ranges % 5 == 0:  # after the first range, then now and then as the table grows
            await conn.execute("ANALYZE processing_steps")
        ranges += 1
    await conn.execute("ANALYZE processing_steps")
    await ops.keyed_batches(conn, PARENTS, {"batch": BATCH})
    await set_watermark(conn, upto)
