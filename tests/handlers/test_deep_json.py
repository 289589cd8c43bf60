"""JSON nesting (API.md, "Errors"): a write nested deeper than the limit is a 400 that stores
nothing; whatever a write accepted reads back; values other writers stored deeper still
read back verbatim, and never give a 500."""

from __future__ import annotations

import json

import pytest

from jupyter_artifacts.json_limits import MAX_DEPTH

UUID0 = "00000000-0000-4000-8000-000000000000"
TABLES = ("artifacts", "artifact_tags", "artifact_links", "processing_steps", "notebooks", "notebook_cells",
          "chambers", "chamber_artifacts", "debate_sessions", "debate_rounds")


def nested(depth: int, leaf: str = "1") -> str:
    """JSON text of `depth` containers (alternating objects and lists) around `leaf`."""
    opens = "".join('{"k": ' if i % 2 == 0 else "[" for i in range(depth))
    closes = "".join("}" if i % 2 == 0 else "]" for i in reversed(range(depth)))
    return opens + leaf + closes


def value(depth: int, leaf: str = "1"):
    return json.loads(nested(depth, leaf))


def counts(sql) -> dict:
    return {t: sql(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in TABLES}


# -- writes --------------------------------------------------------------------------------

def write_routes(deep: str) -> list[tuple[str, str, str]]:
    """(method, path, raw body) for every write route, each with a deep value inside."""
    nb = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [' \
         '{"cell_type": "code", "source": "1", "metadata": {"deep": %s}, "outputs": [], ' \
         '"execution_count": null}]}' % deep
    return [
        ("POST", "api/artifacts", '{"artifact_type": "paper", "title": "t", "content": %s}' % deep),
        ("POST", "api/artifacts", '{"artifact_type": "paper", "title": "t", "ignored": %s}' % deep),
        ("POST", "api/artifacts/H-1/versions", '{"metadata": {"m": %s}}' % deep),
        ("POST", "api/artifacts/H-1/versions/1/tags", '{"tag": "x", "extra": %s}' % deep),
        ("PATCH", "api/artifacts/H-1/versions/1", '{"lifecycle_state": "retracted", "x": %s}' % deep),
        ("POST", "api/artifact-links", '{"source": "H-1", "target": "NB-1", "link_type": "cites", '
                                       '"parameters": %s}' % deep),
        ("POST", "api/notebooks", '{"id": "NB-2", "notebook": %s}' % nb),
        ("POST", "api/notebooks/NB-1/cells", '{"source": "1", "metadata": {"m": %s}}' % deep),
        ("POST", "api/notebooks/NB-1/cells", '{"source": "1", "parameters": %s}' % deep),
        ("POST", "api/chambers", '{"name": "c", "purpose": "debate", "x": %s}' % deep),
        ("POST", f"api/chambers/{UUID0}/pull", '[{"artifact_id": "H-1", "x": %s}]' % deep),
        ("POST", f"api/chambers/{UUID0}/close", '{"result": {"artifact_type": "paper", "title": "r", '
                                                '"content": %s}}' % deep),
        ("POST", "api/personas/P-1/workspace", '{"x": %s}' % deep),
        ("POST", "api/debates", '{"target_artifact_id": "H-1", "topic": "t", "x": %s}' % deep),
        ("POST", "api/debates/deb-1/rounds", '{"actor_id": "p", "content": "c", "x": %s}' % deep),
        ("POST", "api/debates/deb-1/close", '{"verdict": "v", "x": %s}' % deep),
    ]


async def seed(api):
    h1 = await api("POST", "api/artifacts", {"id": "H-1", "artifact_type": "hypothesis", "title": "h"})
    assert h1.status == 201
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    assert (await api("POST", "api/notebooks", {"id": "NB-1", "notebook": nb})).status == 201


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 600, 5000])
async def test_every_write_refuses_too_deep_a_body_and_stores_nothing(api, sql, depth):
    await seed(api)
    before = counts(sql)
    for method, path, raw in write_routes(nested(depth)):
        r = await api(method, path, raw=raw)
        assert r.status == 400, (method, path, r)
        assert r.json["reason"] == "invalid" and f"deeper than {MAX_DEPTH} levels" in r.json["message"], r
        assert len(r.text) < 500
    assert counts(sql) == before


async def test_the_limit_itself_is_accepted_and_reads_back(api, sql):
    """A body exactly MAX_DEPTH deep (values one level less) is stored, and every read of it works."""
    await seed(api)
    deep = value(MAX_DEPTH - 1)
    body = {"id": "D-1", "artifact_type": "dataset", "title": "deep", "content": deep}
    r = await api("POST", "api/artifacts", body)
    assert r.status == 201, r
    assert r.json["content"] == deep
    changed = value(MAX_DEPTH - 1, leaf="2")
    r = await api("POST", "api/artifacts/D-1/versions", {"content": changed, "metadata": {"m": value(MAX_DEPTH - 3)},
                                                       "parameters": value(MAX_DEPTH - 2)})
    assert r.status == 201, r
    for path in ("api/artifacts/D-1", "api/artifacts/D-1@v1", "api/artifacts/D-1/versions",
                 "api/artifacts/D-1/versions/2", "api/artifacts/D-1/links"):
        assert (await api("GET", path)).status == 200, path
    assert (await api("GET", "api/artifacts", params={"type": "dataset"})).status == 200
    diff = await api("GET", "api/artifacts/D-1/diff", params={"from": "1", "to": "2"})
    assert diff.status == 200 and diff.json["fields"]["content"] == {"old": deep, "new": changed}
    for fmt in ("json", "prov-json"):
        lineage = await api("GET", "api/artifacts/D-1/lineage", params={"format": fmt})
        assert lineage.status == 200, lineage
    edge = (await api("GET", "api/artifacts/D-1/lineage")).json["edges"][0]
    assert edge["parameters"] == value(MAX_DEPTH - 2)

    # A notebook: a cell's metadata at the limit, appended twice, diffed, rendered.
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "x = 1", "metadata": value(MAX_DEPTH - 2)})
    assert r.status == 201, r
    r = await api("POST", "api/notebooks/NB-1/cells", {"source": "y = 2", "metadata": value(MAX_DEPTH - 2, "3")})
    assert r.status == 201, r
    for fmt in ("json", "ipynb", "html"):
        assert (await api("GET", "api/notebooks/NB-1/versions/3", params={"format": fmt})).status == 200, fmt
    d = await api("GET", "api/notebooks/NB-1/diff", params={"from": "1", "to": "3"})
    assert d.status == 200 and d.json["summary"]["added"] == [0, 1], d
    # Registering a notebook whose cell metadata is as deep as a body allows.
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "markdown", "source": "m", "metadata": value(MAX_DEPTH - 4)}]}
    r = await api("POST", "api/notebooks", {"id": "NB-3", "notebook": nb})
    assert r.status == 201, r
    exported = await api("GET", "api/notebooks/NB-3/versions/1", params={"format": "ipynb"})
    again = await api("POST", "api/notebooks", {"id": "NB-4", "notebook": exported.json})
    assert again.status == 201, again  # what the server hands out, it takes back


async def test_notebook_from_contents_is_held_to_the_same_limit(api, sql, jp_root_dir):
    await seed(api)
    cell = '{"id": "c1", "cell_type": "markdown", "source": "m", "metadata": {"m": %s}}'
    for depth, status in ((MAX_DEPTH - 5, 201), (MAX_DEPTH, 400), (3000, 400)):
        text = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [%s]}' % (cell % nested(depth))
        (jp_root_dir / f"deep{depth}.ipynb").write_text(text)
        r = await api("POST", "api/notebooks", {"id": f"F-{depth}", "path": f"deep{depth}.ipynb"})
        assert r.status == status, (depth, r)
        if status == 400:
            assert f"deeper than {MAX_DEPTH - 1} levels" in r.json["message"] or "cannot be read" in r.json["message"]


# -- what other writers stored -----------------------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 300, 3000])
async def test_deep_rows_other_services_wrote_read_back_verbatim(api, sql, depth):
    await seed(api)  # migrates the schema; then another service writes directly
    sql("INSERT INTO artifacts (id, artifact_type, title, version_number, content, metadata) "
        "VALUES ('L-1', 'hypothesis', 'legacy', 1, %s::jsonb, %s::jsonb)",
        (nested(depth), '{"m": %s}' % nested(depth, '"x"')))
    sql("INSERT INTO artifacts (id, artifact_type, title, version_number, parent_version_id, content) "
        "VALUES ('L-1-v2', 'hypothesis', 'legacy 2', 2, 'L-1', %s::jsonb)", (nested(depth, "2"),))
    stored = sql("SELECT id, content::text AS c, metadata::text AS m FROM artifacts WHERE artifact_id = 'L-1' "
                 "ORDER BY version_number")
    v1 = await api("GET", "api/artifacts/L-1@v1")
    assert v1.status == 200, v1
    # The reply carries PostgreSQL's own text of the deep part, untouched.
    assert stored[0]["c"] in v1.text or stored[0]["c"].replace(" ", "") in v1.text.replace(" ", "")
    if depth < 900:  # Python's json can read it back here; compare the values
        assert json.loads(v1.text)["content"] == value(depth)
        assert json.loads(v1.text)["metadata"] == {"m": value(depth, '"x"')}
    for path, params in (("api/artifacts/L-1", None), ("api/artifacts/L-1/versions", None),
                         ("api/artifacts/L-1/versions/2", None), ("api/artifacts", {"type": "hypothesis"}),
                         ("api/artifacts/L-1/links", None), ("api/artifacts/L-1/lineage", None),
                         ("api/artifacts/L-1@v2/lineage", {"format": "prov-json"})):
        r = await api("GET", path, params=params)
        assert r.status == 200, (path, r)
    diff = await api("GET", "api/artifacts/L-1/diff", params={"from": "1", "to": "2"})
    assert diff.status == 200, diff
    if depth < 900:
        assert json.loads(diff.text)["fields"]["content"] == {"old": value(depth), "new": value(depth, "2")}
    # Computing with it is refused clearly: a new version must hash the carried-over value.
    r = await api("POST", "api/artifacts/L-1/versions", {"title": "new title"})
    assert r.status == 409 and "deeper than" in r.json["message"], r
    # ... but new content replaces it, and the chain goes on.
    r = await api("POST", "api/artifacts/L-1/versions", {"content": {"statement": "flat"}, "metadata": {}})
    assert r.status == 201, r
    # Pinning and closing a chamber works from stored hashes alone.
    chamber = (await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"})).json
    assert (await api("POST", f"api/chambers/{chamber['id']}/pull", [{"artifact_id": "L-1@v1"}])).status == 200
    assert (await api("POST", f"api/chambers/{chamber['id']}/close", {})).status == 200


async def test_deep_notebook_cells_other_services_wrote(api, sql):
    await seed(api)
    sql("INSERT INTO notebooks (id, title) VALUES ('FN-1', 'foreign')")
    sql("INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, cell_metadata, outputs) "
        "VALUES ('FN-1', 0, 'code', 'x', %s::jsonb, %s::jsonb)",
        ('{"m": %s}' % nested(400), '[{"output_type": "display_data", "metadata": {}, '
                                    '"data": {"application/json": %s}}]' % nested(400)))
    for fmt in ("json", "ipynb"):
        r = await api("GET", "api/notebooks/FN-1/versions/1", params={"format": fmt})
        assert r.status == 200, (fmt, r)
        assert json.loads(r.text)["cells"][0]["metadata"] == {"m": value(400)}
    r = await api("GET", "api/artifacts/FN-1")
    assert r.status == 200 and json.loads(r.text)["content"]["cells"][0]["outputs"][0]["data"] == {
        "application/json": value(400)}
    html = await api("GET", "api/notebooks/FN-1/versions/1", params={"format": "html"})
    assert html.status == 409 and "deeper than" in html.json["message"], html
    appended = await api("POST", "api/notebooks/FN-1/cells", {"source": "y = 1"})
    assert appended.status in (201, 409), appended
    if appended.status == 201:
        d = await api("GET", "api/notebooks/FN-1/diff")
        assert d.status == 200 and d.json["summary"]["added"] == [1], d


# -- error replies quote short excerpts -----------------------------------------------------------

async def test_error_replies_never_echo_large_input(api):
    await seed(api)
    big = "k" * 6_000_000
    cases = [
        ("PATCH", "api/artifacts/H-1/versions/1", {"lifecycle_state": "retracted", big: 1}),
        ("POST", "api/artifacts", {"id": big, "artifact_type": "paper", "title": "t"}),
        ("POST", "api/artifacts", {"artifact_type": big, "title": "t"}),
        ("POST", "api/artifacts/H-1/versions/1/tags", {"tag": big}),
        ("POST", "api/artifact-links", {"source": big[:300], "target": "H-1", "link_type": "cites"}),
        ("POST", "api/notebooks", {"notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                "cells": [{"cell_type": "code", "source": "x", "metadata": {},
                                                           "outputs": [], "execution_count": big}]}}),
        ("POST", "api/notebooks", {"notebook": {"nbformat": big, "cells": []}}),
        ("POST", "api/debates", {"target_artifact_id": big[:300], "topic": "t"}),
        ("POST", f"api/chambers/{UUID0}/pull", [{"artifact_id": big, "role": big}] * 30),
    ]
    for method, path, body in cases:
        r = await api(method, path, body)
        assert 400 <= r.status < 500, (path, r)
        assert len(r.text) < 4000, (path, r.status, r.text[:300])
    for path in ("api/artifacts/" + "x" * 60_000, "api/debates/" + "d" * 60_000, "api/chambers/" + "c" * 60_000):
        r = await api("GET", path)
        assert r.status in (400, 404) and len(r.text) < 1000, (path[:40], r)
