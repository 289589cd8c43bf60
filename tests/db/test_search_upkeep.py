"""A cell append writes its notebook's search row once (migration 0018), and the row is the one a
full refresh computes, whoever appends: the REST append, the append statement called directly,
another service's plain SQL insert of a version and its cell."""

from __future__ import annotations

import json

ROW = "SELECT id, artifact_id, created_at, head::text, doc::text, whole::text, folded, grams FROM jupyter_artifacts_search"


async def search(api, q: str) -> list[str]:
    r = await api("GET", "api/artifacts", params={"q": q, "limit": 500})
    assert r.status == 200, r
    return [i["ref"] for i in r.json["items"]]


async def register(api, nb_id: str, *sources: str) -> None:
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
             for s in sources]
    r = await api("POST", "api/notebooks", {"id": nb_id, "title": f"Upkeep {nb_id}",
                                            "notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                         "cells": cells}})
    assert r.status == 201, r


def kept_up(sql) -> None:
    """The search tables are what a full refresh computes (it rewrites nothing), and nothing waits."""
    before = sql(f"{ROW} ORDER BY id")
    assert sql("SELECT jupyter_artifacts_search_refresh() AS n")[0]["n"] == 0
    assert sql(f"{ROW} ORDER BY id") == before
    assert [r["id"] for r in before] == [r["id"] for r in sql("SELECT id FROM artifacts WHERE is_latest ORDER BY id")]
    assert sql("SELECT current_setting('jupyter_artifacts.search_after_cells', true) AS s")[0]["s"] in (None, "")


async def test_rest_append_finds_the_new_cells_words_and_the_old_ones(api, sql):
    await register(api, "NB-up", "import scanpy", "sc.tl.leiden(adata)")
    for i, word in enumerate(("ramified", "phagocytic", "dystrophic")):
        r = await api("POST", "api/notebooks/NB-up/cells", {"source": f"{word}_{i} = 1"})
        assert r.status == 201, r
        assert await search(api, word) == [f"NB-up@v{i + 2}"]
        assert await search(api, "scanpy") == [f"NB-up@v{i + 2}"]
        assert await search(api, f"upkeep {word}") == [f"NB-up@v{i + 2}"]  # title and the new cell: `whole`
        kept_up(sql)


async def test_the_append_statement_writes_the_search_row_once(api, sql):
    await register(api, "NB-once", "x = 1")
    head = sql("SELECT id, content_hash FROM artifacts WHERE artifact_id = 'NB-once' AND is_latest")[0]
    cell = json.dumps({"cell_type": "code", "id": "c-once", "metadata": {}, "source": "microglial_once = 2",
                       "outputs": [], "execution_count": None})
    sql("BEGIN")
    sql("SET LOCAL jupyter_artifacts.writer = 'extension'")  # as the server's connections: it writes the step
    rows = sql("""
        SELECT jupyter_artifacts_append_cell('NB-once', %(id)s, %(content_hash)s, 1, NULL, NULL, %(cell)s, '', 'sha256:x',
                                             NULL, 'agent', 'test', 'test', 'cell_append', '{}', NULL, NULL, NULL,
                                             FALSE) ->> 'status' AS status""", {**head, "cell": cell})
    assert rows == [{"status": "done"}]
    written = sql("SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
                  "WHERE relid = 'jupyter_artifacts_search'::regclass")
    sql("COMMIT")
    # One write: the head's row becomes the new version's (not rewritten for its cell).
    assert written == [{"n_tup_ins": 0, "n_tup_upd": 1, "n_tup_del": 0}]
    assert await search(api, "microglial_once") == ["NB-once@v2"]
    kept_up(sql)


async def test_plain_sql_version_and_cell_are_searched(api, sql):
    await register(api, "NB-sql", "import anndata")
    # Another service: a version, then its cell, each its own statement (autocommit)...
    sql("UPDATE artifacts SET is_latest = FALSE WHERE artifact_id = 'NB-sql' AND is_latest")
    sql("INSERT INTO artifacts (id, artifact_id, artifact_type, title, content, version_number, parent_version_id) "
        "VALUES ('NB-sql@v2', 'NB-sql', 'notebook', 'Upkeep NB-sql', '{\"nbformat\": 4}', 2, 'NB-sql')")
    assert await search(api, "anndata") == ["NB-sql@v2"]  # the earlier cells' words are the new version's
    sql("INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, notebook_artifact_id) "
        "VALUES ('NB-sql', 1, 'code', 'astrocytic = 3', 'NB-sql@v2')")
    assert await search(api, "astrocytic") == ["NB-sql@v2"]
    kept_up(sql)
    # ... and both in one transaction, as the append statement writes them.
    sql("""
        BEGIN;
        UPDATE artifacts SET is_latest = FALSE WHERE artifact_id = 'NB-sql' AND is_latest;
        INSERT INTO artifacts (id, artifact_id, artifact_type, title, content, version_number, parent_version_id)
        VALUES ('NB-sql@v3', 'NB-sql', 'notebook', 'Upkeep NB-sql', '{"nbformat": 4}', 3, 'NB-sql@v2');
        INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, notebook_artifact_id)
        VALUES ('NB-sql', 2, 'code', 'oligodendroglial = 4', 'NB-sql@v3');
        COMMIT;""")
    for word in ("anndata", "astrocytic", "oligodendroglial"):
        assert await search(api, word) == ["NB-sql@v3"]
    # A REST append after them, then plain SQL again.
    r = await api("POST", "api/notebooks/NB-sql/cells", {"source": "perivascular = 5"})
    assert r.status == 201, r
    sql("UPDATE artifacts SET is_latest = FALSE WHERE artifact_id = 'NB-sql' AND is_latest")
    sql("INSERT INTO artifacts (id, artifact_id, artifact_type, title, content, version_number, parent_version_id) "
        "VALUES ('NB-sql@v5', 'NB-sql', 'notebook', 'Upkeep NB-sql', '{\"nbformat\": 4}', 5, 'NB-sql@v4')")
    sql("INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, notebook_artifact_id) "
        "VALUES ('NB-sql', 4, 'code', 'juxtaglomerular = 6', 'NB-sql@v5')")
    for word in ("anndata", "oligodendroglial", "perivascular", "juxtaglomerular"):
        assert await search(api, word) == ["NB-sql@v5"]
    kept_up(sql)


LATEST_CELLS = "SELECT notebook_id, cell_index, artifact_id, code FROM jupyter_artifacts_latest_cells() ORDER BY 1, 2, 3"
VIEW_CELLS = """SELECT c.notebook_id, c.cell_index, c.artifact_id, c.code
                  FROM jupyter_artifacts_version_cells c JOIN artifacts l ON l.id = c.version_id AND l.is_latest
                 ORDER BY 1, 2, 3"""


async def test_the_refresh_reads_the_latest_cells_as_the_versions_view_does(api, sql):
    """Migration 0020's set-based cells of the latest versions are 0011's view's, through appends,
    commits that move and drop cells (snapshots), appends after a snapshot and a fork."""
    await register(api, "NB-a", "a = 1", "b = 2", "c = 3")
    assert (await api("POST", "api/notebooks/NB-a/cells", {"source": "d = 4"})).status == 201
    v2 = (await api("GET", "api/artifacts/NB-a")).json["content"]
    moved = {**v2, "cells": [v2["cells"][i] for i in (3, 0, 1)]}       # a snapshot: d first, c gone
    assert (await api("POST", "api/notebooks/NB-a/versions", {"notebook": moved})).status == 201
    assert (await api("POST", "api/notebooks/NB-a/cells", {"source": "e = 5"})).status == 201
    assert (await api("POST", "api/artifacts/NB-a/fork", {"new_id": "NB-f"})).status == 201
    assert (await api("POST", "api/notebooks/NB-f/cells", {"source": "forked_only = 6"})).status == 201
    await register(api, "NB-b", "alone = 1")
    assert sql("SELECT count(*) AS n FROM notebook_snapshots")[0]["n"] >= 1
    assert sql(LATEST_CELLS) == sql(VIEW_CELLS)
    assert {r["code"] for r in sql(LATEST_CELLS) if r["artifact_id"] == "NB-a"} == {"d = 4", "a = 1", "b = 2", "e = 5"}
    kept_up(sql)
    # The refresh rebuilds what it dropped, from these cells.
    sql("DELETE FROM jupyter_artifacts_search_cells")
    sql("UPDATE jupyter_artifacts_search SET whole = NULL")
    assert sql("SELECT jupyter_artifacts_search_refresh() AS n")[0]["n"] > 0
    kept_up(sql)
    assert await search(api, "forked_only") == ["NB-f@v2"]
