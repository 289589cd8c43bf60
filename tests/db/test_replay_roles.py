"""Replays under member roles (migration 0019, db/roles.py): a member's replay is recorded under
its own name, it may finish only its own running replays, and a finished replay never changes."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from psycopg.rows import dict_row
from tests_helpers import granted_member

MINE, OTHERS = "00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000b2"
INSERT = ("INSERT INTO jupyter_artifacts_replays (id, artifact_id, version_id, version_number, timeout_s, recorded_by) "
          "VALUES (%s, 'NB-1', 'NB-1', 1, 60, %s)")


@pytest.fixture
def as_member(database_url, jp_asyncio_loop, sql):
    with granted_member(database_url, jp_asyncio_loop) as role:
        sql(INSERT, (OTHERS, "another-server"))
        conn = psycopg.connect(role.url, autocommit=True, row_factory=dict_row)
        yield role, lambda q, p=None: conn.execute(q, p)
        conn.close()


def test_a_member_finishes_only_its_own_replays_once(as_member, sql):
    role, run = as_member
    run(INSERT, (MINE, "a-forged-name"))
    assert sql("SELECT recorded_by FROM jupyter_artifacts_replays WHERE id = %s", (MINE,))[0]["recorded_by"] == role.name
    run("UPDATE jupyter_artifacts_replays SET progress = '{\"done\": 1, \"total\": 2}', beat_at = now() WHERE id = %s",
        (MINE,))
    run("UPDATE jupyter_artifacts_replays SET status = 'reproduced', finished_at = now() WHERE id = %s", (MINE,))
    with pytest.raises(errors.IntegrityConstraintViolation, match="never changes"):
        run("UPDATE jupyter_artifacts_replays SET status = 'differs' WHERE id = %s", (MINE,))
    with pytest.raises(errors.InsufficientPrivilege):
        run("UPDATE jupyter_artifacts_replays SET status = 'differs' WHERE id = %s", (OTHERS,))
    with pytest.raises(errors.InsufficientPrivilege):
        run("UPDATE jupyter_artifacts_replays SET version_number = 2 WHERE id = %s", (MINE,))
    with pytest.raises(errors.InsufficientPrivilege):
        run("DELETE FROM jupyter_artifacts_replays WHERE id = %s", (MINE,))
    statuses = {r["id"]: r["status"] for r in sql("SELECT id::text, status FROM jupyter_artifacts_replays")}
    assert statuses == {MINE: "reproduced", OTHERS: "running"}
