"""Member roles (API.md, "Team deployment"): the grants a single-user server's own login role
needs, and what the owner (the role that ran `migrate`) re-applies after every migration.

A member is a session user that is neither a superuser nor a member of the role owning the
schema's tables: it cannot become the owner, so the triggers of migration 0014 bind it. What a
member may write is listed here, table by table; a migration that adds a table a server writes
adds it here too (tests/db/test_member_roles.py fails for a table missing from READABLE).
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

from ..errors import Invalid, NotFound

log = logging.getLogger("jupyter_artifacts")

MEMBERS_TABLE = "jupyter_artifacts_members"

# Written once, never changed by a member (the triggers refuse UPDATE and DELETE as well).
INSERT_ONLY = ("artifact_links", "processing_steps", "notebook_cells", "notebook_snapshots", "chamber_artifacts",
               "debate_rounds", "notebook_append_requests")
# Tables a member inserts into, and the only columns of each it may UPDATE: the ones that
# legitimately change (the latest flag and lifecycle of a version, a moving tag, the notebooks
# pointer, closing a chamber or debate, cache and job bookkeeping). No table is deletable:
# purging old idempotency keys and evicting renders run as the owner (SECURITY DEFINER).
UPDATABLE = {
    "artifacts": ("is_latest", "version_tag", "lifecycle_state", "deprecated_at", "superseded_by"),
    "artifact_tags": ("version_id", "actor_type", "actor_id", "recorded_by", "created_at"),
    "notebooks": ("notebook_artifact_id", "file_path", "rendered_html_path"),
    "chambers": ("closed_at", "provenance_hash", "result_artifact_id"),
    "debate_sessions": ("closed_at", "verdict", "chamber_provenance_hash"),
    "notebook_renders": ("last_used_at",),
    "idempotent_requests": ("status", "reply"),
    "jobs": ("status", "http_status", "result", "error", "finished_at", "heartbeat_at"),
    # A running replay's progress, heartbeat and verdict (migration 0019 refuses any change once finished).
    "jupyter_artifacts_replays": ("status", "cells", "outputs", "duration_ms", "kernel", "environment", "message",
                                  "progress", "finished_at", "beat_at"),
}
# Read by a server (SELECT only beyond the two lists above).
READABLE = (*INSERT_ONLY, *UPDATABLE, "jupyter_artifacts_schema_version", "jupyter_artifacts_adoption_report",
            "jupyter_artifacts_backfill_state", "jupyter_artifacts_search", "jupyter_artifacts_search_cells",
            "jupyter_artifacts_search_cellwords", "jupyter_artifacts_search_words", "jupyter_artifacts_type_counts",
            "jupyter_artifacts_version_cells",
            MEMBERS_TABLE)
# Trigger functions that keep derived tables (search, round counts) for every writer: they run
# as the owner, so a member needs no UPDATE or DELETE on those tables.
MAINTAINERS = ("jupyter_artifacts_count_rounds", "jupyter_artifacts_search_sync", "jupyter_artifacts_search_sync_cell",
               "jupyter_artifacts_search_cells_added", "jupyter_artifacts_search_snapshot")
# Functions whose reads decide whether a member's write is refused.
GUARDS = ("jupyter_artifacts_closed_chamber", "jupyter_artifacts_is_member", "jupyter_artifacts_member_recorded_by",
          "jupyter_artifacts_member_guard", "jupyter_artifacts_member_own_row")


# The row triggers of migration 0014. Tables whose inserts get recorded_by = session_user for
# members; tables whose rows a member may update only if it recorded them.
RECORDED_BY = ("artifacts", "processing_steps", "debate_sessions", "debate_rounds", "chambers", "chamber_artifacts",
               "notebook_renders", "jobs", "idempotent_requests", "jupyter_artifacts_replays")
OWN_ROWS = ("jobs", "idempotent_requests", "jupyter_artifacts_replays")
# Table -> the columns a member may change (as UPDATABLE grants; debate_sessions also num_rounds,
# kept by the round-counting trigger).
GUARDED = {
    "artifacts": UPDATABLE["artifacts"], "artifact_tags": UPDATABLE["artifact_tags"],
    "notebooks": UPDATABLE["notebooks"], "chambers": UPDATABLE["chambers"],
    "debate_sessions": (*UPDATABLE["debate_sessions"], "num_rounds"),
    "artifact_links": (), "processing_steps": (), "notebook_cells": (), "notebook_snapshots": (),
    "chamber_artifacts": (), "debate_rounds": (),
    "jupyter_artifacts_replays": UPDATABLE["jupyter_artifacts_replays"],
}


async def _value(conn: psycopg.AsyncConnection, query, params=()) -> object:
    cur = await conn.execute(query, params)
    row = await cur.fetchone()
    return None if row is None else next(iter(row.values()) if isinstance(row, dict) else iter(row))


async def owner_of_schema_tables(conn: psycopg.AsyncConnection) -> str | None:
    """The role owning `artifacts` in the current schema (None before the first migration)."""
    return await _value(conn, """
        SELECT c.relowner::regrole::text FROM pg_catalog.pg_class c
         WHERE c.relnamespace = pg_catalog.to_regnamespace(current_schema())::oid AND c.relname = 'artifacts'""")


async def acts_as_owner(conn: psycopg.AsyncConnection, owner: str | None = None) -> bool:
    """Whether this session may do what the owner does (superuser, or a member of the owner).
    With no tables yet: whether it may create them."""
    owner = owner or await owner_of_schema_tables(conn)
    if owner is None:
        return bool(await _value(conn, """
            SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
                   OR pg_catalog.has_schema_privilege(current_schema(), 'CREATE')"""))
    return bool(await _value(conn, """
        SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user)
               OR pg_catalog.pg_has_role(session_user, %s::regrole, 'MEMBER')""", (owner,)))


async def is_member(conn: psycopg.AsyncConnection) -> bool:
    """Whether this session is a member role (migration 0014's definition, the triggers' own)."""
    return bool(await _value(conn, "SELECT jupyter_artifacts_is_member()"))


async def migration_blocker(conn: psycopg.AsyncConnection, done: int | None, latest: int) -> str | None:
    """Why this session cannot apply pending migrations (a sentence), or None when it can."""
    if await acts_as_owner(conn):
        return None
    who = await _value(conn, "SELECT session_user::text")
    schema = await _value(conn, "SELECT current_schema()::text")
    if schema is None or not await _value(conn, "SELECT pg_catalog.has_schema_privilege(current_schema(), 'USAGE')"):
        return (f"Role {who} cannot use the artifacts schema: the owner must run "
                f"`jupyter artifacts migrate` and `jupyter artifacts grant {who}`.")
    return (f"The artifacts schema is at version {done or 0} and this server needs version {latest}: "
            f"the owner must run `jupyter artifacts migrate`.")


async def secure_functions(conn: psycopg.AsyncConnection) -> None:
    """Run the MAINTAINERS as the owner, and pin the search path of every function that runs as
    the owner or decides a refusal (GUARDS): a member's temporary table named like ours must
    never stand in for it there. `CREATE OR REPLACE FUNCTION` in a later migration resets both,
    so this runs after every one. (Other trigger functions are left unpinned: a SET per call
    costs about 20% of a bulk insert, and a shadowed table there changes nothing a member could
    not write directly: a NOTIFY, a derived step it may omit anyway.)"""
    cur = await conn.execute("""
        SELECT p.oid::regprocedure::text AS f, p.proname AS name FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = pg_catalog.to_regnamespace(current_schema())::oid AND p.proname = ANY(%s)""",
        (list(MAINTAINERS + GUARDS),))
    schema = sql.Identifier(await _value(conn, "SELECT current_schema()::text"))
    for row in await cur.fetchall():
        security = sql.SQL("SECURITY DEFINER" if row["name"] in MAINTAINERS else "SECURITY INVOKER")
        await conn.execute(sql.SQL("ALTER FUNCTION {} {} SET search_path = {}, pg_temp").format(
            sql.SQL(row["f"]), security, schema))


async def _role(conn: psycopg.AsyncConnection, role: str) -> dict:
    cur = await conn.execute("SELECT rolname, rolsuper FROM pg_catalog.pg_roles WHERE rolname = %s",
                             (role,))
    found = await cur.fetchone()
    if found is None:
        raise NotFound(f"Role {role} does not exist; create it first (CREATE ROLE {role} LOGIN).")
    return found


async def _owner_only(conn: psycopg.AsyncConnection, action: str) -> str:
    owner = await owner_of_schema_tables(conn)
    if owner is None:
        raise Invalid(f"The artifacts schema has no tables yet: run `jupyter artifacts migrate` before {action}.")
    if not await acts_as_owner(conn, owner):
        who = await _value(conn, "SELECT session_user::text")
        raise Invalid(f"Only the owner of the artifacts tables ({owner}, the role that ran `jupyter artifacts migrate`) "
                      f"can {action}; this is {who}.")
    return owner


async def apply_grants(conn: psycopg.AsyncConnection, role: str) -> None:
    """What a single-user server needs and nothing more (idempotent)."""
    r, schema = sql.Identifier(role), await _value(conn, "SELECT current_schema()::text")
    usage = "SELECT pg_catalog.has_schema_privilege(%s, current_schema(), 'USAGE')"
    if not await _value(conn, usage, (role,)):
        await conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), r))
        # Granting what one may not grant is only a warning in PostgreSQL.
        if not await _value(conn, usage, (role,)):
            raise Invalid(f"Role {role} may not use schema {schema}, and only its owner can allow it: "
                          f"GRANT USAGE ON SCHEMA {schema} TO {role} as the owner of the schema, then grant again.")
    present = await _present(conn, READABLE)
    tables = sql.SQL(", ").join(sql.Identifier(t) for t in present)
    await conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(tables, r))
    writable = [t for t in (*INSERT_ONLY, *UPDATABLE) if t in present]
    await conn.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(
        sql.SQL(", ").join(sql.Identifier(t) for t in writable), r))
    for table, columns in UPDATABLE.items():
        if table in present:
            await conn.execute(sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(table), r))
    for seq in await _sequences(conn, writable):
        await conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.SQL(seq), r))


async def _present(conn: psycopg.AsyncConnection, tables) -> list[str]:
    cur = await conn.execute("""
        SELECT t FROM unnest(%s::text[]) t
         WHERE pg_catalog.to_regclass(pg_catalog.quote_ident(current_schema()) || '.' || pg_catalog.quote_ident(t))
               IS NOT NULL""", (list(tables),))
    return [row["t"] for row in await cur.fetchall()]


async def _sequences(conn: psycopg.AsyncConnection, tables: list[str]) -> list[str]:
    """The sequences behind serial and identity columns of `tables`."""
    cur = await conn.execute("""
        SELECT DISTINCT s.oid::regclass::text AS seq
          FROM pg_catalog.pg_class t
          JOIN pg_catalog.pg_depend d ON d.refobjid = t.oid AND d.deptype IN ('a', 'i')
          JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
         WHERE t.relnamespace = pg_catalog.to_regnamespace(current_schema())::oid AND t.relname = ANY(%s)""",
        (tables,))
    return [row["seq"] for row in await cur.fetchall()]


async def grant(conn: psycopg.AsyncConnection, role: str) -> None:
    owner = await _owner_only(conn, "grant roles")
    found = await _role(conn, role)
    if found["rolsuper"] or await _value(conn, "SELECT pg_catalog.pg_has_role(%s, %s::regrole, 'MEMBER')",
                                          (role, owner)):
        raise Invalid(f"Role {role} is a superuser or can act as the owner {owner}: a member role must be neither.")
    async with conn.transaction():
        await conn.execute(sql.SQL("INSERT INTO {} (role) VALUES (%s) ON CONFLICT DO NOTHING").format(
            sql.Identifier(MEMBERS_TABLE)), (role,))
        await apply_grants(conn, role)


async def revoke(conn: psycopg.AsyncConnection, role: str) -> None:
    await _owner_only(conn, "revoke roles")
    await _role(conn, role)
    r = sql.Identifier(role)
    async with conn.transaction():
        await conn.execute(sql.SQL("DELETE FROM {} WHERE role = %s").format(sql.Identifier(MEMBERS_TABLE)), (role,))
        present = await _present(conn, READABLE)
        await conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(
            sql.SQL(", ").join(sql.Identifier(t) for t in present), r))
        for seq in await _sequences(conn, present):
            await conn.execute(sql.SQL("REVOKE ALL ON SEQUENCE {} FROM {}").format(sql.SQL(seq), r))
        schema = await _value(conn, "SELECT current_schema()::text")
        await conn.execute(sql.SQL("REVOKE USAGE ON SCHEMA {} FROM {}").format(sql.Identifier(schema), r))


async def reapply(conn: psycopg.AsyncConnection) -> list[str]:
    """After migrations (run by the owner): functions secured again, and every granted role's
    grants extended to what the new schema needs. Returns the roles granted."""
    if await owner_of_schema_tables(conn) is None or not await acts_as_owner(conn):
        return []
    async with conn.transaction():
        await install_triggers(conn)
        await secure_functions(conn)
        cur = await conn.execute(sql.SQL("""
            SELECT m.role FROM {} m WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = m.role)
             ORDER BY m.role""").format(sql.Identifier(MEMBERS_TABLE)))
        roles = []
        for row in await cur.fetchall():
            try:
                await apply_grants(conn, row["role"])
                roles.append(row["role"])
            except Invalid as e:  # one role's schema USAGE withdrawn: the others still get theirs
                log.warning("jupyter_artifacts: grants of %s not re-applied: %s", row["role"], e.message)
    return roles


async def install_triggers(conn: psycopg.AsyncConnection) -> None:
    """(Re)create the member roles' row triggers. Each fires only `WHEN` the session user is not
    a member of the owner (superusers are members of every role): the owner's and superusers'
    writes skip them at the cost of one built-in call, where calling the full check
    (jupyter_artifacts_is_member(), which the trigger functions still make) cost about 10 us a
    row and halved the throughput of a 1.35 M-link backfill. The owner's OID is written into the
    clause, so `migrate` writes the triggers again (reapply) after an ownership change."""
    cur = await conn.execute("""
        SELECT c.relowner::oid AS owner FROM pg_catalog.pg_class c
         WHERE c.relnamespace = pg_catalog.to_regnamespace(current_schema())::oid AND c.relname = 'artifacts'""")
    owner = (await cur.fetchone())["owner"]
    gate = sql.SQL("WHEN (NOT pg_catalog.pg_has_role(session_user, {}::oid, 'MEMBER'))").format(sql.Literal(owner))
    # Migration 0014 calls this before later migrations create their tables (0019's replays).
    present = set(await _present(conn, (*RECORDED_BY, *GUARDED, *OWN_ROWS)))

    async def trigger(name: str, table: str, when: str, call: sql.Composable) -> None:
        if table not in present:
            return
        await conn.execute(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(name),
                                                                             sql.Identifier(table)))
        await conn.execute(sql.SQL("CREATE TRIGGER {} " + when + " ON {} FOR EACH ROW {} EXECUTE FUNCTION {}").format(
            sql.Identifier(name), sql.Identifier(table), gate, call))

    recorded_by = sql.SQL("jupyter_artifacts_member_recorded_by()")
    for table in RECORDED_BY:
        await trigger("jupyter_artifacts_member_recorded_by", table, "BEFORE INSERT", recorded_by)
    await trigger("jupyter_artifacts_member_recorded_by", "artifact_tags", "BEFORE INSERT OR UPDATE", recorded_by)
    for table, columns in GUARDED.items():
        await trigger("jupyter_artifacts_member_guard", table, "BEFORE UPDATE OR DELETE",
                      sql.SQL("jupyter_artifacts_member_guard({})").format(
                          sql.SQL(", ").join(sql.Literal(c) for c in columns)))
    for table in OWN_ROWS:
        await trigger("jupyter_artifacts_member_own_row", table, "BEFORE UPDATE",
                      sql.SQL("jupyter_artifacts_member_own_row()"))
    await trigger("jupyter_artifacts_member_closed_debate", "debate_rounds", "BEFORE INSERT",
                  sql.SQL("jupyter_artifacts_member_guard()"))
