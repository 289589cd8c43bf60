"""Refusals become the exception of their `reason`, carrying what the reply says; a body the
server would refuse is refused before it is sent, in the server's words."""

from __future__ import annotations

import pytest
from tests_helpers import notebook

from jupyter_artifacts.client import (
    ArtifactsAPIError,
    Client,
    Closed,
    Conflict,
    Invalid,
    MergeConflict,
    NoCommonAncestor,
    NotFound,
    Ref,
    StaleParent,
    TooLarge,
    Unauthorized,
)

pytestmark = pytest.mark.slow


def counting_client(server, **kw):
    sent = []
    hooks = {"request": [lambda r: sent.append((r.method, r.url.path))]}
    return Client(f"http://127.0.0.1:{server.port}/", server.token, event_hooks=hooks, **kw), sent


def test_not_found_is_not_retried(ja_server):
    api, sent = counting_client(ja_server)
    with api, pytest.raises(NotFound) as e:
        api.get_version("no-such-artifact@v1")
    assert (e.value.status, e.value.reason) == (404, "not_found") and "no-such-artifact" in e.value.message
    assert isinstance(e.value, LookupError) and isinstance(e.value, ArtifactsAPIError)
    assert len(sent) == 1  # a 4xx is an answer, not a failure to get one


def test_stale_parent_names_the_head(ja_client):
    v1 = ja_client.create_artifact(artifact_type="hypothesis", title="Stale")
    v2 = ja_client.new_version(v1.artifact_id, title="Stale, v2")
    with pytest.raises(StaleParent) as e:
        ja_client.new_version(v1.artifact_id, parent_version=1, title="Stale, from v1")
    assert isinstance(e.value, Conflict) and e.value.status == 409
    assert e.value.current_ref == v2.ref and isinstance(e.value.current_ref, Ref) and e.value.current_version == 2
    assert [v.version_number for v in ja_client.list_versions(v1.artifact_id).versions] == [1, 2]


def test_unknown_field_refused_by_the_server_and_locally_alike(ja_client):
    with pytest.raises(Invalid) as server:
        ja_client.request("POST", "api/artifacts", {"artifact_type": "paper", "title": "t", "agentid": "ed"})
    assert server.value.status == 400 and "agentid" in server.value.message and "agent_id" in server.value.message
    assert [e["loc"] for e in server.value.errors] == [["agentid"]]
    with pytest.raises(Invalid) as local:
        ja_client.create_artifact(artifact_type="paper", title="t", agentid="ed")
    assert local.value.message == server.value.message and local.value.errors == server.value.errors
    assert not ja_client.search_artifacts(type="paper").items  # neither wrote anything


def test_credentials_refused_with_401(ja_server):
    with Client(f"http://127.0.0.1:{ja_server.port}/", "not-the-token") as api, pytest.raises(Unauthorized) as e:
        api.search_artifacts()
    assert e.value.status == 401


def test_closed_too_large_and_merge_refusals(ja_client):
    api = ja_client
    hyp = api.create_artifact(artifact_type="hypothesis", title="Closing")
    debate = api.open_debate(hyp.ref, "Closing?")
    api.close_debate(debate.id)
    with pytest.raises(Closed):
        api.post_round(debate.id, "too late", actor_id="ed-lein")
    with pytest.raises(Closed):
        api.pull_into_chamber(debate.chamber_id, [hyp.ref])

    nb = api.register_notebook(notebook("x = 1"), title="Merging").notebook_id
    with pytest.raises(TooLarge) as big:
        api.append_cell(nb, "#" * (2 * 1024 * 1024))
    assert big.value.status == 413

    fork = api.fork_artifact(nb)
    head = api.export_notebook(Ref.of(nb, 1))
    del head["metadata"]["jupyter_artifacts"]
    ours, theirs = head, {**head, "cells": [dict(head["cells"][0])]}
    ours["cells"][0]["source"] = "x = 2"
    theirs["cells"][0]["source"] = "x = 3"
    api.commit_notebook(nb, ours)
    api.commit_notebook(fork.artifact_id, theirs)
    with pytest.raises(MergeConflict) as conflict:
        api.merge_notebook(nb, Ref.of(fork.artifact_id, 2))
    detail = conflict.value.conflict
    assert detail.reason == "merge_conflict" and detail.merge_decisions and detail.base["cells"]
    assert api.get_notebook(nb).latest_version == 2  # nothing stored

    other = api.register_notebook(notebook("y = 1"), title="Unrelated").notebook_id
    with pytest.raises(NoCommonAncestor):
        api.merge_notebook(nb, other)
