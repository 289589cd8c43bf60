"""Jobs (API.md, "Jobs"): an executed append sent with `Prefer: respond-async` answers 202 at once
and reaches, in the background, the same final state the synchronous call would have; a
change announcement marks its end. Real kernels, real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time

import psycopg
import pytest
from tests_helpers import notebook, register

pytestmark = pytest.mark.slow


def prefer_async(**more) -> dict:
    # A fresh dict each time: jp_fetch adds the server's token to the headers it is given.
    return {"Prefer": "respond-async", **more}


async def finished(api, job_id: str, seconds: float = 90.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        r = await api("GET", f"api/jupyter_artifacts/jobs/{job_id}")
        assert r.status == 200, r
        if r.json["status"] != "running" or time.monotonic() > deadline:
            return r.json
        await asyncio.sleep(0.2)


def listen(sql, database_url):
    """A plain LISTEN on this schema's change channel, as another service would hear it
    (after the first request: the schema is created then)."""
    channel = sql("SELECT jupyter_artifacts_channel() AS c")[0]["c"]
    conn = psycopg.connect(database_url, autocommit=True)
    conn.execute(f'LISTEN "{channel}"')
    return conn


def heard(conn, predicate, seconds: float = 10.0) -> list[dict]:
    events = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for n in conn.notifies(timeout=0.5, stop_after=1):
            events.append(json.loads(n.payload))
        if any(predicate(e) for e in events):
            break
    return events


async def test_an_executed_append_runs_as_a_job(api, sql, database_url):
    await register(api, "NB-J", notebook("x = 20"))
    listener = listen(sql, database_url)
    r = await api("POST", "api/notebooks/NB-J/cells", {"source": "x + 1", "execute": True, "agent_id": "ed-lein"},
                  headers=prefer_async())
    assert r.status == 202 and r.json["status"] == "running", r
    assert r.headers["Location"] == r.json["href"] and r.json["href"].endswith(f"/jobs/{r.json['job_id']}")
    assert r.headers["Preference-Applied"] == "respond-async"
    job = await finished(api, r.json["job_id"])
    assert job["status"] == "done" and job["http_status"] == 201 and job["kind"] == "append_cell", job
    result = job["result"]
    assert result["version_number"] == 2 and result["execution"]["status"] == "ok"
    assert any(o.get("data", {}).get("text/plain") == "21" for o in result["outputs"])
    # The same final state as the synchronous call: the version, its cell and its step.
    latest = (await api("GET", "api/artifacts/NB-J@v2")).json
    assert latest["content_hash"] == result["content_hash"] and latest["is_latest"]
    step = sql("SELECT * FROM processing_steps WHERE step_type = 'cell_append'")[0]
    assert step["actor_id"] == "ed-lein" and step["parameters"]["execution_status"] == "ok"
    events = heard(listener, lambda e: e.get("kind") == "job")
    listener.close()
    assert {"kind": "job", "action": "done", "job_id": r.json["job_id"]} in events


async def test_a_refused_job_fails_with_the_synchronous_error(api, sql):
    await register(api, "NB-J", notebook("x = 20"))
    await api("POST", "api/notebooks/NB-J/cells", {"source": "y = 1"})
    r = await api("POST", "api/notebooks/NB-J/cells", {"source": "x", "execute": True, "parent_version": 1},
                  headers=prefer_async())
    assert r.status == 202
    job = await finished(api, r.json["job_id"])
    assert job["status"] == "failed" and job["http_status"] == 409 and job["result"] is None
    assert job["error"]["reason"] == "stale_parent" and "v2" in job["error"]["message"]
    assert job["error"]["current_ref"] == "NB-J@v2" and job["error"]["current_version"] == 2
    assert sql("SELECT max(version_number) AS n FROM artifacts")[0]["n"] == 2


async def test_async_is_a_preference(api, sql):
    """Only long operations become jobs: an append that does not execute answers at once."""
    await register(api, "NB-J", notebook("x = 20"))
    r = await api("POST", "api/notebooks/NB-J/cells", {"source": "# note", "cell_type": "markdown"}, headers=prefer_async())
    assert r.status == 201 and r.json["version_number"] == 2 and "Preference-Applied" not in r.headers
    for job_id in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        r = await api("GET", f"api/jupyter_artifacts/jobs/{job_id}")
        assert r.status == 404 and r.json["reason"] == "not_found"


async def test_a_repeated_async_request_is_the_same_job(api, sql):
    await register(api, "NB-J", notebook("x = 20"))
    body = {"source": "x * 2", "execute": True}
    first = await api("POST", "api/notebooks/NB-J/cells", body, headers=prefer_async(**{"Idempotency-Key": "job-1"}))
    again = await api("POST", "api/notebooks/NB-J/cells", body, headers=prefer_async(**{"Idempotency-Key": "job-1"}))
    assert first.status == again.status == 202 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (await finished(api, first.json["job_id"]))["status"] == "done"
    assert sql("SELECT count(*) AS n FROM jobs")[0]["n"] == 1
    assert sql("SELECT max(version_number) AS n FROM artifacts")[0]["n"] == 2
    # The synchronous form of the same body is another request: another key is needed.
    r = await api("POST", "api/notebooks/NB-J/cells", body, headers={"Idempotency-Key": "job-1"})
    assert r.status == 422
