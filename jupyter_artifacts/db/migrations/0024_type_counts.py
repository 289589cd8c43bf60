"""Migration 0024's online part: the latest versions the type counts' triggers did not see (the
rows written before them), added in one statement that locks nothing a writer needs (a read of
the search table and a few inserted rows; a crash before its end adds them next time)."""

from __future__ import annotations


async def online(conn) -> None:
    await conn.execute("SELECT jupyter_artifacts_type_counts_reconcile()")
