"""Page iteration of the sync client follows `next_cursor` until the last page."""

from __future__ import annotations

import pytest

from jupyter_artifacts.client import Client

pytestmark = pytest.mark.slow


def test_iter_artifacts_walks_every_page(ja_server, ja_client):
    made = {ja_client.create_artifact(artifact_type="paged", title=f"Paged {i}").ref for i in range(7)}
    cursors = []
    hooks = {"request": [lambda r: cursors.append(r.url.params.get("cursor"))]}
    with Client(f"http://127.0.0.1:{ja_server.port}/", ja_server.token, event_hooks=hooks) as api:
        seen = [v.ref for v in api.iter_artifacts(type="paged", limit=3)]
        assert sorted(seen) == sorted(made)  # each once, none missing
        assert len(cursors) == 3 and cursors[0] is None and all(cursors[1:])
        first = api.search_artifacts(type="paged", limit=3)
        assert len(first.items) == 3 and first.next_cursor
        rest = api.search_artifacts(type="paged", limit=10, cursor=first.next_cursor)
        assert {v.ref for v in first.items} | {v.ref for v in rest.items} == made and rest.next_cursor is None
