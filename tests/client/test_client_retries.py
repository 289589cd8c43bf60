"""Retry safety against a real server: a lost reply, a database outage, a key reused for
another body, and an executed append run as a job."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from http_relay import LosingRelay
from tests_helpers import JupyterServer, ThreadedRelay, notebook

from jupyter_artifacts.client import Client, IdempotencyMismatch, Retry, StaleParent, Unavailable
from jupyter_artifacts.models.jobs import JobAccepted
from jupyter_artifacts.models.notebooks import Appended

pytestmark = pytest.mark.slow


class Log:
    """What a client sent and got, from httpx's event hooks."""

    def __init__(self):
        self.requests: list[tuple[str, str, str | None]] = []
        self.replies: list[tuple[str, int, str | None]] = []

    def hooks(self) -> dict:
        return {"request": [lambda r: self.requests.append((r.method, r.url.path, r.headers.get("Idempotency-Key")))],
                "response": [lambda r: self.replies.append((r.request.method, r.status_code,
                                                            r.headers.get("Idempotent-Replayed")))]}


@pytest.fixture
def relay(ja_server):
    r = LosingRelay(ja_server.port)
    yield r
    r.close()


def test_a_lost_reply_is_retried_with_the_same_key_and_writes_once(ja_server, relay):
    log = Log()
    with Client(f"http://127.0.0.1:{relay.port}/", ja_server.token, event_hooks=log.hooks(),
                retry=Retry(attempts=4, backoff=0.1)) as api:
        v1 = api.create_artifact(artifact_type="hypothesis", title="Lost reply")
        log.requests.clear()
        log.replies.clear()
        relay.lose_next_write()
        v2 = api.new_version(v1.artifact_id, title="Lost reply, v2")
        assert relay.lost == 1
        (m1, p1, key1), (m2, p2, key2) = log.requests  # the lost try and its retry
        assert (m1, p1) == (m2, p2) == ("POST", f"/api/artifacts/{v1.artifact_id}/versions")
        assert key1 and key1 == key2
        assert log.replies == [("POST", 201, "true")]  # the first reply, replayed
        assert v2.version_number == 2
        assert [v.version_number for v in api.list_versions(v1.artifact_id).versions] == [1, 2]


def test_the_async_client_retries_a_lost_reply_alike(ja_server, relay):
    import asyncio

    from jupyter_artifacts.client import AsyncClient

    keys = []

    async def record(request):
        if request.method == "POST":
            keys.append(request.headers.get("Idempotency-Key"))

    async def main():
        async with AsyncClient(f"http://127.0.0.1:{relay.port}/", ja_server.token, retry=Retry(attempts=4, backoff=0.1),
                               event_hooks={"request": [record]}) as api:
            v1 = await api.create_artifact(artifact_type="hypothesis", title="Async lost reply")
            keys.clear()
            relay.lose_next_write()
            v2 = await api.new_version(v1.artifact_id, title="Async lost reply, v2")
            return v2, await api.list_versions(v1.artifact_id)

    v2, versions = asyncio.run(main())
    assert relay.lost == 1 and len(keys) == 2 and keys[0] == keys[1]
    assert v2.version_number == 2 and [v.version_number for v in versions.versions] == [1, 2]


def test_a_write_that_timed_out_is_retried_with_the_same_key(ja_server, relay):
    import httpx

    log = Log()
    with Client(f"http://127.0.0.1:{relay.port}/", ja_server.token, event_hooks=log.hooks(),
                timeout=httpx.Timeout(30.0, read=1.0), retry=Retry(attempts=4, backoff=0.1)) as api:
        v1 = api.create_artifact(artifact_type="hypothesis", title="Slow reply")
        log.requests.clear()
        log.replies.clear()
        relay.lose_next_write(hold=5.0)  # longer than the client's read timeout
        v2 = api.new_version(v1.artifact_id, title="Slow reply, v2")
        (_, _, key1), (_, _, key2) = log.requests
        assert key1 == key2 and log.replies == [("POST", 201, "true")]
        assert v2.version_number == 2
        assert [v.version_number for v in api.list_versions(v1.artifact_id).versions] == [1, 2]


def test_a_lost_job_reply_resumes_the_same_job(ja_server, relay):
    log = Log()
    with Client(f"http://127.0.0.1:{relay.port}/", ja_server.token, event_hooks=log.hooks(),
                retry=Retry(attempts=4, backoff=0.1)) as api:
        nb = api.register_notebook(notebook("n = 6"), title="Lost job").notebook_id
        log.replies.clear()
        relay.lose_next_write()
        appended = api.append_cell(nb, "print(n * 7)", execute=True)
        assert relay.lost == 1 and log.replies[0] == ("POST", 202, "true")
        assert appended.outputs[0]["text"] == "42\n" and appended.version_number == 2
        assert api.get_notebook(nb).version_count == 2


def test_no_retry_when_attempts_is_one(ja_server, relay):
    import httpx

    with Client(f"http://127.0.0.1:{relay.port}/", ja_server.token, retry=1) as api:
        v1 = api.create_artifact(artifact_type="hypothesis", title="One attempt")
        relay.lose_next_write()
        with pytest.raises(httpx.TransportError):
            api.new_version(v1.artifact_id, title="One attempt, v2")


def test_connection_refused_is_retried_a_bounded_number_of_times():
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    log = Log()
    with Client(f"http://127.0.0.1:{port}/", "t", event_hooks=log.hooks(),
                retry=Retry(attempts=3, backoff=0.01)) as api, pytest.raises(httpx.ConnectError):
        api.create_artifact(artifact_type="paper", title="nowhere")
    assert len(log.requests) == 3 and len({key for _, _, key in log.requests}) == 1


def test_a_reused_key_replays_or_is_refused(ja_client):
    key = str(uuid.uuid4())
    first = ja_client.create_artifact(artifact_type="keyed", title="One", idempotency_key=key)
    again = ja_client.create_artifact(artifact_type="keyed", title="One", idempotency_key=key)
    assert again.ref == first.ref
    with pytest.raises(IdempotencyMismatch) as e:
        ja_client.create_artifact(artifact_type="keyed", title="Two", idempotency_key=key)
    assert (e.value.status, e.value.reason) == (422, "idempotency_mismatch")
    with pytest.raises(IdempotencyMismatch):  # the header of a raw request is the same key
        ja_client.request("POST", "api/artifacts", {"artifact_type": "keyed", "title": "Three"},
                          headers={"Idempotency-Key": key})
    assert [v.ref for v in ja_client.search_artifacts(type="keyed").items] == [first.ref]


def test_an_executed_append_runs_as_a_job_and_is_awaited(ja_server):
    log = Log()
    with Client(f"http://127.0.0.1:{ja_server.port}/", ja_server.token, event_hooks=log.hooks()) as api:
        nb = api.register_notebook(notebook("import sys"), title="Jobs").notebook_id
        log.replies.clear()
        appended = api.append_cell(nb, "print(sys.version_info[0])", execute=True, agent_id="ed-lein")
        assert isinstance(appended, Appended) and appended.execution.status == "ok"
        assert appended.outputs == [{"output_type": "stream", "name": "stdout", "text": "3\n"}]
        assert log.replies[0][:2] == ("POST", 202)  # accepted as a job ...
        assert log.replies[-1][:2] == ("GET", 200) and len(log.replies) >= 2  # ... and polled until done
        # A job that fails raises what the synchronous call would have raised.
        with pytest.raises(StaleParent):
            api.append_cell(nb, "print(1)", execute=True, parent_version=1)
        accepted = api.append_cell(nb, "print(2)", execute=True, wait=False)
        assert isinstance(accepted, JobAccepted) and accepted.status == "running"
        assert api.wait_job(accepted.job_id).outputs[0]["text"] == "2\n"


def test_a_write_during_a_database_outage_succeeds_once_it_is_back(tmp_path, database_url):
    db = ThreadedRelay(database_url)
    db.up()
    server = JupyterServer(tmp_path, db.url, "--JupyterArtifactsApp.pool_timeout=1.0", name="outage")
    log = Log()
    try:
        with server, Client(f"http://127.0.0.1:{server.port}/", server.token, event_hooks=log.hooks(),
                            retry=Retry(attempts=60, backoff=0.2, max_wait=1.0)) as api:
            v1 = api.create_artifact(artifact_type="hypothesis", title="Outage")
            db.down()
            with Client(f"http://127.0.0.1:{server.port}/", server.token, retry=Retry(attempts=2, backoff=0.05)) \
                    as impatient, pytest.raises(Unavailable) as spent:
                impatient.get_version(v1.ref)
            assert (spent.value.status, spent.value.reason) == (503, "unavailable")
            outcome: dict = {}

            def write():
                try:
                    outcome["version"] = api.new_version(v1.artifact_id, title="Outage, v2")
                except Exception as e:  # noqa: BLE001 - reported by the assertion below
                    outcome["error"] = e

            writer = threading.Thread(target=write)
            writer.start()
            deadline = time.monotonic() + 60
            while not any(status == 503 for _, status, _ in log.replies) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2)  # the database stays away a little longer; the client keeps retrying
            db.up()
            writer.join(timeout=150)
            assert "error" not in outcome, outcome
            assert outcome["version"].version_number == 2
            assert any(status == 503 for _, status, _ in log.replies)
            keys = {key for method, _, key in log.requests if method == "POST"}
            assert len(keys) == 2  # one per call: the create, and the new version with all its retries
            assert [v.version_number for v in api.list_versions(v1.artifact_id).versions] == [1, 2]
    finally:
        db.close()
