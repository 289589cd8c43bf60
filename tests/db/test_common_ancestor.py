"""The merge base (db/lineage.common_ancestor, a walk a level at a time) against the one
recursive query it replaced, on random histories with merges, forks and versions that
cannot be a base, in a real PostgreSQL."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_artifacts.db import lineage

# The query common_ancestor() ran until 2026-12: right, but it keeps a row per version and
# depth, which grows with the square of a merge-heavy history.
ORACLE = """
    WITH RECURSIVE walk (a, v, side, depth) AS (
        SELECT * FROM (VALUES (%(la)s::text, %(lv)s::int, 0, 0), (%(ra)s::text, %(rv)s::int, 1, 0)) s
      UNION
        SELECT p.source_artifact_id, p.source_version_number, w.side, w.depth + 1
          FROM walk w JOIN processing_steps p
            ON p.target_artifact_id = w.a AND p.target_version_number = w.v
         WHERE w.depth < %(max_depth)s AND p.step_type = ANY(%(kinds)s)
    ), reached AS (
        SELECT a, v, min(depth) FILTER (WHERE side = 0) AS dl, min(depth) FILTER (WHERE side = 1) AS dr
          FROM walk GROUP BY a, v
    )
    SELECT r.a AS artifact_id, r.v AS version_number, r.dl, r.dr
      FROM reached r
      JOIN LATERAL (SELECT x.created_at FROM artifacts x
                     WHERE x.artifact_id = r.a AND x.version_number = r.v AND x.artifact_type = 'notebook'
                       AND NOT x.adoption_exempt LIMIT 1) x ON TRUE
     WHERE r.dl IS NOT NULL AND r.dr IS NOT NULL
     ORDER BY greatest(r.dl, r.dr), r.dl + r.dr, x.created_at DESC
     LIMIT 1"""

counter = itertools.count()


@st.composite
def histories(draw):
    """Two notebooks, A and a fork B of one of A's versions, each a chain, with merges from
    earlier versions of either; some versions cannot be a base (legacy rows set aside)."""
    n = draw(st.integers(2, 25))
    m = draw(st.integers(1, 12))
    fork_at = draw(st.integers(1, n))
    steps = [(("A", k - 1), ("A", k), "derive") for k in range(2, n + 1)]
    steps.append((("A", fork_at), ("B", 1), "fork"))
    steps += [(("B", k - 1), ("B", k), "cell_append") for k in range(2, m + 1)]
    nodes = [("A", k) for k in range(1, n + 1)] + [("B", k) for k in range(1, m + 1)]
    for _ in range(draw(st.integers(0, 12))):
        target = draw(st.sampled_from(nodes))
        source = draw(st.sampled_from(nodes))
        if source != target:
            steps.append((source, target, draw(st.sampled_from(["merge", "merge", "cite"]))))
    exempt = draw(st.sets(st.sampled_from(nodes), max_size=3))
    left, right = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
    depth = draw(st.sampled_from([3, 50]))
    return nodes, steps, exempt, left, right, depth


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_the_level_walk_finds_what_the_recursive_query_found(api, sql, db, jp_asyncio_loop, history):
    compare(api, sql, db, jp_asyncio_loop, history)


def test_a_criss_cross_takes_the_newest_of_the_nearest(api, sql, db, jp_asyncio_loop):
    # A3 merges B2 and B3 merges A2: A2 and B2 are both one step from each; B2 is newer.
    nodes = [("A", 1), ("A", 2), ("A", 3), ("B", 1), ("B", 2), ("B", 3)]
    steps = [(("A", 1), ("A", 2), "derive"), (("A", 1), ("B", 1), "fork"), (("B", 1), ("B", 2), "derive"),
             (("A", 2), ("A", 3), "merge"), (("B", 2), ("A", 3), "merge"),
             (("B", 2), ("B", 3), "merge"), (("A", 2), ("B", 3), "merge")]
    found = compare(api, sql, db, jp_asyncio_loop, (nodes, steps, set(), ("A", 3), ("B", 3), 50))
    assert found is not None and found["artifact_id"].endswith("-B") and found["version_number"] == 2, found


def compare(api, sql, db, jp_asyncio_loop, history) -> dict | None:
    """Write the history under fresh ids; both answers must agree; return the walk's."""
    jp_asyncio_loop.run_until_complete(api("GET", "api/jupyter_artifacts/status"))  # the schema, migrated
    nodes, steps, exempt, left, right, depth = history
    run = f"ca{next(counter)}-"  # each example its own artifacts
    name = {"A": run + "A", "B": run + "B"}
    for i, (a, v) in enumerate(nodes):
        sql("""INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, is_latest,
                                      adoption_exempt, created_at)
               VALUES (%s, %s, 'notebook', 't', %s, FALSE, %s, now() + make_interval(secs => %s))""",
            (f"{name[a]}-{v}", name[a], v, (a, v) in exempt, i))
    for (sa, sv), (ta, tv), kind in steps:
        sql("""INSERT INTO processing_steps (source_artifact_id, source_version_number,
                                             target_artifact_id, target_version_number, step_type)
               VALUES (%s, %s, %s, %s, %s)""", (name[sa], sv, name[ta], tv, kind))
    lp, rp = (name[left[0]], left[1]), (name[right[0]], right[1])

    async def both(conn):
        cur = await conn.execute(ORACLE, {"la": lp[0], "lv": lp[1], "ra": rp[0], "rv": rp[1],
                                          "max_depth": depth, "kinds": lineage.CONTENT_STEPS})
        return await cur.fetchone(), await lineage.common_ancestor(conn, lp, rp, depth)

    expected, found = jp_asyncio_loop.run_until_complete(db.run(both))
    assert (dict(expected) if expected else None) == found, (steps, exempt, left, right, depth)
    return found
