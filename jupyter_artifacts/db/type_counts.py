"""Latest versions per artifact type (`GET /api/artifact-types`), from the deltas migration 0024's
triggers keep: a sum over a few hundred rows, where counting the search table read every row."""

from __future__ import annotations

from .artifacts import _all


async def type_counts(conn) -> list[dict]:
    """Latest versions per artifact type, most common first."""
    return await _all(conn, """
        SELECT artifact_type, sum(latest)::bigint AS count FROM jupyter_artifacts_type_counts
         GROUP BY artifact_type HAVING sum(latest) > 0
         ORDER BY sum(latest) DESC, artifact_type""", ())

