"""A cell append's upkeep (migration 0022): it announces what 0015's statement triggers announced
for its rows, itself, once; its cells' search rows, and a tag's version, are found by key, not by
reading every row of the table, whatever statement the session's triggers were planned for."""

from __future__ import annotations

import json

from tests_helpers import Listener


def version(artifact: str, n: int) -> dict:
    return {"kind": "version", "action": "created", "artifact_id": artifact, "version_number": n,
            "ref": f"{artifact}@v{n}"}


def step(artifact: str, n: int, **extra) -> dict:
    return {"kind": "step", "action": "cell_append", "artifact_id": artifact, "version_number": n,
            "ref": f"{artifact}@v{n}", **extra}


async def register(api, nb_id: str, n_cells: int = 1) -> None:
    cells = [{"cell_type": "code", "source": f"x_{i} = {i}", "metadata": {}, "outputs": [], "execution_count": None}
             for i in range(n_cells)]
    r = await api("POST", "api/notebooks", {"id": nb_id, "notebook": {"nbformat": 4, "nbformat_minor": 5,
                                                                       "metadata": {}, "cells": cells}})
    assert r.status == 201, r


def append_statement(sql, nb_id: str, source: str, *after: str) -> tuple[dict, list | None]:
    """The append statement called directly in one transaction (as the server's connections
    call it), then the statements `after` in the same transaction: the append's reply and what
    the last of them read."""
    head = sql("SELECT id, content_hash, version_number FROM artifacts WHERE artifact_id = %s AND is_latest",
               (nb_id,))[0]
    owns = sql("SELECT count(*) AS n FROM notebook_cells WHERE notebook_artifact_id = %s", (head["id"],))[0]["n"]
    cell = json.dumps({"cell_type": "code", "id": f"c-{head['version_number']}", "metadata": {}, "source": source,
                       "outputs": [], "execution_count": None})
    sql("BEGIN")
    try:
        sql("SET LOCAL jupyter_artifacts.writer = 'extension'")
        done = sql("""
            SELECT jupyter_artifacts_append_cell(%(nb)s, %(id)s, %(content_hash)s, %(owns)s, NULL, NULL, %(cell)s, '',
                                                 'sha256:x', NULL, 'agent', 'test', 'test', 'cell_append', '{}', NULL,
                                                 NULL, NULL, FALSE) AS r""",
                   {**head, "nb": nb_id, "owns": owns, "cell": cell})
        later = None
        for statement in after:
            later = sql(statement)
        sql("COMMIT")
    except BaseException:
        sql("ROLLBACK")
        raise
    return done[0]["r"], later


async def test_an_append_announces_its_version_and_its_step_once(api, sql, database_url):
    await register(api, "NB-say")
    ear = Listener(database_url)
    try:
        r = await api("POST", "api/notebooks/NB-say/cells", {"source": "y = 2"})
        assert r.status == 201, r
        assert ear.heard() == [version("NB-say", 2), step("NB-say", 2)]

        # Into a chamber: its pin too (its own trigger), and the step names the chamber.
        chamber = sql("INSERT INTO chambers (name, purpose) VALUES ('c', 'experiment_design') RETURNING id::text AS id")[0]["id"]
        ear.heard()
        r = await api("POST", "api/notebooks/NB-say/cells", {"source": "z = 3", "chamber_id": chamber})
        assert r.status == 201, r
        heard = ear.heard()
        assert sorted(heard, key=json.dumps) == sorted(
            [{"kind": "chamber", "action": "pulled", "chamber_id": chamber}, version("NB-say", 3),
             step("NB-say", 3, chamber_id=chamber)], key=json.dumps)

        # Refused (a stale parent): nothing written, nothing announced.
        r = await api("POST", "api/notebooks/NB-say/cells", {"source": "w = 4", "parent_version": 1})
        assert r.status == 409, r
        assert ear.heard() == []
    finally:
        ear.conn.close()


async def test_the_transactions_later_writes_are_announced_as_ever(api, sql, database_url):
    """The append silences the statement triggers for its own rows only: a write after it in the
    same transaction is announced by them, and the transaction's threshold counts the append's
    two announcements once (the triggers stayed quiet for its rows: PostgreSQL folds a repeated
    payload, so only the count tells)."""
    await register(api, "NB-then")
    ear = Listener(database_url)
    try:
        done, counted = append_statement(
            sql, "NB-then", "v = 5",
            "INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, is_latest, content_hash) "
            "VALUES ('P-then', 'P-then', 'paper', 't', 1, TRUE, 'h')",
            "SELECT current_setting('jupyter_artifacts.announced', true) AS n")
        assert done["status"] == "done", done
        assert counted == [{"n": "3"}]
        assert ear.heard() == [version("NB-then", 2), step("NB-then", 2), version("P-then", 1)]
        assert sql("SELECT current_setting('jupyter_artifacts.announce_append', true) AS s")[0]["s"] in (None, "")
    finally:
        ear.conn.close()


async def test_an_appended_cells_search_row_is_read_by_its_key(api, sql):
    """The statement trigger on inserted cells finds each one's search row by the table's key,
    whatever the session's first insert of cells was: PL/pgSQL plans that statement once per
    session, and 0018's join, planned for a bulk insert, read every cell of every notebook (a hash
    join) on every later append in that session."""
    await register(api, "NB-bulk")
    await register(api, "NB-key")
    # Another service adds 2,000 cells to NB-bulk's head in one statement, on this session.
    sql("""INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, notebook_artifact_id)
           SELECT 'NB-bulk', i, 'code', 'bulk_' || i || ' = ' || i, 'NB-bulk' FROM generate_series(1, 2000) i""")
    done, read = append_statement(sql, "NB-key", "keyed_lookup = 1",
                                  "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables "
                                  "WHERE relid = 'jupyter_artifacts_search_cells'::regclass")
    assert done["status"] == "done", done
    assert read[0]["seq_scan"] == 0 and read[0]["idx_scan"] >= 1, read
    r = await api("GET", "api/artifacts", params={"q": "keyed_lookup"})
    assert [i["ref"] for i in r.json["items"]] == ["NB-key@v2"]
    r = await api("GET", "api/artifacts", params={"q": "bulk_1999"})
    assert [i["ref"] for i in r.json["items"]] == ["NB-bulk@v1"]


async def test_a_tag_set_after_a_bulk_insert_of_tags_reads_its_version_by_key(api, sql):
    """The same for the tag trigger of 0015 (it reads each tag's version): after a session's bulk
    insert of tags (an adoption's legacy tags), its single tags read the version by key."""
    assert (await api("GET", "api/artifact-types")).status == 200  # the server has migrated the schema
    sql("""INSERT INTO artifacts (id, artifact_id, artifact_type, title, version_number, is_latest, content_hash)
           SELECT 'T-' || i, 'T-' || i, 'paper', 't', 1, TRUE, 'h' FROM generate_series(1, 3000) i""")
    sql("ANALYZE artifacts")
    sql("INSERT INTO artifact_tags (artifact_id, tag, version_id) SELECT 'T-' || i, 'bulk', 'T-' || i "
        "FROM generate_series(1, 2000) i")
    sql("BEGIN")
    try:
        sql("INSERT INTO artifact_tags (artifact_id, tag, version_id) VALUES ('T-2999', 'one', 'T-2999')")
        read = sql("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relid = 'artifacts'::regclass")[0]
    finally:
        sql("COMMIT")
    assert read["seq_scan"] == 0, read
