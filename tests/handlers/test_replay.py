"""Replays over REST (API.md, "Replay"): real server, real kernels, PostgreSQL, nbdime."""

from __future__ import annotations

import asyncio
import json
import uuid

import nbdime
import pytest
from live_subscriber import Subscriber, has
from tests_helpers import JupyterServer

from jupyter_artifacts.notebooks.replay_compare import replayed_notebook
from jupyter_artifacts.notebooks.replay_run import ReplayRun

pytestmark = pytest.mark.slow

SPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def code(source: str, outputs: list | None = None, cell_id: str | None = None) -> dict:
    return {"cell_type": "code", "id": cell_id or f"c{uuid.uuid4().hex[:8]}", "source": source, "metadata": {},
            "outputs": outputs or [], "execution_count": None}


def stdout(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def nb(*cells: dict) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": SPEC}, "cells": list(cells)}


MARKDOWN = {"cell_type": "markdown", "id": "notes", "source": "## Notes", "metadata": {}}
DETERMINISTIC = nb(
    code("x = 6 * 7\nprint(x)", [stdout("42\n")], "answer"),
    MARKDOWN,
    code("x / 2", [{"output_type": "execute_result", "execution_count": 2, "metadata": {},
                    "data": {"text/plain": "21.0"}}], "half"),
)
RANDOM = nb(code("import random"), code("print(random.random())", [stdout("0.8444218515250481\n")], "dice"))


@pytest.fixture
def artifacts_config():
    return {"cell_timeout": 20.0}


async def register(api, nb_id: str, notebook: dict) -> None:
    r = await api("POST", "api/notebooks", {"id": nb_id, "notebook": notebook})
    assert r.status == 201, r


async def start(api, ref: str, n: int = 1, body: dict | None = None, **kw):
    return await api("POST", f"api/notebooks/{ref}/versions/{n}/replay", body if body is not None else {}, **kw)


async def finished(api, replay_id: str) -> dict:
    """Poll the replay until it is no longer running (the cap only stops a hung test)."""
    for _ in range(1200):
        r = await api("GET", f"api/replays/{replay_id}")
        assert r.status == 200, r
        if r.json["status"] != "running":
            return r.json
        await asyncio.sleep(0.1)
    raise AssertionError(f"replay {replay_id} never finished: {r.json}")


async def replay(api, ref: str, n: int = 1, body: dict | None = None) -> dict:
    r = await start(api, ref, n, body)
    assert r.status == 202, r
    return await finished(api, r.json["replay_id"])


def count(sql, table: str) -> int:
    return sql(f"SELECT count(*) AS n FROM {table}")[0]["n"]


async def test_a_deterministic_notebook_reproduces(api, sql, jp_base_url):
    await register(api, "NB-D", DETERMINISTIC)
    versions = count(sql, "artifacts")
    r = await start(api, "NB-D", 1, {"agent_id": "ed-lein"})
    assert r.status == 202, r
    assert r.json["status"] == "running" and uuid.UUID(r.json["replay_id"])
    assert r.json["href"].endswith(f"api/replays/{r.json['replay_id']}") and r.headers["Location"] == r.json["href"]
    done = await finished(api, r.json["replay_id"])
    assert done["status"] == "reproduced", done
    assert done["ref"] == "NB-D@v1" and done["notebook_id"] == "NB-D" and done["version_number"] == 1
    assert [(c["index"], c["cell_id"], c["verdict"]) for c in done["cells"]] == [
        (0, "answer", "same"), (1, "notes", "skipped"), (2, "half", "same")]
    assert done["counts"] == {"code_cells": 2, "same": 2, "differs": 0, "error": 0, "skipped": 1}
    assert done["progress"] == {"done": 2, "total": 2}
    assert done["kernel"]["name"] == "python3" and done["kernel"]["language_version"]
    env = done["environment"]
    assert env["python"] and env["packages_hash"].startswith("sha256:") and env["source"] == "kernel"
    assert any(p.startswith("ipykernel==") for p in env["packages"])
    assert done["duration_ms"] > 0 and done["finished_at"] >= done["created_at"] and done["message"] is None
    assert done["created_by"]["actor_type"] == "agent" and done["created_by"]["actor_id"] == "ed-lein"
    assert done["recorded_by"] and done["created_by"]["recorded_by"] == done["recorded_by"]
    assert done["timeout_s"] == 600
    # A replay never creates a version.
    assert count(sql, "artifacts") == versions
    assert (await api("GET", "api/notebooks/NB-D")).json["version_count"] == 1


async def test_random_output_differs_naming_the_cell_and_the_diff_is_nbdimes(api, sql):
    await register(api, "NB-R", RANDOM)
    done = await replay(api, "NB-R")
    assert done["status"] == "differs", done
    assert [(c["cell_id"], c["verdict"]) for c in done["cells"]] == [(done["cells"][0]["cell_id"], "same"),
                                                                      ("dice", "differs")]
    assert done["cells"][1]["detail"] and done["counts"]["differs"] == 1
    r = await api("GET", f"api/replays/{done['replay_id']}/diff")
    assert r.status == 200, r
    d = r.json
    stored = (await api("GET", "api/artifacts/NB-R@v1")).json["content"]
    assert d["base"] == stored and d["replay_id"] == done["replay_id"] and d["ref"] == "NB-R@v1"
    row = sql("SELECT outputs, kernel, environment, duration_ms FROM jupyter_artifacts_replays")[0]
    run = ReplayRun(status="ok", duration_ms=row["duration_ms"], outputs=row["outputs"]["outputs"],
                    replies=row["outputs"]["replies"], failed_cell_index=None, message=None, kernel=row["kernel"],
                    environment=row["environment"])
    replayed = replayed_notebook(stored, run)
    assert json.dumps(d["diff"], sort_keys=True) == json.dumps(nbdime.diff_notebooks(stored, replayed), sort_keys=True)
    # Cell 0 differs only in its execution count (which the verdict ignores and nbdime does not).
    assert 1 in d["summary"]["modified"] and d["summary"]["added"] == d["summary"]["removed"] == []
    printed = replayed["cells"][1]["outputs"][0]["text"]
    assert printed != "0.8444218515250481\n" and float(printed) < 1


async def test_a_cell_that_raises_fails_and_a_stored_error_is_same(api):
    stored_error = {"output_type": "error", "ename": "KeyError", "evalue": "'a'", "traceback": ["KeyError: 'a'"]}
    await register(api, "NB-F", nb(code("{}['a']", [stored_error]), code("1 / 0", [], "boom"), code("print('after')",
                                                                                             [stdout("after\n")])))
    done = await replay(api, "NB-F")
    assert done["status"] == "failed", done
    verdicts = {c["index"]: c for c in done["cells"]}
    assert verdicts[0]["verdict"] == "same" and verdicts[1]["verdict"] == "error"
    assert "ZeroDivisionError" in verdicts[1]["detail"] and verdicts[2]["verdict"] == "same"


async def test_a_replay_past_its_timeout_is_killed(api):
    await register(api, "NB-T", nb(code("x = 1", [], "quick"), code("import time\ntime.sleep(60)", [], "slow"),
                                   code("print(x)", [stdout("1\n")], "never")))
    done = await replay(api, "NB-T", 1, {"timeout_s": 3})
    assert done["status"] == "timeout", done
    assert done["message"] and done["timeout_s"] == 3
    verdicts = {c["cell_id"]: c["verdict"] for c in done["cells"]}
    assert verdicts["slow"] == "error" and verdicts["never"] == "skipped"
    assert done["progress"] == {"done": 2, "total": 3}  # the cell it stopped in counts as passed
    # A timed-out replay ran cells: its diff exists.
    assert (await api("GET", f"api/replays/{done['replay_id']}/diff")).status == 200


async def test_an_nbval_skip_cell_is_skipped_and_counted_as_passed(api):
    skip = code("# NBVAL_SKIP\nraise SystemExit('not run')", [], "skipme")
    await register(api, "NB-S", nb(code("print(1)", [stdout("1\n")], "one"), skip))
    done = await replay(api, "NB-S")
    assert done["status"] == "reproduced", done
    assert [c["verdict"] for c in done["cells"]] == ["same", "skipped"]
    assert done["progress"] == {"done": 2, "total": 2}


async def test_replays_list_newest_first_a_page_at_a_time(api):
    await register(api, "NB-L", nb(MARKDOWN))  # no code cell: no kernel needed
    ids = [(await replay(api, "NB-L"))["replay_id"] for _ in range(3)]
    first = await api("GET", "api/notebooks/NB-L/versions/1/replays", params={"limit": 2})
    assert first.status == 200, first
    assert [i["replay_id"] for i in first.json["items"]] == ids[::-1][:2] and first.json["next_cursor"]
    assert all(i["status"] == "reproduced" and i["counts"]["code_cells"] == 0 for i in first.json["items"])
    rest = await api("GET", "api/notebooks/NB-L/versions/1/replays",
                     params={"limit": 2, "cursor": first.json["next_cursor"]})
    assert [i["replay_id"] for i in rest.json["items"]] == ids[:1] and rest.json["next_cursor"] is None
    latest = await api("GET", "api/notebooks/NB-L/replays")
    assert latest.status == 200 and latest.json["notebook_id"] == "NB-L"
    assert [i["replay_id"] for i in latest.json["items"]] == [ids[-1]]
    bad = await api("GET", "api/notebooks/NB-L/versions/1/replays", params={"cursor": "nonsense"})
    assert bad.status == 400


async def test_unknown_ids_are_404s(api, sql):
    await register(api, "NB-U", nb(MARKDOWN))
    unknown = str(uuid.uuid4())
    for method, path in (("POST", "api/notebooks/NOPE/versions/1/replay"), ("POST", "api/notebooks/NB-U/versions/9/replay"),
                         ("GET", f"api/replays/{unknown}"), ("GET", "api/replays/not-a-uuid"),
                         ("GET", f"api/replays/{unknown}/diff"), ("GET", "api/notebooks/NB-U/versions/9/replays"),
                         ("GET", "api/notebooks/NOPE/versions/1/replays"), ("GET", "api/notebooks/NOPE/replays")):
        r = await api(method, path, {} if method == "POST" else None)
        assert r.status == 404 and r.json["reason"] == "not_found", (method, path, r)
    assert count(sql, "jupyter_artifacts_replays") == 0


async def test_bad_bodies_are_400s_and_start_nothing(api, sql):
    await register(api, "NB-B", DETERMINISTIC)
    r = await start(api, "NB-B", 1, {"timeout": 5})
    assert r.status == 400 and "'timeout'" in r.json["message"] and "timeout_s" in r.json["message"]
    for timeout in (0, 0.5, -3, 10 ** 6, "soon"):
        r = await start(api, "NB-B", 1, {"timeout_s": timeout})
        assert r.status == 400 and r.json["reason"] == "invalid", (timeout, r)
    r = await start(api, "NB-B", 1, {"kernel_name": "no-such-kernel"})
    assert r.status == 400 and "no-such-kernel" in r.json["message"] and "python3" in r.json["message"]
    assert "python3" in r.json["available_kernels"]
    assert count(sql, "jupyter_artifacts_replays") == 0


async def test_without_a_token_every_replay_route_is_401(api):
    unknown = str(uuid.uuid4())
    for method, path in (("POST", "api/notebooks/NB-1/versions/1/replay"), ("GET", f"api/replays/{unknown}"),
                         ("GET", "api/notebooks/NB-1/versions/1/replays"), ("GET", "api/notebooks/NB-1/replays"),
                         ("GET", f"api/replays/{unknown}/diff")):
        r = await api(method, path, {} if method == "POST" else None, headers={"Authorization": ""})
        assert r.status == 401 and r.json["reason"] == "unauthorized", (method, path, r)


async def test_a_repeated_post_with_one_idempotency_key_starts_one_replay(api, sql):
    await register(api, "NB-K", nb(MARKDOWN))
    first = await start(api, "NB-K", 1, {"timeout_s": 30}, headers={"Idempotency-Key": "replay-once"})
    again = await start(api, "NB-K", 1, {"timeout_s": 30}, headers={"Idempotency-Key": "replay-once"})
    assert first.status == again.status == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    other = await start(api, "NB-K", 1, {"timeout_s": 31}, headers={"Idempotency-Key": "replay-once"})
    assert other.status == 422 and other.json["reason"] == "idempotency_mismatch"
    await finished(api, first.json["replay_id"])
    assert count(sql, "jupyter_artifacts_replays") == 1


async def test_a_stale_running_replay_reads_as_failed(api, sql):
    await register(api, "NB-S", nb(MARKDOWN))
    done = await replay(api, "NB-S")
    row = sql("SELECT artifact_id, version_id, version_number FROM jupyter_artifacts_replays")[0]
    stale = str(uuid.uuid4())
    sql("INSERT INTO jupyter_artifacts_replays (id, artifact_id, version_id, version_number, timeout_s, beat_at, "
        "created_at) VALUES (%s, %s, %s, %s, 60, now() - interval '1 hour', now() - interval '1 hour')",
        (stale, row["artifact_id"], row["version_id"], row["version_number"]))
    r = (await api("GET", f"api/replays/{stale}")).json
    assert r["status"] == "failed" and "stopped" in r["message"]
    assert (await api("GET", f"api/replays/{stale}/diff")).status == 409
    # A finished replay never changes, whoever writes.
    with pytest.raises(Exception, match="never changes"):
        sql("UPDATE jupyter_artifacts_replays SET status = 'differs' WHERE id = %s", (done["replay_id"],))


async def test_the_replay_live_event_arrives(tmp_path, database_url):
    with JupyterServer(tmp_path, database_url, name="replays") as server:
        status, _ = server.call("POST", "/api/notebooks", {"id": "NB-E", "notebook": DETERMINISTIC})
        assert status == 201
        async with Subscriber(server) as sub:
            status, accepted = server.call("POST", "/api/notebooks/NB-E/versions/1/replay", {})
            assert status == 202, accepted
            rid = accepted["replay_id"]
            await sub.until(has(kind="replay", action="started", replay_id=rid, ref="NB-E@v1"), timeout=30)
            await sub.until(has(kind="replay", action="finished", replay_id=rid, artifact_id="NB-E",
                                version_number=1), timeout=120)
        status, done = server.call("GET", f"/api/replays/{rid}")
        assert status == 200 and done["status"] == "reproduced", done
