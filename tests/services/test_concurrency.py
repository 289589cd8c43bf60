"""Many writers on two servers (and a foreign service) never break the version chain."""

from __future__ import annotations

import asyncio
import threading

import psycopg
import pytest

from jupyter_artifacts.models.artifacts import NewVersion
from jupyter_artifacts.services.actors import Actor
from jupyter_artifacts.services.registry import Services

pytestmark = pytest.mark.slow


def check_chain(sql, artifact_id: str) -> list[dict]:
    rows = sql("SELECT id, version_number, parent_version_id, is_latest FROM artifacts "
               "WHERE artifact_id = %s ORDER BY version_number", (artifact_id,))
    assert [r["version_number"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["is_latest"] for r in rows] == [False] * (len(rows) - 1) + [True]
    for prev, row in zip(rows, rows[1:]):
        assert row["parent_version_id"] == prev["id"]
    return rows


async def test_concurrent_new_versions_from_two_servers_and_a_foreign_writer(api, db, sql, database_url):
    assert (await api("POST", "api/artifacts", {"id": "C-1", "artifact_type": "dataset", "title": "t"})).status == 201
    other_server = Services(db)
    actor = Actor("agent", "bot", "tester")
    foreign_ok = []

    def foreign_writer():
        # Another service appends the way older code did: read the head, insert the next row.
        with psycopg.connect(database_url, autocommit=True) as c:
            for i in range(10):
                try:
                    c.execute("""INSERT INTO artifacts (id, artifact_type, title, parent_version_id)
                                 SELECT 'C-1-foreign-' || %s, 'dataset', 'foreign', id
                                   FROM artifacts WHERE artifact_id = 'C-1' AND is_latest""", (i,))
                    foreign_ok.append(i)
                except psycopg.errors.UniqueViolation:
                    pass  # it lost a race; the constraint, not luck, decided

    thread = threading.Thread(target=foreign_writer)
    thread.start()
    via_http = [api("POST", "api/artifacts/C-1/versions", {"title": f"http {i}", "agent_id": "a"})
                for i in range(30)]
    via_other = [other_server.artifacts.new_version("C-1", NewVersion(title=f"other {i}"), actor)
                 for i in range(30)]
    results = await asyncio.gather(*via_http, *via_other)
    await asyncio.to_thread(thread.join)
    assert all(r.status == 201 for r in results[:30]), [r for r in results[:30] if r.status != 201][:1]
    numbers = [r.json["version_number"] for r in results[:30]] + [v.version_number for v in results[30:]]
    assert len(set(numbers)) == 60
    rows = check_chain(sql, "C-1")
    assert len(rows) == 1 + 60 + len(foreign_ok)
    steps = sql("SELECT step_type, method, count(*) AS n FROM processing_steps WHERE target_artifact_id = 'C-1' "
                "GROUP BY 1, 2 ORDER BY 1")
    # One derive step per version the extension wrote, a legacy_parent fork for each foreign row.
    assert steps == [{"step_type": "derive", "method": "new_version", "n": 60}] + (
        [{"step_type": "fork", "method": "legacy_parent", "n": len(foreign_ok)}] if foreign_ok else [])


async def test_conditional_versions_have_exactly_one_winner(api, sql):
    await api("POST", "api/artifacts", {"id": "C-2", "artifact_type": "dataset", "title": "t"})
    replies = await asyncio.gather(*(api("POST", "api/artifacts/C-2/versions",
                                         {"title": f"try {i}", "parent_version": 1}) for i in range(20)))
    statuses = sorted(r.status for r in replies)
    assert statuses == [201] + [409] * 19
    assert all(r.json["reason"] == "stale_parent" for r in replies if r.status == 409)
    assert len(check_chain(sql, "C-2")) == 2


async def test_concurrent_creates_of_one_id_and_tags(api, sql):
    replies = await asyncio.gather(*(api("POST", "api/artifacts", {"id": "C-3", "artifact_type": "paper",
                                                                  "title": f"t{i}"}) for i in range(10)))
    assert sorted(r.status for r in replies) == [201] + [409] * 9
    await api("POST", "api/artifacts/C-3/versions", {"title": "two"})
    tags = await asyncio.gather(*(api("POST", f"api/artifacts/C-3/versions/{1 + i % 2}/tags", {"tag": "best"})
                                  for i in range(10)))
    assert sorted(r.status for r in tags).count(201) == 1
    assert {r.status for r in tags} <= {200, 201, 409}
    assert sql("SELECT count(*) AS n FROM artifact_tags WHERE tag = 'best'")[0]["n"] == 1
