"""Member roles (API.md, "Team deployment"): every single-user server may connect as its own
login role, and then the database itself records who wrote a row and refuses rewrites.

Under a member role (db/roles.py: neither a superuser nor able to act as the owner; no session
setting changes that):
* `recorded_by` is set from `session_user` on every insert (and on a tag's move), whatever the
  writer sent;
* versions change only in the columns that legitimately change; cells, steps, links, pins,
  rounds and snapshots never change; a closed chamber or debate never changes; nothing is
  deleted; no round joins a closed debate; only its own jobs and keyed requests are updated;
  a rendering it caches is served to no one else.
The owner's writes are untouched (the server's own recorder still applies under it).
Python, because the functions pin the search path of the schema being migrated (tests use one
schema each), and secure_functions() pins the other functions that guard or run as the owner.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from ..roles import install_triggers, secure_functions

DDL = """
-- Roles granted with `jupyter artifacts grant`: `migrate` re-applies their grants to new tables.
CREATE TABLE IF NOT EXISTS jupyter_artifacts_members (
    role       TEXT PRIMARY KEY,
    granted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Who opened a chamber or pinned a version (set by the trigger below for member roles).
ALTER TABLE chambers ADD COLUMN IF NOT EXISTS recorded_by TEXT;
ALTER TABLE chamber_artifacts ADD COLUMN IF NOT EXISTS recorded_by TEXT;
-- Whose job or keyed request a row is: a member may only finish, beat or answer its own.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS recorded_by TEXT;
ALTER TABLE idempotent_requests ADD COLUMN IF NOT EXISTS recorded_by TEXT;
-- A rendering is served only to the server that wrote it or from the owner's ('' here): a member
-- cannot plant HTML for another user's view of a version.
ALTER TABLE notebook_renders ADD COLUMN IF NOT EXISTS recorded_by TEXT NOT NULL DEFAULT '';
ALTER TABLE notebook_renders DROP CONSTRAINT IF EXISTS notebook_renders_pkey;
ALTER TABLE notebook_renders ADD PRIMARY KEY (render_key, recorded_by);

-- A member: not a superuser, and not a member of the role owning the tables (which could
-- SET ROLE to it and drop these triggers). Only session_user counts: SET ROLE cannot change it.
CREATE OR REPLACE FUNCTION jupyter_artifacts_is_member() RETURNS BOOLEAN
LANGUAGE sql STABLE SET search_path = {schema}, pg_temp AS $$
    SELECT NOT r.rolsuper AND NOT pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER')
      FROM pg_catalog.pg_roles r, pg_catalog.pg_class c
     WHERE r.rolname = session_user
       AND c.relnamespace = pg_catalog.to_regnamespace({schema_name})::oid AND c.relname = 'artifacts'
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_member_recorded_by() RETURNS trigger
LANGUAGE plpgsql SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF jupyter_artifacts_is_member() THEN
        NEW.recorded_by := session_user;
    END IF;
    RETURN NEW;
END
$$;

-- Arguments: the columns a member may change in a row that is not closed.
CREATE OR REPLACE FUNCTION jupyter_artifacts_member_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = {schema}, pg_temp AS $$
DECLARE
    mutable TEXT[] := COALESCE(TG_ARGV, '{{}}'::text[]);
    old_row JSONB;
BEGIN
    IF NOT jupyter_artifacts_is_member() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'INSERT' THEN  -- debate_rounds
        IF EXISTS (SELECT 1 FROM debate_sessions WHERE id = NEW.session_id AND closed_at IS NOT NULL) THEN
            RAISE EXCEPTION 'debate % is closed and cannot change', NEW.session_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows are never deleted by a member role (%)', TG_TABLE_NAME, session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    old_row := to_jsonb(OLD);
    IF old_row ? 'closed_at' AND old_row->>'closed_at' IS NOT NULL THEN
        RAISE EXCEPTION '% row is closed and cannot change', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (old_row - mutable) IS DISTINCT FROM (to_jsonb(NEW) - mutable) THEN
        RAISE EXCEPTION '% rows are immutable for a member role (%) except for: %', TG_TABLE_NAME, session_user,
            CASE WHEN cardinality(mutable) = 0 THEN 'nothing' ELSE array_to_string(mutable, ', ') END
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_member_own_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF jupyter_artifacts_is_member() AND OLD.recorded_by IS DISTINCT FROM session_user THEN
        RAISE EXCEPTION 'a member role (%) changes only its own % rows', session_user, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

-- Old idempotency keys and least recently used renders go as the owner: a member has no DELETE.
CREATE OR REPLACE FUNCTION jupyter_artifacts_purge_requests(keep_hours INTEGER) RETURNS BIGINT
LANGUAGE sql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    WITH gone AS (
        DELETE FROM idempotent_requests WHERE ctid IN (
            SELECT ctid FROM idempotent_requests
             WHERE created_at < now() - make_interval(hours => GREATEST(keep_hours, 24)) LIMIT 1000)
        RETURNING 1)
    SELECT count(*) FROM gone
$$;

CREATE OR REPLACE FUNCTION jupyter_artifacts_evict_renders(cap_bytes BIGINT) RETURNS BIGINT
LANGUAGE sql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    WITH locked AS (SELECT pg_try_advisory_xact_lock(hashtextextended('jupyter_artifacts:renders', 0)) AS ok),
         ranked AS (SELECT render_key, recorded_by,
                           sum(bytes) OVER (ORDER BY last_used_at DESC, render_key, recorded_by) AS upto
                      FROM notebook_renders WHERE (SELECT ok FROM locked)),
         gone AS (DELETE FROM notebook_renders r USING ranked
                   WHERE (r.render_key, r.recorded_by) = (ranked.render_key, ranked.recorded_by)
                     AND ranked.upto > cap_bytes RETURNING 1)
    SELECT count(*) FROM gone
$$;
"""


async def migrate(conn: psycopg.AsyncConnection) -> None:
    cur = await conn.execute("SELECT current_schema()::text AS s")
    schema_name = (await cur.fetchone())["s"]
    ddl = DDL.format(schema=sql.Identifier(schema_name).as_string(conn),
                     schema_name=sql.Literal(schema_name).as_string(conn))
    await conn.execute(ddl)
    await install_triggers(conn)
    await secure_functions(conn)
