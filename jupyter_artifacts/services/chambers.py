"""Rules of the chambers area: working sets that pin exact versions, all or nothing, and
close with a provenance hash; persona workspaces."""

from __future__ import annotations

import uuid

from psycopg import errors as pg_errors

from ..db import chambers as store
from ..db.pool import Database
from ..errors import Closed, Conflict, Invalid, NotFound, quote
from ..hashing import sha256_ref
from ..models import chambers as m
from ..refs import parse_ref
from .actors import Actor
from .artifacts import first_version_row, insert_first_version
from .pages import decode_cursor, page_of
from .versions import resolve

WORKSPACE_PAPERS = 20


def provenance_hash(pins: list[dict]) -> str:
    """API.md: sha256 of the canonical list of {artifact_id, version_number, content_hash, role},
    sorted by artifact_id in code-point order, then version_number."""
    entries = sorted(({"artifact_id": p["artifact_id"], "version_number": p["version_number"],
                       "content_hash": p["content_hash"], "role": p["role"]} for p in pins),
                     key=lambda e: (e["artifact_id"], e["version_number"]))
    return sha256_ref(entries)


def chamber_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except (ValueError, AttributeError, TypeError):
        raise Invalid(f"{quote(text)} is not a chamber id (a UUID).") from None


def to_chamber(row: dict, pins: list[dict]) -> m.Chamber:
    return m.Chamber(**row, artifacts=[
        m.Pin(ref=f"{p['artifact_id']}@v{p['version_number']}", **p) for p in pins])


async def pull_into(conn, cid: str, entries: list[m.PullEntry], actor: Actor) -> list[dict]:
    """Pin every entry's exact version in the caller's transaction (which rolls back all of
    them if one is unknown). Returns the versions pinned now (already pinned ones are left
    as they were, first role kept)."""
    chamber = await store.get(conn, cid, lock="share")
    if chamber is None:
        raise NotFound(f"There is no chamber {cid}.")
    if chamber["closed_at"] is not None:
        raise Closed(f"Chamber {cid} is closed; nothing can be pulled into it.")
    added = []
    for entry in entries:
        ref = parse_ref(entry.artifact_id)
        if entry.version_number is not None and ref.version is not None and ref.version != entry.version_number:
            raise Invalid(f"{quote(entry.artifact_id)} and version_number {entry.version_number} name "
                          "different versions.")
        if entry.version_number is not None and ref.version is None:
            ref = type(ref)(ref.base, entry.version_number)
        found = await resolve(conn, ref)
        if found.row is None or found.row["version_number"] is None:
            raise NotFound(f"{quote(entry.artifact_id)} names no version that can be pinned.")
        row = found.row
        if await store.pin(conn, cid, row["artifact_id"], row["version_number"], row["content_hash"], entry.role,
                           actor.as_dict()):
            added.append(row)
    return added


class ChamberService:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, body: m.CreateChamber, actor: Actor) -> m.Chamber:
        owner_type, owner_id = body.owner_actor_type, body.owner_actor_id
        if (owner_type is None) != (owner_id is None):
            raise Invalid("owner_actor_type and owner_actor_id go together: give both or neither.")
        if owner_type is None:
            owner_type, owner_id = actor.actor_type, actor.actor_id
        fields = {"name": body.name, "purpose": body.purpose, "owner_actor_type": owner_type,
                  "owner_actor_id": owner_id, "parent_session_id": body.parent_session_id,
                  "recorded_by": actor.recorded_by}

        async def work(conn):
            try:
                async with conn.transaction():
                    return await store.insert(conn, fields)
            except pg_errors.UniqueViolation:  # the one-open-workspace-per-owner index
                raise Conflict(f"{owner_type} {quote(owner_id)} already has an open persona_workspace chamber; "
                               "close it first (a persona's is opened by POST /api/personas/{id}/workspace).") from None

        return to_chamber(await self.db.run(work), [])

    async def get(self, cid: str) -> m.Chamber:
        cid = chamber_id(cid)
        async with self.db.connection() as conn:
            row = await store.get(conn, cid)
            if row is None:
                raise NotFound(f"There is no chamber {cid}.")
            return to_chamber(row, await store.pins(conn, cid))

    async def list(self, query: m.ListChambers) -> m.ChamberPage:
        after = decode_cursor(query.cursor) if query.cursor else None
        async with self.db.connection() as conn:
            rows = await store.listing(conn, purpose=query.purpose, status=query.status, after=after,
                                       limit=query.limit + 1)
        rows, cursor = page_of(rows, query.limit)
        return m.ChamberPage(items=[m.ChamberSummary(**r) for r in rows], next_cursor=cursor)

    async def pull(self, cid: str, entries: list[m.PullEntry], actor: Actor) -> m.Chamber:
        cid = chamber_id(cid)
        if not entries:
            raise Invalid("Give at least one entry to pull.")

        async def work(conn):
            await pull_into(conn, cid, entries, actor)
            return to_chamber(await store.get(conn, cid), await store.pins(conn, cid))

        return await self.db.run(work)

    async def close(self, cid: str, body: m.CloseChamber, actor: Actor) -> m.Chamber:
        cid = chamber_id(cid)
        result_row = None
        if body.result is not None:
            r = body.result
            if r.artifact_type == "notebook":
                raise Invalid("A chamber's result cannot be a notebook; register it with POST /api/notebooks "
                              "and pull it in before closing.")
            result_row = first_version_row(None, r.artifact_type, r.title, r.metadata, r.content, "chamber result",
                                           actor)

        async def work(conn):
            return await close_chamber(conn, cid, actor, result_row)

        return await self.db.run(work)

    async def workspace(self, persona_id: str, actor: Actor, *, create: bool) -> tuple[m.Chamber, bool]:
        """The persona's open workspace; with `create`, opened (and filled) if there is none."""

        async def work(conn):
            found = await resolve(conn, parse_ref(persona_id))
            if found.row is None or found.row["artifact_type"] != "persona":
                raise NotFound(f"{quote(persona_id)} is not a persona artifact.")
            pid = found.artifact_id
            row = await store.open_workspace(conn, pid)
            if row is not None or not create:
                if row is None:
                    raise NotFound(f"{pid} has no open workspace.")
                return to_chamber(row, await store.pins(conn, row["id"])), False
            row = await store.insert_workspace(conn, f"Workspace of {pid}", pid, actor.recorded_by)
            if row is None:  # opened concurrently: return that one
                row = await store.open_workspace(conn, pid)
                return to_chamber(row, await store.pins(conn, row["id"])), False
            sources = await store.persona_sources(conn, pid, WORKSPACE_PAPERS)
            entries = [m.PullEntry(artifact_id=f"{pid}@v{found.row['version_number']}", role="reference")]
            entries += [m.PullEntry(artifact_id=f"{t['artifact_id']}@v{t['version_number']}", role="reference")
                        for t in sources["targets"] + sources["papers"]]
            await pull_into(conn, row["id"], entries, actor)
            return to_chamber(row, await store.pins(conn, row["id"])), True

        return await self.db.run(work)


async def close_chamber(conn, cid: str, actor: Actor, result_row: dict | None) -> m.Chamber:
    """Close in the caller's transaction: the result (if any) is created and pinned as
    workbench first, then the hash is taken over every pin."""
    chamber = await store.get(conn, cid, lock="update")
    if chamber is None:
        raise NotFound(f"There is no chamber {cid}.")
    if chamber["closed_at"] is not None:
        raise Closed(f"Chamber {cid} is already closed.")
    result_id = None
    if result_row is not None:
        created = await insert_first_version(conn, result_row)
        result_id = created["id"]
        await store.pin(conn, cid, created["artifact_id"], 1, created["content_hash"], "workbench", actor.as_dict())
    pins = await store.pins(conn, cid)
    row = await store.close(conn, cid, provenance_hash(pins), result_id)
    return to_chamber(row, pins)
