"""SQL of the lineage area: backfilling steps, and walking them."""

from __future__ import annotations

from .artifacts import _all, _one


async def max_link_id(conn) -> int:
    return (await _one(conn, "SELECT COALESCE(max(id), 0) AS m FROM artifact_links", ()))["m"]


async def watermark(conn) -> int:
    row = await _one(conn, "SELECT value FROM jupyter_artifacts_backfill_state WHERE name = 'links'", ())
    return row["value"] if row else 0


async def set_watermark(conn, value: int) -> None:
    await conn.execute("""
        INSERT INTO jupyter_artifacts_backfill_state (name, value) VALUES ('links', %s)
        ON CONFLICT (name) DO UPDATE SET value = GREATEST(jupyter_artifacts_backfill_state.value, EXCLUDED.value),
                                         updated_at = now()""", (value,))


async def link_steps(conn, after: int, upto: int, *, bulk: bool = False) -> int:
    """Steps for links with ids in (after, upto] that have none (migrations 0004 and 0015 define
    it). `bulk`: a backfill batch in a transaction of its own, which may take longer than the
    statement timeout meant for requests."""
    if bulk:
        await conn.execute("SET LOCAL statement_timeout = 0")
    return (await _one(conn, "SELECT jupyter_artifacts_link_steps(%s, %s) AS n", (after, upto)))["n"]


async def analyze_steps(conn) -> None:
    """Statistics for the lineage queries after a bulk write of steps."""
    await conn.execute("ANALYZE processing_steps")


async def parent_steps(conn) -> int:
    return (await _one(conn, "SELECT jupyter_artifacts_parent_steps(NULL) AS n", ()))["n"]


def _walk_sql(direction: str) -> str:
    # Ancestors follow steps backwards (from their output to their input), descendants forwards.
    near = "target" if direction == "ancestors" else "source"
    return f"""
        WITH RECURSIVE walk (id, src_a, src_v, dst_a, dst_v, depth) AS (
            SELECT p.id, p.source_artifact_id, p.source_version_number, p.target_artifact_id,
                   p.target_version_number, 1
              FROM processing_steps p
              JOIN unnest(%(start_a)s::text[], %(start_v)s::int[]) AS s(a, v)
                ON p.{near}_artifact_id = s.a AND p.{near}_version_number = s.v
          UNION
            SELECT p.id, p.source_artifact_id, p.source_version_number, p.target_artifact_id,
                   p.target_version_number, w.depth + 1
              FROM walk w
              JOIN processing_steps p
                ON p.{near}_artifact_id = w.{"src" if direction == "ancestors" else "dst"}_a
               AND p.{near}_version_number = w.{"src" if direction == "ancestors" else "dst"}_v
             WHERE w.depth <= %(max_depth)s
        )
        SELECT id::text AS id, depth FROM walk LIMIT %(cap)s"""


async def walk(conn, direction: str, start: list[tuple[str, int]], max_depth: int, cap: int) -> list[dict]:
    """Step ids reached from `start` with the depth each was reached at (one recursive query;
    depth max_depth + 1 is walked too, to tell whether the answer was cut by depth)."""
    return await _all(conn, _walk_sql(direction), {
        "start_a": [a for a, _ in start], "start_v": [v for _, v in start],
        "max_depth": max_depth, "cap": cap})


async def steps_by_id(conn, ids: list[str]) -> list[dict]:
    return await _all(conn, """
        SELECT id::text AS id, source_artifact_id, source_version_number, target_artifact_id,
               target_version_number, step_type, actor_type, actor_id, recorded_by, method, parameters,
               chamber_id::text AS chamber_id, created_at
          FROM processing_steps WHERE id = ANY(%s::uuid[]) ORDER BY created_at, id""", (ids,))


async def nodes(conn, keys: list[tuple[str, int]]) -> list[dict]:
    return await _all(conn, """
        SELECT DISTINCT ON (a.artifact_id, a.version_number)
               a.artifact_id, a.version_number, a.artifact_type, a.title, a.content_hash,
               COALESCE(a.is_latest, FALSE) AS is_latest
          FROM unnest(%s::text[], %s::int[]) AS k(a, v)
          JOIN artifacts a ON a.artifact_id = k.a AND a.version_number = k.v
         ORDER BY a.artifact_id, a.version_number, a.adoption_exempt""",
        ([a for a, _ in keys], [v for _, v in keys]))


async def start_nodes(conn, artifact_id: str) -> list[tuple[str, int]]:
    rows = await _all(conn, "SELECT DISTINCT version_number FROM artifacts WHERE artifact_id = %s "
                            "AND version_number IS NOT NULL ORDER BY version_number", (artifact_id,))
    return [(artifact_id, r["version_number"]) for r in rows]


# Steps that carry a notebook's content from one version to another (a citation does not).
CONTENT_STEPS = ["cell_append", "derive", "fork", "merge", "split"]


async def common_ancestor(conn, left: tuple[str, int], right: tuple[str, int], max_depth: int) -> dict | None:
    """The nearest notebook version that is an ancestor (or itself) of both `left` and `right`
    along content-carrying steps: the one with the fewest steps to the farther of the two,
    then to both, then the newest. None when they share none within `max_depth` steps.

    Both sides are walked a level at a time and the walk stops at the first level where they
    meet, so a merge reads the steps back to its base, not the whole history. (A recursive
    CTE keeps a row per version and depth: a history with many merges grew with its square,
    121,809 rows for 400 versions.)"""
    dist: tuple[dict, dict] = ({left: 0}, {right: 0})
    frontier: tuple[set, set] = ({left}, {right})
    rejected: set = set()  # met, but not a notebook version that can be a base
    depth = 0
    while True:
        met = [n for n in dist[0].keys() & dist[1].keys() if n not in rejected]
        if met:
            # All of these are `depth` steps from the farther side (fewer would have met before).
            made = await _notebook_versions(conn, met)
            rejected.update(n for n in met if n not in made)
            if made:
                best = min(made, key=lambda n: (dist[0][n] + dist[1][n], -made[n].timestamp()))
                return {"artifact_id": best[0], "version_number": best[1], "dl": dist[0][best], "dr": dist[1][best]}
        if depth >= max_depth or not (frontier[0] or frontier[1]):
            return None
        depth += 1
        parents = await _parents(conn, frontier[0] | frontier[1])
        for side in (0, 1):
            reached = {p for n in frontier[side] for p in parents.get(n, ())} - dist[side].keys()
            for n in reached:
                dist[side][n] = depth
            frontier[side].clear()
            frontier[side].update(reached)


async def _parents(conn, nodes: set) -> dict:
    """{(artifact_id, version): [its sources along content-carrying steps]}."""
    rows = await _all(conn, """
        SELECT p.target_artifact_id AS a, p.target_version_number AS v,
               p.source_artifact_id AS sa, p.source_version_number AS sv
          FROM unnest(%(a)s::text[], %(v)s::int[]) AS n(a, v)
          JOIN processing_steps p ON p.target_artifact_id = n.a AND p.target_version_number = n.v
         WHERE p.step_type = ANY(%(kinds)s) AND p.source_artifact_id IS NOT NULL
           AND p.source_version_number IS NOT NULL""",
        {"a": [n[0] for n in nodes], "v": [n[1] for n in nodes], "kinds": CONTENT_STEPS})
    out: dict = {}
    for r in rows:
        out.setdefault((r["a"], r["v"]), []).append((r["sa"], r["sv"]))
    return out


async def _notebook_versions(conn, nodes: list) -> dict:
    """{(artifact_id, version): created_at} of those that are notebook versions with content."""
    rows = await _all(conn, """
        SELECT x.artifact_id AS a, x.version_number AS v, max(x.created_at) AS created_at
          FROM unnest(%(a)s::text[], %(v)s::int[]) AS n(a, v)
          JOIN artifacts x ON x.artifact_id = n.a AND x.version_number = n.v
         WHERE x.artifact_type = 'notebook' AND NOT x.adoption_exempt
         GROUP BY x.artifact_id, x.version_number""",
        {"a": [n[0] for n in nodes], "v": [n[1] for n in nodes]})
    return {(r["a"], r["v"]): r["created_at"] for r in rows}
