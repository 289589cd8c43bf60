"""Executing an appended cell, or replaying a version, needs the `execute` permission, not only `write`."""

from __future__ import annotations

import pytest
from jupyter_server.auth.authorizer import Authorizer

NB = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}


class NoExecute(Authorizer):
    def is_authorized(self, handler, user, action, resource):
        return action != "execute"


@pytest.fixture
def jp_server_config(jp_server_config):
    return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"], "authorizer_class": NoExecute}}


async def test_execution_needs_execute_permission(api, sql):
    await api("POST", "api/notebooks", {"id": "NB-P", "notebook": NB})
    r = await api("POST", "api/notebooks/NB-P/cells", {"source": "x", "execute": True})
    assert r.status == 403 and "execute" in r.json["message"]
    assert (await api("POST", "api/notebooks/NB-P/cells", {"source": "x"})).status == 201
    assert sql("SELECT count(*) AS n FROM artifacts")[0]["n"] == 2


async def test_replaying_needs_execute_and_reading_replays_does_not(api, sql):
    await api("POST", "api/notebooks", {"id": "NB-R", "notebook": NB})
    r = await api("POST", "api/notebooks/NB-R/versions/1/replay", {})
    assert r.status == 403 and r.json["reason"] == "forbidden", r
    assert sql("SELECT count(*) AS n FROM jupyter_artifacts_replays")[0]["n"] == 0
    r = await api("GET", "api/notebooks/NB-R/versions/1/replays")
    assert r.status == 200 and r.json == {"items": [], "next_cursor": None}
    assert (await api("GET", "api/notebooks/NB-R/replays")).json["items"] == []
