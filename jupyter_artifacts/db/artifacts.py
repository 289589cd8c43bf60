"""SQL of the artifacts area. Functions take a connection; the service owns transactions."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

VERSION_COLUMNS = """
    a.id, a.artifact_id, a.artifact_type, a.title, a.version_number, a.parent_version_id,
    a.content_hash, COALESCE(a.is_latest, FALSE) AS is_latest, a.version_tag, a.changelog,
    a.lifecycle_state, a.deprecated_at, a.superseded_by, COALESCE(a.metadata, '{}'::jsonb) AS metadata,
    a.created_at, a.created_by_actor_type, a.created_by_actor_id, a.recorded_by,
    (SELECT p.artifact_id || '@v' || p.version_number FROM artifacts p WHERE p.id = a.parent_version_id) AS parent_ref,
    COALESCE((SELECT array_agg(t.tag ORDER BY t.created_at, t.tag)
                FROM artifact_tags t WHERE t.version_id = a.id), '{}') AS tags"""


def _cols(with_content: bool) -> str:
    return VERSION_COLUMNS + (", a.content" if with_content else "")


async def _one(conn: psycopg.AsyncConnection, sql: str, params: Any) -> dict | None:
    cur = await conn.execute(sql, params)
    return await cur.fetchone()


async def _all(conn: psycopg.AsyncConnection, sql: str, params: Any) -> list[dict]:
    cur = await conn.execute(sql, params)
    return await cur.fetchall()


async def artifact_exists(conn, artifact_id: str) -> bool:
    return await _one(conn, "SELECT 1 FROM artifacts WHERE artifact_id = %s LIMIT 1", (artifact_id,)) is not None


async def artifact_of_row(conn, row_id: str) -> str | None:
    row = await _one(conn, "SELECT artifact_id FROM artifacts WHERE id = %s", (row_id,))
    return row["artifact_id"] if row else None


async def latest(conn, artifact_id: str, *, content: bool = False) -> dict | None:
    # The constraint makes is_latest unique among non-exempt rows; the ordering only
    # matters for adopted chains the report lists.
    return await _one(conn, f"""
        SELECT {_cols(content)} FROM artifacts a WHERE a.artifact_id = %s
         ORDER BY a.is_latest DESC NULLS LAST, a.adoption_exempt, a.version_number DESC NULLS LAST
         LIMIT 1""", (artifact_id,))


async def by_number(conn, artifact_id: str, n: int, *, content: bool = False) -> dict | None:
    return await _one(conn, f"""
        SELECT {_cols(content)} FROM artifacts a
         WHERE a.artifact_id = %s AND a.version_number = %s
         ORDER BY a.adoption_exempt, a.created_at LIMIT 1""", (artifact_id, n))


async def by_row_id(conn, row_id: str, *, content: bool = False) -> dict | None:
    return await _one(conn, f"SELECT {_cols(content)} FROM artifacts a WHERE a.id = %s", (row_id,))


async def all_versions(conn, artifact_id: str) -> list[dict]:
    return await _all(conn, f"""
        SELECT {_cols(False)} FROM artifacts a WHERE a.artifact_id = %s
         ORDER BY a.version_number NULLS LAST, a.created_at, a.id""", (artifact_id,))


async def list_latest(conn, *, artifact_type: str | None, tag: str | None, after: tuple | None,
                      limit: int, literal: str | None = None) -> list[dict]:
    """Latest versions, newest first; with `literal`, those whose id or title contains it."""
    where = ["a.is_latest"]
    params: list[Any] = []
    if artifact_type:
        where.append("a.artifact_type = %s")
        params.append(artifact_type)
    if literal:
        like = "%" + literal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(a.title ILIKE %s OR a.artifact_id ILIKE %s)")
        params += [like, like]
    if tag:
        where.append("EXISTS (SELECT 1 FROM artifact_tags t WHERE t.artifact_id = a.artifact_id AND t.tag = %s)")
        params.append(tag)
    if after:
        where.append("(a.created_at, a.id) < (%s, %s)")
        params += list(after)
    params.append(limit)
    return await _all(conn, f"""
        SELECT {_cols(False)} FROM artifacts a WHERE {' AND '.join(where)}
         ORDER BY a.created_at DESC, a.id DESC LIMIT %s""", params)


# -- search (migration 0008) --------------------------------------------------------------------
# A search lists latest versions in tiers, best first, newest first within a tier:
#   4  the artifact id is what was typed
#   3  every word of the query is in the id or the title
#   2  every word is in the id, title or content (and not all of them in the id and title)
#   1  a notebook one of whose cells holds every word (and whose id, title and content do not)
# The tiers are disjoint, so a page is the next rows of its tier, then of the tiers below.
# Recency inside a tier (rather than ts_rank over every match) keeps a common word as cheap
# as a rare one: nothing has to score every match before the first page.
#
# How a tier is read, whatever the words: first a window of the newest latest versions (after
# the cursor), each checked; a common word fills the page there and stops. If the window
# holds too few matches, the rest come from the GIN indexes, restricted to rows older than
# the window, and sorted: there are few of them by then. The window is the newest rows
# whatever their type (type and tag are checked with the words), so it reads neighbouring
# rows on few pages; only the notebook tier walks notebooks alone, and fewer of them, as
# checking one reads its cells.
# Left to itself the planner guesses: it puts every prefix (`word:*`) it has no statistics
# for at 0.5 % of the rows, and for a rare prefix it would walk the recency index through
# every row to fill a page that never fills.

SEARCH_TIERS = (4, 3, 2, 1)
LITERAL_TIER = 0  # a text without any word (`%_`, `→`): ids and titles holding it, newest first
SEARCH_WINDOW = {3: 4000, 2: 4000, 1: 256}  # rows a window checks (tier 1: notebooks)
_QUERY = "%(tsq)s::tsquery"
_TIER_WHERE = {
    4: "s.artifact_id = ANY(%(exact)s)",
    3: f"s.head @@ {_QUERY}",
    2: f"s.doc @@ {_QUERY} AND NOT s.head @@ {_QUERY}",
    1: f"""NOT s.doc @@ {_QUERY} AND EXISTS (
              SELECT 1 FROM jupyter_artifacts_search_cells c WHERE c.artifact_id = s.artifact_id AND c.code @@ {_QUERY})""",
}
_NEWEST = "ORDER BY s.created_at DESC, s.id DESC"
_AFTER = "(s.created_at, s.id) < (%(after_at)s, %(after_id)s)"


async def _search_rows(conn, sql: str, params: dict) -> list[dict]:
    # Planned for the words at hand, never as a generic plan (psycopg prepares repeated queries).
    cur = await conn.execute(f"""
        SELECT {_cols(False)}, hit.created_at AS search_at FROM ({sql}) hit
          JOIN artifacts a ON a.id = hit.id
         ORDER BY hit.created_at DESC, hit.id DESC""", params, prepare=False)
    return await cur.fetchall()


async def search_query(conn, q: str) -> str | None:
    """The tsquery (as text) of what a user typed: see jupyter_artifacts_search_query() in
    migration 0008; None when the text holds no word (no letter or digit, to the parser)."""
    row = await _one(conn, "SELECT jupyter_artifacts_search_query(%s)::text AS tsq", (q,))
    return row["tsq"]


def _and(*conditions: str) -> str:
    return " AND ".join(conditions) or "TRUE"


async def search_tier(conn, tier: int, *, tsq: str, exact: list[str], artifact_type: str | None,
                      tag: str | None, after: tuple | None, limit: int) -> list[dict]:
    """The latest versions of one tier, newest first (see above): at most `limit` rows after
    `after` = (search_at, id), the last row already listed. Rows carry `search_at`, the time
    the tier is ordered by. `tsq` comes from search_query()."""
    params: dict[str, Any] = {"tsq": tsq, "exact": exact, "limit": limit, "type": artifact_type, "tag": tag,
                              "window": SEARCH_WINDOW.get(tier, 0)}
    if after:
        params["after_at"], params["after_id"] = after
    resume = [_AFTER] if after else []
    scope = ["s.artifact_type = 'notebook'"] if tier == 1 else []  # cells belong to notebooks
    match = [_TIER_WHERE[tier]]
    if tier != 4 and exact:
        match.append("s.artifact_id <> ALL(%(exact)s)")  # listed in tier 4
    if artifact_type:
        match.append("s.artifact_type = %(type)s")
    if tag:
        match.append("EXISTS (SELECT 1 FROM artifact_tags t WHERE t.artifact_id = s.artifact_id AND t.tag = %(tag)s)")
    if tier == 4:
        return await _search_rows(conn, f"""
            SELECT s.id, s.created_at FROM jupyter_artifacts_search s WHERE {_and(*scope, *match, *resume)}
             {_NEWEST} LIMIT %(limit)s""", params)
    rows = await _search_rows(conn, f"""
        SELECT s.id, s.created_at FROM (
            SELECT s.* FROM jupyter_artifacts_search s WHERE {_and(*scope, *resume)} {_NEWEST} LIMIT %(window)s) s
         WHERE {_and(*match)} {_NEWEST} LIMIT %(limit)s""", params)
    if len(rows) >= limit:
        return rows
    end = await _one(conn, f"""
        SELECT s.created_at, s.id FROM jupyter_artifacts_search s WHERE {_and(*scope, *resume)}
         {_NEWEST} OFFSET %(window)s - 1 LIMIT 1""", params)
    if end is None:
        return rows  # the window held every row there is
    params["after_at"], params["after_id"] = end["created_at"], end["id"]
    params["limit"] = limit - len(rows)
    # Every match older than the window, through the GIN indexes (MATERIALIZED: all of them,
    # never a walk along the recency index), then the newest of those.
    if tier == 1:
        # The notebooks with a matching cell first, then each one's row (OFFSET 0 keeps that a
        # lookup per notebook, never a walk through every row to merge with them).
        older = f"""
            SELECT s.id, s.created_at FROM (
                SELECT DISTINCT c.artifact_id FROM jupyter_artifacts_search_cells c WHERE c.code @@ {_QUERY}) hit
             CROSS JOIN LATERAL (
                SELECT s.id, s.created_at FROM jupyter_artifacts_search s
                 WHERE s.artifact_id = hit.artifact_id AND {_and(*scope, *match[1:], _AFTER, f"NOT s.doc @@ {_QUERY}")}
                OFFSET 0) s"""
    else:
        older = f"SELECT s.id, s.created_at FROM jupyter_artifacts_search s WHERE {_and(*scope, *match, _AFTER)}"
    return rows + await _search_rows(conn, f"""
        WITH older AS MATERIALIZED ({older})
        SELECT s.id, s.created_at FROM older s {_NEWEST} LIMIT %(limit)s""", params)


async def type_counts(conn) -> list[dict]:
    """Latest versions per artifact type, most common first."""
    return await _all(conn, """
        SELECT artifact_type, count(*) AS count FROM jupyter_artifacts_search
         WHERE artifact_type IS NOT NULL
         GROUP BY artifact_type ORDER BY count(*) DESC, artifact_type""", ())


async def lock_artifact(conn, artifact_id: str) -> None:
    """Serialise writers of one artifact across every server (released at commit).

    The unique indexes are the guarantee; the lock only spares racing writers a retry."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('jupyter_artifacts:' || %s, 0))",
                       (artifact_id,))


async def insert_version(conn, row: dict) -> dict | None:
    """Insert one version row; None when the row id is taken."""
    return await _one(conn, f"""
        WITH ins AS (
            INSERT INTO artifacts (id, artifact_id, artifact_type, title, metadata, content, content_hash,
                                   version_number, parent_version_id, is_latest, changelog, lifecycle_state,
                                   created_by_actor_type, created_by_actor_id, recorded_by, created_at)
            VALUES (%(id)s, %(artifact_id)s, %(artifact_type)s, %(title)s, %(metadata)s, %(content)s,
                    %(content_hash)s, %(version_number)s, %(parent_version_id)s, TRUE, %(changelog)s, 'active',
                    %(actor_type)s, %(actor_id)s, %(recorded_by)s, clock_timestamp())
            ON CONFLICT (id) DO NOTHING
            RETURNING *)
        SELECT {_cols(True).replace('a.', 'ins.')} FROM ins""",
        {**row, "metadata": Jsonb(row["metadata"]), "content": Jsonb(row["content"])})


async def demote_latest(conn, artifact_id: str) -> None:
    await conn.execute("UPDATE artifacts SET is_latest = FALSE WHERE artifact_id = %s AND is_latest",
                       (artifact_id,))


async def insert_step(conn, step: dict) -> str:
    row = await _one(conn, """
        INSERT INTO processing_steps (source_artifact_id, source_version_number, target_artifact_id,
                                      target_version_number, step_type, actor_type, actor_id, recorded_by,
                                      method, parameters, chamber_id, link_id, created_at)
        VALUES (%(source_artifact_id)s, %(source_version_number)s, %(target_artifact_id)s,
                %(target_version_number)s, %(step_type)s, %(actor_type)s, %(actor_id)s, %(recorded_by)s,
                %(method)s, %(parameters)s, %(chamber_id)s, %(link_id)s, clock_timestamp())
        RETURNING id::text AS id""", {"link_id": None, "chamber_id": None, **step,
                                      "parameters": Jsonb(step["parameters"])})
    return row["id"]


# -- tags ------------------------------------------------------------------------------

async def tag_holder(conn, artifact_id: str, tag: str) -> str | None:
    row = await _one(conn, "SELECT version_id FROM artifact_tags WHERE artifact_id = %s AND tag = %s FOR UPDATE",
                     (artifact_id, tag))
    return row["version_id"] if row else None


async def insert_tag(conn, artifact_id: str, tag: str, version_id: str, actor: dict) -> bool:
    cur = await conn.execute("""
        INSERT INTO artifact_tags (artifact_id, tag, version_id, actor_type, actor_id, recorded_by)
        VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (artifact_id, tag, version_id, actor["actor_type"], actor["actor_id"], actor["recorded_by"]))
    return cur.rowcount == 1


async def move_tag(conn, artifact_id: str, tag: str, version_id: str, actor: dict) -> None:
    await conn.execute("""
        UPDATE artifact_tags SET version_id = %s, actor_type = %s, actor_id = %s, recorded_by = %s,
                                 created_at = clock_timestamp()
         WHERE artifact_id = %s AND tag = %s""",
        (version_id, actor["actor_type"], actor["actor_id"], actor["recorded_by"], artifact_id, tag))


async def refresh_version_tag(conn, version_ids: list[str]) -> None:
    """version_tag mirrors the most recent tag, for readers that know only that column."""
    await conn.execute("""
        UPDATE artifacts a SET version_tag = (
            SELECT t.tag FROM artifact_tags t WHERE t.version_id = a.id
             ORDER BY t.created_at DESC, t.tag DESC LIMIT 1)
         WHERE a.id = ANY(%s)""", (version_ids,))


# -- lifecycle -------------------------------------------------------------------------

async def set_lifecycle(conn, row_id: str, state: str, superseded_by: str | None) -> None:
    await conn.execute("""
        UPDATE artifacts SET lifecycle_state = %s, superseded_by = %s,
               deprecated_at = CASE WHEN %s = 'active' THEN NULL
                                    ELSE COALESCE(deprecated_at, now()) END
         WHERE id = %s""", (state, superseded_by, state, row_id))


# -- links -----------------------------------------------------------------------------

LINK_COLUMNS = """
    l.id, l.source_artifact_id AS source_id, l.target_artifact_id AS target_id, l.link_type,
    l.strength, l.evidence, l.created_at,
    CASE WHEN s.id IS NULL THEN NULL ELSE s.artifact_id || '@v' || s.version_number END AS source,
    CASE WHEN t.id IS NULL THEN NULL ELSE t.artifact_id || '@v' || t.version_number END AS target,
    (SELECT p.id::text FROM processing_steps p WHERE p.link_id = l.id) AS processing_step_id"""


async def insert_link(conn, source_id: str, target_id: str, link_type: str, strength, evidence) -> int:
    row = await _one(conn, """
        INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type, strength, evidence, created_at)
        VALUES (%s, %s, %s, %s, %s, clock_timestamp()) RETURNING id""",
        (source_id, target_id, link_type, strength, evidence))
    return row["id"]


async def link_by_id(conn, link_id: int) -> dict:
    return await _one(conn, f"""
        SELECT {LINK_COLUMNS} FROM artifact_links l
          LEFT JOIN artifacts s ON s.id = l.source_artifact_id
          LEFT JOIN artifacts t ON t.id = l.target_artifact_id
         WHERE l.id = %s""", (link_id,))


async def links_of(conn, row_ids: list[str], direction: str) -> list[dict]:
    column = "l.source_artifact_id" if direction == "outgoing" else "l.target_artifact_id"
    return await _all(conn, f"""
        SELECT {LINK_COLUMNS} FROM artifact_links l
          LEFT JOIN artifacts s ON s.id = l.source_artifact_id
          LEFT JOIN artifacts t ON t.id = l.target_artifact_id
         WHERE {column} = ANY(%s) ORDER BY l.created_at, l.id""", (row_ids,))


async def row_ids_of(conn, artifact_id: str) -> list[str]:
    return [r["id"] for r in await _all(conn, "SELECT id FROM artifacts WHERE artifact_id = %s", (artifact_id,))]
