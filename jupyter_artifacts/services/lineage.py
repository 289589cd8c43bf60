"""Rules of the lineage area: walking processing steps both ways between exact versions,
and keeping one step per link and per parent relation (backfill)."""

from __future__ import annotations

from ..db import lineage as store
from ..db import roles
from ..db.pool import Database
from ..models.lineage import BackfillReport, LineageEdge, LineageGraph, LineageNode, LineageQuery
from .versions import resolve

BACKFILL_BATCH = 200_000  # links per batch at the least ...
BACKFILL_BATCHES = 4  # ... and at most this many batches: each joins the whole of `artifacts` once


def _ref(artifact_id: str, n: int) -> str:
    return f"{artifact_id}@v{n}"


class LineageService:
    def __init__(self, db: Database, max_edges: int = 2000):
        self.db = db
        self.max_edges = max_edges

    async def lineage(self, ref: str, query: LineageQuery) -> LineageGraph:
        directions = ["ancestors", "descendants"] if query.direction == "both" else [query.direction]
        async with self.db.connection() as conn:
            found = await resolve(conn, ref, need_version=False)
            if found.pinned:
                start = [(found.artifact_id, found.row["version_number"])]
            else:
                start = await store.start_nodes(conn, found.artifact_id)
            depth: dict[str, int] = {}
            beyond: set[str] = set()
            truncated = False
            cap = self.max_edges * 4  # raw rows may repeat a step at several depths
            for direction in directions:
                rows = await store.walk(conn, direction, start, query.max_depth, cap)
                truncated |= len(rows) >= cap
                for r in rows:
                    if r["depth"] <= query.max_depth:
                        depth[r["id"]] = min(depth.get(r["id"], r["depth"]), r["depth"])
                    else:
                        beyond.add(r["id"])
            truncated |= bool(beyond - depth.keys())
            if len(depth) > self.max_edges:
                kept = sorted(depth, key=lambda i: (depth[i], i))[: self.max_edges]
                depth = {i: depth[i] for i in kept}
                truncated = True
            steps = await store.steps_by_id(conn, list(depth))
            keys = set(start)
            for s in steps:
                keys.add((s["source_artifact_id"], s["source_version_number"]))
                keys.add((s["target_artifact_id"], s["target_version_number"]))
            node_rows = await store.nodes(conn, sorted(keys))
        nodes = [LineageNode(ref=_ref(n["artifact_id"], n["version_number"]), **n) for n in node_rows]
        edges = [LineageEdge(
            id=s["id"], source=_ref(s["source_artifact_id"], s["source_version_number"]),
            target=_ref(s["target_artifact_id"], s["target_version_number"]), step_type=s["step_type"],
            actor_type=s["actor_type"], actor_id=s["actor_id"], recorded_by=s["recorded_by"], method=s["method"],
            parameters=s["parameters"] or {}, chamber_id=s["chamber_id"], created_at=s["created_at"])
            for s in steps]
        return LineageGraph(root=str(ref), direction=query.direction, nodes=nodes, edges=edges,
                            depth_reached=max(depth.values(), default=0), truncated=truncated)

    async def backfill(self, batch: int | None = None) -> BackfillReport:
        """Create missing steps in batches of link ids, each its own transaction: safe to
        interrupt and run again (it picks up where it stopped), and to run while servers work.
        A few large batches, not many small ones: every batch joins its links with all of
        `artifacts` (twice), which at 13.5 M links in batches of 200,000 cost more than the
        inserts. Each batch announces one bulk change (migration 0015), not one per step."""
        async with self.db.connection() as conn:
            upto = await store.max_link_id(conn)
        batch = batch or max(BACKFILL_BATCH, -(-upto // BACKFILL_BATCHES))
        made, after = 0, 0
        while after < upto:
            hi = min(after + batch, upto)
            made += await self.db.run(lambda conn, lo=after, hi=hi: store.link_steps(conn, lo, hi, bulk=True))
            after = hi
        parents = await self.db.run(store.parent_steps)
        await self.db.run(lambda conn: store.set_watermark(conn, upto))
        if made or parents:
            # A million fresh rows and no statistics make the planner pick a plan 10x slower
            # until autovacuum comes by; the command leaves them current.
            await self.db.run(store.analyze_steps)
        return BackfillReport(link_steps=made, parent_steps=parents, links_checked_upto=upto)


async def check_steps(conn) -> int:
    """Start-up check without a full scan: links newer than the last check must have steps
    (the trigger gives them one; this catches links written while it did not exist). Left to
    the owner's servers and `jupyter artifacts backfill`: under a member role the steps would be
    recorded as that member's, and it may not move the watermark."""
    if await roles.is_member(conn):
        return 0
    upto = await store.max_link_id(conn)
    seen = await store.watermark(conn)
    if upto <= seen:
        return 0
    # Not bound by the request timeout: links bulk-loaded with triggers off (2.7 M took 28 s
    # here) would otherwise cancel the check on every first request, and the server would
    # never become ready. It runs once; the watermark then moves past them.
    made = await store.link_steps(conn, seen, upto, bulk=True)
    await store.set_watermark(conn, upto)
    if made > 10_000:  # a bulk of links written while the trigger did not exist
        await store.analyze_steps(conn)
    return made
