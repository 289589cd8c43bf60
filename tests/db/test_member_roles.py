"""Member roles (API.md, "Team deployment"): a user who bypasses the extension with plain SQL,
connected as their own role, cannot forge `recorded_by` nor rewrite what is stored.

Each forgery is refused by PostgreSQL, or stored under the member's own name. Where two layers
protect one thing (no privilege, and a trigger), the trigger is also tested alone by granting
the privilege first, as an administrator's mistake would."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.rows import dict_row
from tests_helpers import MemberRole, granted_member, run_cli

from jupyter_artifacts.db import roles
from jupyter_artifacts.db.migrate import VERSION_TABLE
from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.errors import MigrationPending, Unavailable

SEED = """
INSERT INTO artifacts (id, artifact_id, artifact_type, title, content, content_hash, version_number, is_latest,
                       recorded_by)
VALUES ('P-1', 'P-1', 'paper', 'one', '{"a": 1}', 'h1', 1, TRUE, 'the-owner-server'),
       ('L-1', 'L-1', 'paper', 'a legacy row', '{"a": 2}', 'h2', 1, TRUE, NULL);
INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id, target_version_number,
                              step_type, recorded_by)
VALUES ('P-1', 1, 'L-1', 1, 'cite', 'the-owner-server');
INSERT INTO notebooks (id, title) VALUES ('NB-1', 'a notebook');
INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code) VALUES ('NB-1', 0, 'code', 'x = 1');
INSERT INTO chambers (id, name, purpose) VALUES ('00000000-0000-0000-0000-00000000000c', 'closed', 'debate'),
                                                ('00000000-0000-0000-0000-00000000000a', 'open', 'debate');
INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, content_hash, role)
VALUES ('00000000-0000-0000-0000-00000000000c', 'P-1', 1, 'h1', 'input'),
       ('00000000-0000-0000-0000-00000000000a', 'L-1', 1, 'h2', 'reference');
UPDATE chambers SET closed_at = now(), provenance_hash = 'p' WHERE name = 'closed';
INSERT INTO debate_sessions (id, topic, closed_at, verdict) VALUES ('D-closed', 't', now(), 'done'),
                                                                   ('D-open', 't', NULL, NULL);
INSERT INTO debate_rounds (session_id, round_number, actor_id, content) VALUES ('D-closed', 1, 'ed', 'said'),
                                                                               ('D-open', 1, 'ed', 'said');
"""
CLOSED = "00000000-0000-0000-0000-00000000000c"
OPEN = "00000000-0000-0000-0000-00000000000a"


@pytest.fixture
def member(database_url, jp_asyncio_loop):
    with granted_member(database_url, jp_asyncio_loop) as role:
        yield role


@pytest.fixture
def seeded(member, sql):
    sql(SEED)
    return member


@pytest.fixture
def as_member(seeded):
    conn = psycopg.connect(seeded.url, autocommit=True, row_factory=dict_row)
    yield lambda q, p=None: _run(conn, q, p)
    conn.close()


def _run(conn, q, p):
    cur = conn.execute(q, p)
    return cur.fetchall() if cur.description else None


def refused(run, query, error=errors.InsufficientPrivilege):
    with pytest.raises(error) as caught:
        run(query)
    return str(caught.value)


def owner_grants(sql, member, what: str) -> None:
    """An administrator's mistake: a privilege the member should not have."""
    sql(sql_text(f"GRANT {what} TO {{}}", member.name))


def sql_text(template: str, role: str) -> str:
    return sql.SQL(template).format(sql.Identifier(role)).as_string(None)


# -- forged provenance: stored under the member's own name -------------------------------

def test_inserts_are_recorded_as_the_member_whatever_they_say(as_member, seeded, sql):
    as_member("SET jupyter_artifacts.writer = 'extension'")  # a session option exempts no one
    as_member("""INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id,
                                               target_version_number, step_type, recorded_by)
                 VALUES ('L-1', 1, 'P-1', 1, 'derive', 'someone-else')""")
    as_member("""INSERT INTO artifacts (id, artifact_id, artifact_type, title, content, content_hash, version_number,
                                        is_latest, recorded_by)
                 VALUES ('X-1', 'X-1', 'paper', 'forged', '{}', 'h', 1, TRUE, 'someone-else')""")
    as_member(f"""INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, content_hash, role,
                                                 recorded_by)
                  VALUES ('{OPEN}', 'P-1', 1, 'h1', 'input', 'someone-else')""")
    as_member("INSERT INTO debate_rounds (session_id, round_number, content, recorded_by) "
              "VALUES ('D-open', 2, 'x', 'someone-else')")
    as_member("INSERT INTO debate_sessions (id, topic, recorded_by) VALUES ('D-new', 't', 'someone-else')")
    as_member("INSERT INTO chambers (name, purpose, recorded_by) VALUES ('mine', 'debate', 'someone-else')")
    as_member("INSERT INTO artifact_tags (artifact_id, tag, version_id, recorded_by) "
              "VALUES ('P-1', 'ok', 'P-1', 'someone-else')")
    as_member("UPDATE artifact_tags SET version_id = 'P-1', recorded_by = 'someone-else' WHERE tag = 'ok'")
    recorded = sql("""
        SELECT recorded_by FROM processing_steps WHERE step_type = 'derive'
        UNION ALL SELECT recorded_by FROM artifacts WHERE id = 'X-1'
        UNION ALL SELECT recorded_by FROM chamber_artifacts WHERE chamber_id = %s AND artifact_id = 'P-1'
        UNION ALL SELECT recorded_by FROM debate_rounds WHERE round_number = 2
        UNION ALL SELECT recorded_by FROM debate_sessions WHERE id = 'D-new'
        UNION ALL SELECT recorded_by FROM chambers WHERE name = 'mine'
        UNION ALL SELECT recorded_by FROM artifact_tags WHERE tag = 'ok'""", (OPEN,))
    assert [r["recorded_by"] for r in recorded] == [seeded.name] * 7


def test_the_owner_keeps_its_own_recorder(member, sql):
    sql("""INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id,
                                         target_version_number, step_type, recorded_by)
           VALUES ('a', 1, 'b', 1, 'derive', 'the-server-owner')""")
    assert sql("SELECT recorded_by FROM processing_steps")[0]["recorded_by"] == "the-server-owner"


# -- rewriting what is stored: refused ---------------------------------------------------

def test_a_version_cannot_change_or_go(as_member, seeded, sql):
    refused(as_member, "UPDATE artifacts SET content = '{\"a\": 9}', content_hash = 'h9' WHERE id = 'P-1'")
    refused(as_member, "DELETE FROM artifacts WHERE id = 'P-1'")
    # The trigger alone, on a row the extension did not write (0001's check skips those).
    owner_grants(sql, seeded, "UPDATE, DELETE ON artifacts")
    message = refused(as_member, "UPDATE artifacts SET content = '{\"a\": 9}', content_hash = 'h9' WHERE id = 'L-1'",
                      errors.IntegrityConstraintViolation)
    assert "immutable for a member role" in message
    refused(as_member, "DELETE FROM artifacts WHERE id = 'L-1'")
    assert sql("SELECT content_hash FROM artifacts WHERE id IN ('P-1', 'L-1') ORDER BY id") == [
        {"content_hash": "h2"}, {"content_hash": "h1"}]
    # What legitimately changes still may.
    as_member("UPDATE artifacts SET lifecycle_state = 'deprecated', deprecated_at = now() WHERE id = 'L-1'")


@pytest.mark.parametrize("table, change", [
    ("notebook_cells", "code = 'x = 2'"),
    ("processing_steps", "recorded_by = 'someone-else'"),
    ("debate_rounds", "content = 'unsaid' WHERE session_id = 'D-open'"),
    ("chamber_artifacts", f"version_number = 2 WHERE chamber_id = '{OPEN}'"),  # (a closed chamber's: 0006)
    ("artifact_links", "link_type = 'x'"),
])
def test_cells_steps_rounds_pins_never_change(as_member, seeded, sql, table, change):
    sql("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) VALUES ('P-1', 'L-1', 'cites')")
    before = sql(f"SELECT * FROM {table} ORDER BY 1, 2")
    where = change[change.index(" WHERE"):] if " WHERE" in change else ""
    refused(as_member, f"UPDATE {table} SET {change}")
    refused(as_member, f"DELETE FROM {table}{where}")
    owner_grants(sql, seeded, f"UPDATE, DELETE ON {table}")
    refused(as_member, f"UPDATE {table} SET {change}", errors.IntegrityConstraintViolation)
    refused(as_member, f"DELETE FROM {table}{where}")
    assert sql(f"SELECT * FROM {table} ORDER BY 1, 2") == before


def test_a_closed_chamber_is_never_reopened_nor_pinned(as_member, seeded, sql):
    message = refused(as_member, f"UPDATE chambers SET closed_at = NULL WHERE id = '{CLOSED}'",
                      errors.IntegrityConstraintViolation)
    assert "is closed" in message
    refused(as_member, f"""INSERT INTO chamber_artifacts (chamber_id, artifact_id, version_number, role)
                           VALUES ('{CLOSED}', 'L-1', 1, 'input')""", errors.IntegrityConstraintViolation)
    # A temporary table named like ours does not stand in for it inside the trigger.
    as_member("CREATE TEMPORARY TABLE chambers (id UUID, closed_at TIMESTAMPTZ)")
    schema = sql("SELECT current_schema() AS s")[0]["s"]
    refused(as_member, f"""INSERT INTO "{schema}".chamber_artifacts (chamber_id, artifact_id, version_number, role)
                           VALUES ('{CLOSED}', 'L-1', 1, 'input')""", errors.IntegrityConstraintViolation)
    assert sql("SELECT count(*) AS n FROM chamber_artifacts WHERE chamber_id = %s", (CLOSED,))[0]["n"] == 1
    # An open one closes (the columns a close sets).
    as_member(f"""UPDATE "{schema}".chambers SET closed_at = now(), provenance_hash = 'q' WHERE id = '{OPEN}'""")


def test_a_closed_debate_never_changes(as_member, seeded, sql):
    refused(as_member, "UPDATE debate_sessions SET verdict = 'other' WHERE id = 'D-closed'",
            errors.IntegrityConstraintViolation)
    refused(as_member, "UPDATE debate_sessions SET closed_at = NULL WHERE id = 'D-closed'",
            errors.IntegrityConstraintViolation)
    refused(as_member, "INSERT INTO debate_rounds (session_id, round_number, content) VALUES ('D-closed', 2, 'late')",
            errors.IntegrityConstraintViolation)
    refused(as_member, "UPDATE debate_sessions SET topic = 'other' WHERE id = 'D-open'")
    assert sql("SELECT verdict, num_rounds FROM debate_sessions WHERE id = 'D-closed'") == [
        {"verdict": "done", "num_rounds": 1}]
    # An open debate takes rounds (its count kept by the owner's trigger) and closes.
    as_member("INSERT INTO debate_rounds (session_id, round_number, content) VALUES ('D-open', 2, 'more')")
    as_member("UPDATE debate_sessions SET closed_at = now(), verdict = 'v' WHERE id = 'D-open'")
    assert sql("SELECT num_rounds FROM debate_sessions WHERE id = 'D-open'")[0]["num_rounds"] == 2


@pytest.mark.parametrize("statement", [
    "DROP TABLE processing_steps",
    "ALTER TABLE artifacts DROP COLUMN recorded_by",
    "CREATE TABLE my_own (x INT)",
    "ALTER TABLE artifacts DISABLE TRIGGER USER",
    "DROP TRIGGER jupyter_artifacts_member_guard ON artifacts",
    "SET session_replication_role = replica",
    "TRUNCATE debate_rounds",
    "CREATE TRIGGER mine BEFORE INSERT ON artifacts FOR EACH ROW EXECUTE FUNCTION jupyter_artifacts_round_defaults()",
    "CREATE OR REPLACE FUNCTION jupyter_artifacts_is_member() RETURNS BOOLEAN LANGUAGE sql AS 'SELECT FALSE'",
])
def test_no_ddl_and_no_way_around_the_triggers(as_member, statement):
    refused(as_member, statement)


def test_a_member_cannot_become_the_owner(as_member, sql):
    owner = sql("SELECT relowner::regrole::text AS o FROM pg_class WHERE oid = 'artifacts'::regclass")[0]["o"]
    with pytest.raises(errors.InsufficientPrivilege):
        as_member(sql_text("SET ROLE {}", owner.strip('"')))
    assert as_member("SELECT jupyter_artifacts_is_member() AS m")[0]["m"] is True
    assert sql("SELECT jupyter_artifacts_is_member() AS m")[0]["m"] is False


# -- grants ------------------------------------------------------------------------------

def test_every_table_of_the_schema_is_known_to_the_grants(member, sql):
    tables = {r["t"] for r in sql("SELECT table_name AS t FROM information_schema.tables "
                                  "WHERE table_schema = current_schema()")}
    assert tables <= set(roles.READABLE), tables - set(roles.READABLE)


def test_guarded_columns_match_the_granted_ones(member, sql):
    # Read from the triggers the database holds: each guard's arguments are the columns a member
    # may change, and each member trigger is skipped only by the owner (and superusers).
    rows = sql("""SELECT c.relname AS t, encode(g.tgargs, 'escape') AS args, pg_get_triggerdef(g.oid) AS def
                    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
                   WHERE c.relnamespace = to_regnamespace(current_schema()) AND g.tgname = 'jupyter_artifacts_member_guard'""")
    guarded = {r["t"]: set(filter(None, r["args"].split("\\000"))) for r in rows}
    for table, columns in roles.UPDATABLE.items():
        if table in guarded:
            assert guarded[table] - {"num_rounds"} == set(columns), table
    for table in roles.INSERT_ONLY:
        if table != "notebook_append_requests":
            assert guarded[table] == set(), table
    owner = sql("SELECT relowner::oid AS o FROM pg_class WHERE relname = 'artifacts' "
                "AND relnamespace = to_regnamespace(current_schema())")[0]["o"]
    gate = f"WHEN ((NOT pg_has_role(SESSION_USER, ({owner})::oid, 'MEMBER'::text)))"
    assert rows and all(gate in r["def"] for r in rows), rows


def test_grant_and_revoke_from_the_command_line(tmp_path, database_url, member, sql):
    other = MemberRole(database_url)
    try:
        r = run_cli(tmp_path, "grant", other.name, url=database_url)
        assert r.returncode == 0, r.stderr
        with psycopg.connect(other.url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM artifacts").fetchone() == (0,)
        r = run_cli(tmp_path, "revoke", other.name, url=database_url)
        assert r.returncode == 0, r.stderr
        schema = sql("SELECT current_schema() AS s")[0]["s"]
        with psycopg.connect(other.url, autocommit=True) as conn, pytest.raises(errors.InsufficientPrivilege):
            conn.execute(f'SELECT count(*) FROM "{schema}".artifacts')
        # A member cannot grant (nor revoke) anyone.
        r = run_cli(tmp_path, "grant", other.name, url=member.url)
        assert r.returncode != 0 and "Only the owner" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    finally:
        other.drop()
    r = run_cli(tmp_path, "grant", url=database_url)
    assert r.returncode != 0 and r.stderr.strip() == ("jupyter artifacts grant: Give one role name, "
                                                      "e.g. `jupyter artifacts grant alice`.")
    r = run_cli(tmp_path, "grant", sql("SELECT current_user AS u")[0]["u"], url=database_url)  # the owner
    assert r.returncode != 0 and "a member role must be neither" in r.stderr
    r = run_cli(tmp_path, "grant", "ja_no_such_role_here", url=database_url)
    assert r.returncode != 0
    assert r.stderr.strip() == ("jupyter artifacts grant: Role ja_no_such_role_here does not exist; "
                                "create it first (CREATE ROLE ja_no_such_role_here LOGIN).")


def test_migrate_reapplies_the_grants(tmp_path, database_url, seeded, sql, as_member):
    # As a later migration's new table would be: a privilege the member does not have yet; and
    # its CREATE OR REPLACE FUNCTION of a trigger that runs as the owner: back to the invoker's.
    sql(sql_text("REVOKE INSERT ON processing_steps FROM {}", seeded.name))
    sql("ALTER FUNCTION jupyter_artifacts_count_rounds() SECURITY INVOKER RESET search_path")
    refused(as_member, "INSERT INTO processing_steps (target_artifact_id, target_version_number, step_type) "
                       "VALUES ('P-1', 1, 'derive')")
    refused(as_member, "INSERT INTO debate_rounds (session_id, round_number, content) VALUES ('D-open', 2, 'x')")
    r = run_cli(tmp_path, "migrate", url=database_url)
    assert r.returncode == 0, r.stderr
    assert f"Re-applied the grants of 1 member roles: {seeded.name}." in r.stdout
    as_member("INSERT INTO processing_steps (target_artifact_id, target_version_number, step_type) "
              "VALUES ('P-1', 1, 'derive')")
    as_member("INSERT INTO debate_rounds (session_id, round_number, content) VALUES ('D-open', 2, 'x')")
    schema = sql("SELECT current_schema() AS s")[0]["s"]
    assert sql("SELECT prosecdef, proconfig FROM pg_proc WHERE oid = 'jupyter_artifacts_count_rounds'::regproc") == [
        {"prosecdef": True, "proconfig": [f"search_path={schema}, pg_temp"]}]


# -- a server as a member ----------------------------------------------------------------

async def test_a_member_server_starts_without_create_and_waits_for_the_owner(member, sql):
    db = Database(member.url)
    try:
        async with db.connection() as conn:  # up to date: no CREATE needed, the start-up checks skipped
            assert await roles.is_member(conn)
    finally:
        await db.close()
    latest = sql(f"SELECT max(version) AS v FROM {VERSION_TABLE}")[0]["v"]
    sql(f"UPDATE {VERSION_TABLE} SET version = -version WHERE version = %s", (latest,))  # now one is pending
    db = Database(member.url)
    try:
        with pytest.raises(MigrationPending) as caught:
            async with db.connection():
                pass
        assert isinstance(caught.value, Unavailable)  # a 503
        assert caught.value.message == (f"The artifacts schema is at version {latest - 1} and this server needs "
                                        f"version {latest}: the owner must run `jupyter artifacts migrate`.")
    finally:
        await db.close()
        sql(f"UPDATE {VERSION_TABLE} SET version = -version WHERE version = %s", (-latest,))


async def test_a_role_never_granted_is_told_what_to_run(database_url, member):
    stranger = MemberRole(database_url)
    db = Database(stranger.url)
    try:
        with pytest.raises(MigrationPending) as caught:
            async with db.connection():
                pass
        assert caught.value.message == (f"Role {stranger.name} cannot use the artifacts schema: the owner must run "
                                        f"`jupyter artifacts migrate` and `jupyter artifacts grant {stranger.name}`.")
    finally:
        await db.close()
        stranger.drop()


async def test_a_planted_rendering_is_served_to_no_one_else(as_member, seeded, sql, database_url):
    from jupyter_artifacts.db import notebooks as nb_store

    as_member("INSERT INTO notebook_renders (render_key, html, bytes, recorded_by) VALUES ('k', '<p>forged</p>', 1, '')")
    assert sql("SELECT recorded_by FROM notebook_renders") == [{"recorded_by": seeded.name}]
    db = Database(database_url)
    try:
        async with db.connection() as conn:  # the owner's server (or another member's) renders for itself
            assert await nb_store.cached_render(conn, "k") is None
            await nb_store.store_render(conn, "k", "<p>real</p>", 10**6)
            assert await nb_store.cached_render(conn, "k") == "<p>real</p>"
    finally:
        await db.close()


def test_another_users_job_or_keyed_request_is_not_theirs_to_answer(as_member, seeded, sql):
    sql("INSERT INTO jobs (id, principal, kind, method, path) VALUES (gen_random_uuid(), 'alice', 'k', 'POST', '/p')")
    sql("INSERT INTO idempotent_requests (principal, key, request_digest, method, path) "
        "VALUES ('alice', 'k1', 'd', 'POST', '/p')")
    refused(as_member, "UPDATE jobs SET status = 'done', result = '{\"forged\": true}'")
    refused(as_member, "UPDATE idempotent_requests SET status = 201, reply = '{\"forged\": true}'")
    assert sql("SELECT status FROM jobs") == [{"status": "running"}]
    # Its own, it answers (as its server does).
    as_member("INSERT INTO jobs (id, principal, kind, method, path) VALUES (gen_random_uuid(), 'bob', 'k', 'POST', '/p')")
    as_member("UPDATE jobs SET status = 'done' WHERE principal = 'bob'")
    assert sql("SELECT recorded_by, status FROM jobs WHERE principal = 'bob'") == [
        {"recorded_by": seeded.name, "status": "done"}]


def test_an_owner_that_is_not_a_superuser(tmp_path, database_url, sql):
    """The usual production setup: the tables belong to an ordinary role that owns the schema."""
    owner, member, stranger = MemberRole(database_url, "ja_owner"), MemberRole(database_url), MemberRole(database_url)
    late = MemberRole(database_url)
    schema = sql("SELECT current_schema() AS s")[0]["s"]
    try:
        sql(sql_text(f'ALTER SCHEMA "{schema}" OWNER TO {{}}', owner.name))
        for args in (("migrate",), ("grant", member.name)):
            r = run_cli(tmp_path, *args, url=owner.url)
            assert r.returncode == 0, r.stderr
        with psycopg.connect(member.url, autocommit=True) as conn:
            conn.execute("INSERT INTO processing_steps (target_artifact_id, target_version_number, step_type, "
                         "recorded_by) VALUES ('a', 1, 'derive', %s)", (owner.name,))
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("DELETE FROM processing_steps")
        with psycopg.connect(owner.url, autocommit=True) as conn:
            assert conn.execute("SELECT recorded_by FROM processing_steps").fetchall() == [(member.name,)]
            conn.execute("INSERT INTO debate_sessions (id, topic) VALUES ('D', 't')")
        with psycopg.connect(member.url, autocommit=True) as conn:  # counted by the owner's trigger
            conn.execute("INSERT INTO debate_rounds (session_id, round_number, content) VALUES ('D', 1, 'x')")
        # The owner gives away the schema: it can no longer grant USAGE on it, and says so.
        sql(sql_text(f'ALTER SCHEMA "{schema}" OWNER TO {{}}', stranger.name))
        sql(sql_text(f'GRANT USAGE ON SCHEMA "{schema}" TO {{}}', owner.name))
        r = run_cli(tmp_path, "grant", late.name, url=owner.url)
        assert r.returncode != 0
        assert r.stderr.startswith(f"jupyter artifacts grant: Role {late.name} may not use schema {schema}, and "
                                   "only its owner can allow it")
        assert r.stderr.count("\n") == 1
    finally:
        sql(sql_text(f'ALTER SCHEMA "{schema}" OWNER TO {{}}', sql("SELECT current_user AS u")[0]["u"]))
        for role in (member, late, stranger, owner):
            role.drop()
