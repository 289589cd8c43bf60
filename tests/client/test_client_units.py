"""The client's pieces that need no server: refs, configuration, error mapping, retry delays,
and bodies refused before anything is sent."""

from __future__ import annotations

import pytest

from jupyter_artifacts.client import (
    ArtifactsAPIError,
    Client,
    Closed,
    Forbidden,
    IdempotencyMismatch,
    Invalid,
    MergeConflict,
    Ref,
    Retry,
    StaleParent,
    Unauthorized,
    Unavailable,
)
from jupyter_artifacts.client.errors import error_for


def test_ref_parts_and_building():
    r = Ref("NB-12@v3")
    assert (r.artifact_id, r.version, r.bare) == ("NB-12", 3, "NB-12") and r == "NB-12@v3"
    assert Ref("NB-12").version is None and Ref.of("NB-12", 4) == "NB-12@v4" and Ref.of("NB-12") == "NB-12"
    assert Ref(r) is r and isinstance(Ref.of("x", 1), str)
    for bad in ("", "NB 12", "NB-12@v0", "NB-12@3", "a/b", "@v1"):
        with pytest.raises(ValueError):
            Ref(bad)


def test_configuration_from_the_environment_and_jupyters_url(monkeypatch):
    monkeypatch.setenv("JUPYTER_ARTIFACTS_URL", "http://example.org:8888/user/ed")
    monkeypatch.setenv("JUPYTER_ARTIFACTS_TOKEN", "secret")
    api = Client()
    assert (api.url, api.token) == ("http://example.org:8888/user/ed/", "secret")
    monkeypatch.delenv("JUPYTER_ARTIFACTS_TOKEN")
    printed = Client("http://127.0.0.1:8888/lab?token=abc123")  # as `jupyter lab` prints it
    assert (printed.url, printed.token) == ("http://127.0.0.1:8888/", "abc123")
    request = printed._http.build_request("GET", "api/artifacts")
    assert str(request.url) == "http://127.0.0.1:8888/api/artifacts"
    assert request.headers["Authorization"] == "token abc123"


def test_errors_by_reason_then_status():
    stale = error_for(409, {"message": "m", "reason": "stale_parent", "current_version": 4, "current_ref": "X@v4"})
    assert type(stale) is StaleParent and stale.current_ref == Ref("X@v4") and stale.current_version == 4
    assert type(error_for(409, {"message": "m", "reason": "closed"})) is Closed
    assert type(error_for(422, {"message": "m", "reason": "idempotency_mismatch"})) is IdempotencyMismatch
    assert type(error_for(503, {"message": "m", "reason": "unavailable"})) is Unavailable
    assert type(error_for(401, {"message": "m", "reason": "invalid"})) is Unauthorized
    assert type(error_for(403, None, "<html>Forbidden</html>")) is Forbidden
    plain = error_for(502, None, "Bad gateway")
    assert type(plain) is ArtifactsAPIError and plain.message == "Bad gateway" and plain.status == 502
    conflict = error_for(409, {"message": "m", "reason": "merge_conflict", "base": {}, "local": {}, "remote": {},
                               "merge_decisions": [{"conflict": True}], "conflicts": 1})
    assert type(conflict) is MergeConflict and conflict.conflict.conflicts == 1


def test_retry_delays_grow_are_bounded_and_honour_retry_after():
    retry = Retry(attempts=5, backoff=1.0, max_wait=5.0)
    for failures in range(1, 8):
        base = min(2 ** (failures - 1), 5.0)
        assert base / 2 <= retry.delay(failures) <= base
    assert retry.delay(1, retry_after=3.0) == 3.0
    assert retry.delay(1, retry_after=60.0) == 5.0


def test_bodies_are_checked_before_sending():
    api = Client("http://127.0.0.1:9/", "t", retry=1)  # nothing listens: only a local refusal can pass
    with pytest.raises(Invalid) as e:
        api.create_artifact(artifact_type="paper", title="t", statement="misplaced")
    assert "'statement'" in e.value.message and e.value.errors[0]["loc"] == ["statement"]
    with pytest.raises(Invalid) as e:
        api.append_cell("NB-1", "print(1)", cell_type="markdown", execute=True)
    assert "only code cells" in e.value.message
    with pytest.raises(Invalid):
        api.tag_version("NB-1", "baseline")  # a tag names one version: X@vN
    with pytest.raises(Invalid):
        api.get_lineage("NB-1", max_depth=99)
    with pytest.raises(Invalid):
        api.pull_into_chamber("c", [{"artifact_id": "P-1", "role": "owner"}])
