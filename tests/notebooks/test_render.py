"""The HTML renderer: real nbconvert in a recycled worker process that holds no secrets."""

from __future__ import annotations

import asyncio
import os

import pytest

from jupyter_artifacts.errors import RenderFailed
from jupyter_artifacts.notebooks.render import RenderPool

pytestmark = pytest.mark.slow  # spawns a Python process that imports nbconvert


def notebook(text: str) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "markdown", "id": "m1", "metadata": {}, "source": text},
                      {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 1,
                       "source": "print('<b>hi</b>')",
                       "outputs": [{"output_type": "stream", "name": "stdout", "text": "<b>hi</b>\n"}]}]}


async def in_worker(pool: RenderPool, fn, *args):
    return await asyncio.wrap_future(pool._pool().submit(fn, *args))


@pytest.fixture
def pool():
    pool = RenderPool(tasks_per_worker=2)
    yield pool
    pool.close()


async def test_renders_in_a_process_other_than_the_server(pool):
    html = await pool.render(notebook("# A heading"))
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "A heading" in html
    assert "&lt;b&gt;hi&lt;/b&gt;" in html  # a stream output is text, escaped
    worker = await in_worker(pool, os.getpid)
    assert worker != os.getpid()


async def test_the_worker_never_sees_the_servers_secrets(pool, monkeypatch):
    monkeypatch.setenv("JUPYTER_ARTIFACTS_DATABASE_URL", "postgresql://u:hunter2@db/x")
    monkeypatch.setenv("JUPYTER_TOKEN", "t0ken")
    monkeypatch.setenv("PGPASSWORD", "hunter2")
    await pool.render(notebook("x"))
    for name in ("JUPYTER_ARTIFACTS_DATABASE_URL", "JUPYTER_TOKEN", "PGPASSWORD"):
        assert await in_worker(pool, os.getenv, name) is None, name
    assert await in_worker(pool, os.getenv, "PATH") == os.environ["PATH"]


async def test_the_worker_is_replaced_every_few_renders(pool):
    pids = {await in_worker(pool, os.getpid) for _ in range(6)}
    assert len(pids) >= 3  # two tasks per worker


async def test_a_dead_worker_fails_one_render_with_a_sentence_and_the_next_one_works(pool):
    await pool.render(notebook("warm"))
    with pytest.raises(Exception):
        await in_worker(pool, os._exit, 3)
    # The pool that lost its worker is replaced; the render after it succeeds.
    assert "after" in await pool.render(notebook("after"))
    # A worker dying under a render turns into RenderFailed (500, a sentence), then recovers.
    executor = pool._pool()
    victim = executor.submit(os._exit, 9)
    rendered, _ = await asyncio.gather(pool.render(notebook("x")), asyncio.wrap_future(victim),
                                       return_exceptions=True)
    assert isinstance(rendered, RenderFailed) and "renderer process died" in str(rendered), rendered
    assert rendered.status == 500
    assert "again" in await pool.render(notebook("again"))
