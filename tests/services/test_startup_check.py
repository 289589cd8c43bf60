"""The start-up check that every link has its processing step (services/lineage.py `check_steps`)
runs before a server's first request is served. Links written with the triggers off (a bulk
import, `session_replication_role = replica`) can make it longer than the statement timeout
meant for requests; it must still finish, once, so that the server becomes ready."""

from __future__ import annotations

import psycopg

from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.services.lineage import check_steps


async def test_a_start_up_check_longer_than_the_request_timeout_finishes(database_url):
    first = Database(database_url)
    try:
        async with first.connection() as conn:  # migrates
            await conn.execute("INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, "
                               "is_latest) VALUES ('A-1', 'A-1', 'paper', 'a', 1, true), "
                               "('B-1', 'B-1', 'paper', 'b', 1, true)")
    finally:
        await first.close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        # A link that arrived with the triggers off has no step; a step insert that takes
        # longer than the request timeout stands for a check over millions of them.
        conn.execute("SET session_replication_role = replica")
        conn.execute("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) "
                     "VALUES ('B-1', 'A-1', 'cites')")
        conn.execute("SET session_replication_role = origin")
        conn.execute("CREATE FUNCTION slow_step() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$")
        conn.execute("CREATE TRIGGER slow_step BEFORE INSERT ON processing_steps FOR EACH ROW "
                     "EXECUTE FUNCTION slow_step()")
    db = Database(database_url, statement_timeout_ms=200)
    db.on_ready.append(check_steps)
    try:
        async with db.connection() as conn:  # would be cancelled (57014) on every attempt
            cur = await conn.execute("SELECT count(*) AS n FROM processing_steps WHERE method = 'legacy_link'")
            assert (await cur.fetchone())["n"] == 1
            cur = await conn.execute("SELECT value FROM jupyter_artifacts_backfill_state WHERE name = 'links'")
            assert (await cur.fetchone())["value"] >= 1
            # The request timeout still holds for everything else.
            cur = await conn.execute("SELECT current_setting('statement_timeout') AS st")
            assert (await cur.fetchone())["st"] == "200ms"
    finally:
        await db.close()
