"""Statement-level change announcements (migration 0015): what a LISTEN connection hears.

A single-row write announces exactly what the row triggers of 0007, 0010 and 0013 announced; a
statement over many rows announces each artifact (chamber, session ...) it touched once, and past
jupyter_artifacts_bulk_threshold() distinct announcements one bulk notice instead, whoever
writes: another service with plain SQL, a member role, `jupyter artifacts backfill`."""

from __future__ import annotations

import psycopg
import pytest
from live_subscriber import Subscriber, has
from tests_helpers import JupyterServer, Listener, granted_member, run_cli

from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.services.lineage import LineageService

BULK = {"kind": "resync", "action": "bulk"}


@pytest.fixture
def migrated(database_url, jp_asyncio_loop):
    async def migrate():
        db = Database(database_url)
        async with db.connection():
            pass  # the first connection applies the migrations
        await db.close()

    jp_asyncio_loop.run_until_complete(migrate())
    return database_url


@pytest.fixture
def listener(migrated):
    ear = Listener(migrated)
    yield ear
    ear.conn.close()


@pytest.fixture
def threshold(sql, migrated) -> int:
    return sql("SELECT jupyter_artifacts_bulk_threshold() AS n")[0]["n"]


def version(artifact: str, n: int) -> dict:
    return {"kind": "version", "action": "created", "artifact_id": artifact, "version_number": n,
            "ref": f"{artifact}@v{n}"}


def versions_sql(artifacts: int, per_artifact: int, prefix: str = "A") -> str:
    """One statement: `per_artifact` versions of each of `artifacts` artifacts (no parents)."""
    return f"""
        INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, is_latest, content_hash)
        SELECT '{prefix}' || a || '@v' || v, '{prefix}' || a, 'paper', 't', v, v = {per_artifact}, 'h'
          FROM generate_series(1, {artifacts}) a, generate_series(1, {per_artifact}) v"""


def steps_sql(where: str = "TRUE") -> str:
    """One statement: a derive step into every version but the first of the stored artifacts."""
    return f"""
        INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id,
                                      target_version_number, step_type, method)
        SELECT artifact_id, version_number - 1, artifact_id, version_number, 'derive', 'bulk'
          FROM artifacts WHERE version_number > 1 AND {where}"""


def test_single_row_writes_announce_exactly_what_the_row_triggers_did(sql, listener, migrated):
    sql(versions_sql(1, 1, "X"))
    assert listener.heard() == [version("X1", 1)]
    sql(versions_sql(1, 1, "Y"))
    listener.heard()
    sql("INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id, "
        "target_version_number, step_type) VALUES ('X1', 1, 'Y1', 1, 'cite')")
    # Both ends (0010), the output first.
    assert listener.heard() == [{"kind": "step", "action": "cite", "artifact_id": "Y1", "version_number": 1,
                                 "ref": "Y1@v1"},
                                {"kind": "step", "action": "cite", "artifact_id": "X1", "version_number": 1,
                                 "ref": "X1@v1"}]
    sql("UPDATE artifacts SET lifecycle_state = 'deprecated' WHERE id = 'X1@v1'")
    assert listener.heard() == [{"kind": "lifecycle", "action": "deprecated", "artifact_id": "X1",
                                 "version_number": 1, "ref": "X1@v1"}]
    sql("UPDATE artifacts SET version_tag = 'final' WHERE id = 'X1@v1'")  # another service's tag
    assert listener.heard() == [{"kind": "tag", "action": "set", "artifact_id": "X1", "version_number": 1,
                                 "ref": "X1@v1", "tag": "final"}]
    with psycopg.connect(migrated, autocommit=True) as ext:
        ext.execute("SET jupyter_artifacts.writer = 'extension'")  # the extension announces its tags itself
        ext.execute("UPDATE artifacts SET version_tag = 'other' WHERE id = 'X1@v1'")
    sql("UPDATE artifacts SET is_latest = is_latest")  # nothing announced changed
    assert listener.heard() == []
    sql("INSERT INTO artifact_tags (artifact_id, tag, version_id) VALUES ('X1', 'best', 'X1@v1')")
    sql("UPDATE artifact_tags SET version_id = 'X1@v1' WHERE tag = 'best'")
    assert listener.heard() == [
        {"kind": "tag", "action": "set", "artifact_id": "X1", "version_number": 1, "ref": "X1@v1", "tag": "best"},
        {"kind": "tag", "action": "moved", "artifact_id": "X1", "version_number": 1, "ref": "X1@v1", "tag": "best"}]

    c = "00000000-0000-0000-0000-0000000000c1"
    sql(f"INSERT INTO chambers (id, name, purpose) VALUES ('{c}', 'c', 'debate')")
    sql(f"INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, role) VALUES ('{c}', 'X1', 1, 'input')")
    sql(f"UPDATE chambers SET name = 'renamed' WHERE id = '{c}'")  # not a close
    sql(f"UPDATE chambers SET closed_at = now(), provenance_hash = 'p' WHERE id = '{c}'")
    assert listener.heard() == [{"kind": "chamber", "action": action, "chamber_id": c}
                                for action in ("opened", "pulled", "closed")]

    sql("INSERT INTO debate_sessions (id, target_artifact_id, target_artifact_version, target_content_hash, topic) "
        "VALUES ('D1', 'X1', '1', 'h', 't')")
    sql("INSERT INTO debate_rounds (session_id, round_number, actor_id, content) VALUES ('D1', 1, 'ed', 'said')")
    sql("UPDATE debate_sessions SET closed_at = now() WHERE id = 'D1'")
    assert listener.heard() == [
        {"kind": "debate", "action": "opened", "artifact_id": "X1", "version_number": 1, "ref": "X1@v1",
         "session_id": "D1"},
        {"kind": "debate", "action": "round", "session_id": "D1"},
        {"kind": "debate", "action": "closed", "session_id": "D1"}]

    job = sql("INSERT INTO jobs (id, principal, kind, method, path, status) "
              "VALUES (gen_random_uuid(), 'me', 'append', 'POST', '/x', 'running') RETURNING id::text AS id")[0]["id"]
    sql("UPDATE jobs SET heartbeat_at = now()")  # still running: nothing
    sql("UPDATE jobs SET status = 'done'")
    assert listener.heard() == [{"kind": "job", "action": "done", "job_id": job}]


def test_a_bulk_insert_over_few_artifacts_announces_each_artifact_once(sql, listener, threshold):
    sql(versions_sql(3, threshold * 2))
    heard = listener.heard()
    assert heard == [version(f"A{a}", threshold * 2) for a in (1, 2, 3)], heard
    sql(steps_sql())
    heard = listener.heard()
    assert heard == [{"kind": "step", "action": "derive", "artifact_id": f"A{a}", "version_number": threshold * 2,
                      "ref": f"A{a}@v{threshold * 2}"} for a in (1, 2, 3)], heard


def test_past_the_threshold_one_statement_is_one_bulk_notice(sql, listener, threshold):
    sql(versions_sql(threshold, 2))  # exactly the threshold: each is named
    assert sorted(e["artifact_id"] for e in listener.heard()) == sorted(f"A{a}" for a in range(1, threshold + 1))
    sql(versions_sql(threshold + 1, 2, prefix="B"))
    assert listener.heard() == [BULK]
    # Many steps (the first 1,000 rows already name more artifacts than the threshold) ...
    sql(versions_sql(1500, 2, prefix="C"))
    listener.heard()
    sql(steps_sql("artifact_id LIKE 'C%'"))
    assert listener.heard() == [BULK]
    # ... and steps whose first 1,000 rows name few artifacts, the rest many.
    sql(versions_sql(2, 600, prefix="D"))
    sql(versions_sql(threshold, 2, prefix="E"))
    listener.heard()
    sql(steps_sql("artifact_id LIKE 'D%' OR artifact_id LIKE 'E%'") + " ORDER BY artifact_id LIKE 'E%', id")
    assert listener.heard() == [BULK]
    # Several bulk statements in one transaction: PostgreSQL folds the identical notices.
    sql(f"BEGIN; {versions_sql(threshold + 1, 1, prefix='F')}; {versions_sql(threshold + 1, 1, prefix='G')}; COMMIT")
    assert listener.heard() == [BULK]


def test_many_small_statements_in_one_transaction_end_in_one_bulk_notice(sql, listener, threshold):
    rows = "; ".join(versions_sql(1, 1, prefix=f"R{i}-") for i in range(threshold + 50))
    sql(f"BEGIN; {rows}; COMMIT")
    heard = listener.heard()
    assert heard[-1] == BULK and heard.count(BULK) == 1 and len(heard) <= threshold + 1, heard
    sql(versions_sql(1, 1, prefix="after"))  # the count is the transaction's: the next one names its version
    assert listener.heard() == [version("after1", 1)]


def test_another_services_versions_with_parents_stay_bounded(sql, listener, threshold):
    """Each of these versions gets its fork step at commit, row by row (0004's deferred trigger):
    the transaction's count makes them end in the bulk notice."""
    sql(versions_sql(2, 1, prefix="P"))
    listener.heard()
    sql(f"""INSERT INTO artifacts (id, artifact_type, title, version_number, parent_version_id)
            SELECT 'P' || a || '@v' || v, 'paper', 't', v, 'P' || a || '@v' || (v - 1)
              FROM generate_series(1, 2) a, generate_series(2, {threshold * 2}) v ORDER BY v""")
    heard = listener.heard()
    assert 2 * threshold * 2 - 2 == sql("SELECT count(*) AS n FROM processing_steps WHERE method = 'legacy_parent'")[0]["n"]
    assert heard[0] == version("P1", threshold * 2) and heard[-1] == BULK and len(heard) <= threshold + 1, heard


def test_an_update_of_many_rows_announces_what_changed(sql, listener, threshold):
    sql(versions_sql(5, 10))
    listener.heard()
    sql("UPDATE artifacts SET lifecycle_state = 'deprecated' WHERE artifact_id IN ('A1', 'A2')")
    heard = listener.heard()
    assert heard == [{"kind": "lifecycle", "action": "deprecated", "artifact_id": f"A{a}", "version_number": v,
                      "ref": f"A{a}@v{v}"} for a in (1, 2) for v in range(1, 11)], heard
    sql("UPDATE artifacts SET lifecycle_state = 'deprecated'")  # 30 more change; 20 stay as they were
    assert len(listener.heard()) == 30
    sql("UPDATE artifacts SET deprecated_at = now()")  # nothing announced changed
    assert listener.heard() == []
    sql(versions_sql(threshold + 1, 1, prefix="B"))
    listener.heard()
    sql("UPDATE artifacts SET lifecycle_state = 'archived' WHERE artifact_id LIKE 'B%'")
    assert listener.heard() == [BULK]


def test_legacy_version_tags_another_service_writes(sql, listener, migrated):
    sql(versions_sql(2, 3))
    listener.heard()
    # One tag on all of an artifact's versions: one announcement per artifact and tag, its highest version.
    sql("UPDATE artifacts SET version_tag = 'reviewed'")
    assert listener.heard() == [{"kind": "tag", "action": "set", "artifact_id": f"A{a}", "version_number": 3,
                                 "ref": f"A{a}@v3", "tag": "reviewed"} for a in (1, 2)]
    with psycopg.connect(migrated, autocommit=True) as ext:
        ext.execute("SET jupyter_artifacts.writer = 'extension'")
        ext.execute("UPDATE artifacts SET version_tag = 'mirrored'")
    assert listener.heard() == []


def test_chambers_and_rounds_in_bulk(sql, listener, threshold):
    sql("""INSERT INTO chambers (id, name, purpose)
           SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'c' || i, 'debate'
             FROM generate_series(1, 3) i""")
    assert [e["action"] for e in listener.heard()] == ["opened"] * 3
    sql(versions_sql(1, 2))
    sql("""INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, role)
           SELECT id, 'A1', v, 'input' FROM chambers, generate_series(1, 2) v""")
    listener.heard()
    sql("UPDATE chambers SET closed_at = now(), provenance_hash = 'p' WHERE name IN ('c1', 'c2')")
    assert sorted(e["chamber_id"][-1] for e in listener.heard() if e["action"] == "closed") == ["1", "2"]
    sql("INSERT INTO debate_sessions (id, topic) SELECT 'D' || i, 't' FROM generate_series(1, 3) i")
    assert [e["session_id"] for e in listener.heard()] == ["D1", "D2", "D3"]
    sql("""INSERT INTO debate_rounds (session_id, round_number, actor_id, content)
           SELECT 'D' || s, r, 'ed', 'said' FROM generate_series(1, 3) s, generate_series(1, 40) r""")
    assert listener.heard() == [{"kind": "debate", "action": "round", "session_id": f"D{s}"} for s in (1, 2, 3)]
    sql(f"""INSERT INTO debate_sessions (id, topic) SELECT 'E' || i, 't' FROM generate_series(1, {threshold + 1}) i""")
    assert listener.heard() == [BULK]


def _legacy_links(sql, links: int, artifacts: int) -> None:
    """Links an older service wrote before the extension arrived: no steps yet."""
    sql(versions_sql(artifacts, 1, prefix="L"))
    sql("ALTER TABLE artifact_links DISABLE TRIGGER jupyter_artifacts_foreign_links")
    sql(f"""INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type)
            SELECT 'L' || (1 + i % {artifacts}) || '@v1', 'L' || (1 + (i * 7 + 3) % {artifacts}) || '@v1', 'cites'
              FROM generate_series(1, {links}) i""")
    sql("ALTER TABLE artifact_links ENABLE TRIGGER jupyter_artifacts_foreign_links")


def test_the_backfill_announces_each_batch_once_not_each_row(sql, listener, migrated, jp_asyncio_loop):
    _legacy_links(sql, 5000, 1000)
    listener.heard()

    async def backfill():
        db = Database(migrated)
        try:
            return await LineageService(db).backfill(batch=1000)
        finally:
            await db.close()

    report = jp_asyncio_loop.run_until_complete(backfill())
    assert report.link_steps == 5000
    heard = listener.heard(1.0)
    assert heard == [BULK] * 5, heard  # five batches, each its own transaction


def test_the_backfill_command_of_many_links_is_one_notice(sql, listener, migrated, tmp_path):
    _legacy_links(sql, 3000, 600)
    listener.heard()
    done = run_cli(tmp_path, "backfill", url=migrated)
    assert done.returncode == 0, done.stderr
    assert "Created 3000 link steps" in done.stdout
    assert listener.heard(1.0) == [BULK]


def test_a_member_role_announces_alike(migrated, listener, jp_asyncio_loop, threshold):
    with granted_member(migrated, jp_asyncio_loop) as member, psycopg.connect(member.url, autocommit=True) as conn:
        conn.execute(versions_sql(1, 1, prefix="M"))
        assert listener.heard() == [version("M1", 1)]
        conn.execute(versions_sql(2, threshold, prefix="N"))
        assert listener.heard() == [version(f"N{a}", threshold) for a in (1, 2)]
        conn.execute(steps_sql("artifact_id LIKE 'N%'"))
        assert [e["artifact_id"] for e in listener.heard()] == ["N1", "N2"]
        conn.execute(versions_sql(threshold + 1, 1, prefix="O"))
        assert listener.heard() == [BULK]
        conn.execute("UPDATE artifacts SET lifecycle_state = 'deprecated' WHERE id = 'M1@v1'")
        assert listener.heard() == [{"kind": "lifecycle", "action": "deprecated", "artifact_id": "M1",
                                     "version_number": 1, "ref": "M1@v1"}]


@pytest.mark.slow
async def test_a_bulk_notice_reaches_the_browser_as_resync(tmp_path, migrated, sql, threshold):
    with JupyterServer(tmp_path, migrated) as server:
        async with Subscriber(server) as sub:
            sql(versions_sql(1, 1, prefix="S"))
            await sub.until(has(kind="version", ref="S1@v1"))
            sql(versions_sql(threshold * 5, 1, prefix="T"))
            await sub.until(has(kind="resync", action="bulk"))
            await sub.quiet(1.0)
            assert not any(e.get("artifact_id", "").startswith("T") for e in sub.events), sub.events
            assert sum(e["kind"] == "resync" for e in sub.events) == 1
