"""Rules of the debates area: sessions pinned to an exact target version, a debate chamber
per session, rounds whose citations are resolved to exact versions, close with the
chamber's provenance hash."""

from __future__ import annotations

import secrets

from ..citations import candidate_ids, resolve_mentions, scan
from ..db import artifacts as art_store
from ..db import chambers as chamber_store
from ..db import debates as store
from ..db.pool import Database
from ..errors import Closed, Conflict, NotFound, quote
from ..hashing import normalize_json
from ..models import debates as m
from ..models.chambers import PullEntry
from ..refs import check_id, parse_ref
from .actors import Actor
from .chambers import close_chamber, pull_into
from .pages import decode_cursor, page_of
from .versions import resolve


def input_tag(session_id: str) -> str:
    return f"debate-{session_id}-input"


def _version(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def to_session(row: dict, rounds: list[dict] | None = None) -> m.Session:
    return m.Session(**{**row, "target_artifact_version": _version(row["target_artifact_version"])},
                     rounds=None if rounds is None else [m.Round(**r) for r in rounds])


async def _session(conn, session_id: str, *, lock: bool = False) -> dict:
    session = await store.session(conn, session_id, lock=lock)
    if session is None:
        raise NotFound(f"There is no debate {quote(session_id)}.")
    return session


async def _open_session(conn, session_id: str, why_closed: str) -> dict:
    """The session, locked for this transaction; 404 if unknown, 409 `closed` if closed."""
    session = await _session(conn, session_id, lock=True)
    if session["closed_at"] is not None:
        raise Closed(f"Debate {session_id} is closed; {why_closed}.")
    return session


class DebateService:
    def __init__(self, db: Database):
        self.db = db

    async def list(self, query: m.ListDebates) -> m.SessionPage:
        after = decode_cursor(query.cursor) if query.cursor else None
        async with self.db.connection() as conn:
            rows = await store.listing(conn, status=query.status, target=query.target, after=after,
                                       limit=query.limit + 1)
        rows, cursor = page_of(rows, query.limit, time_key="started_at")
        return m.SessionPage(items=[to_session(r) for r in rows], next_cursor=cursor)

    async def create(self, body: m.CreateDebate, actor: Actor) -> m.Session:
        session_id = body.id or f"debate-{secrets.token_hex(4)}"
        topic = normalize_json(body.topic, "topic")

        async def work(conn):
            if await store.session_exists(conn, session_id):
                raise Conflict(f"A debate with the id {quote(session_id)} already exists.")
            target = (await resolve(conn, parse_ref(body.target_artifact_id))).row
            if target is None or target["version_number"] is None:
                raise NotFound(f"{quote(body.target_artifact_id)} names no version to debate.")
            if not target["content_hash"]:
                raise Conflict(f"{target['artifact_id']}@v{target['version_number']} has no content hash to pin "
                               "(an adopted legacy version); debate a version that has one.")
            chamber = await chamber_store.insert(conn, {
                "name": topic[:500], "purpose": "debate", "owner_actor_type": actor.actor_type,
                "owner_actor_id": actor.actor_id, "parent_session_id": session_id, "recorded_by": actor.recorded_by})
            await store.insert_session(conn, {
                "id": session_id, "target_artifact_id": target["artifact_id"],
                "version": str(target["version_number"]), "hash": target["content_hash"], "topic": topic,
                "debate_type": body.debate_type, "chamber_id": chamber["id"],
                "note": f"pinned at creation to {target['artifact_id']}@v{target['version_number']}",
                **actor.as_dict()})
            entries = [PullEntry(artifact_id=f"{target['artifact_id']}@v{target['version_number']}", role="input")]
            await pull_into(conn, chamber["id"], entries + list(body.pull), actor)
            return to_session(await store.session(conn, session_id), [])

        return await self.db.run(work)

    async def get(self, session_id: str) -> m.Session:
        check_id(session_id, "debate id")
        async with self.db.connection() as conn:
            return to_session(await _session(conn, session_id), await store.rounds(conn, session_id))

    async def add_round(self, session_id: str, body: m.CreateRound, actor: Actor) -> m.Round:
        check_id(session_id, "debate id")
        prompt = normalize_json(body.prompt, "prompt")
        content = normalize_json(body.content, "content")

        async def work(conn):
            session = await _open_session(conn, session_id, "it takes no more rounds")
            n = body.round_number or await store.next_round_number(conn, session_id)
            if await store.round_exists(conn, session_id, n):
                raise Conflict(f"Debate {session_id} already has a round {n}.")
            refs, unresolved = await self._references(conn, session["chamber_id"], prompt, content, body.evidence)
            if session["chamber_id"] is not None and refs:
                await pull_into(conn, session["chamber_id"], [
                    PullEntry(artifact_id=f"{r['artifact_id']}@v{r['version_number']}", role="reference")
                    for r in refs], actor)
            await self._move_input_tags(conn, session_id, refs, actor)
            row = await store.insert_round(conn, {
                "session_id": session_id, "round_number": n, "actor_type": body.actor_type,
                "actor_id": body.actor_id, "persona_id": body.actor_id if body.actor_type == "persona" else None,
                "prompt": prompt, "content": content, "refs": refs, "recorded_by": actor.recorded_by})
            return m.Round(**row, unresolved_citations=unresolved)

        return await self.db.run(work)

    async def _references(self, conn, chamber_id, prompt, content, evidence) -> tuple[list[dict], list[dict]]:
        """API.md's citation rule, with every lookup done in two queries; and the `X@vN` that
        name no version (ignored by the rule, but an agent should hear of its typo)."""
        texts = [("input", prompt or ""), ("output", content or "")]
        scanned = [(role, scan(text)) for role, text in texts]
        pairs = [(x.artifact_id, x.version_number) for _, ms in scanned for x in ms if x.version_number is not None]
        known = await store.existing_versions(conn, pairs)
        unresolved = [{"token": f"{x.artifact_id}@v{x.version_number}", "role": role, "offset_chars": x.offset}
                      for role, ms in scanned for x in ms
                      if x.version_number is not None and (x.artifact_id, x.version_number) not in known]
        ids = sorted(candidate_ids(x for _, ms in scanned for x in ms))
        pinned = await store.pinned_versions(conn, chamber_id, ids) if chamber_id else {}
        refs = []
        for role, mentions in scanned:
            for c in resolve_mentions(mentions, role, version_exists=lambda a, v: (a, v) in known,
                                      pinned_version=lambda a: pinned[a]["version_number"] if a in pinned else None):
                info = known.get((c.artifact_id, c.version_number)) or pinned.get(c.artifact_id)
                refs.append({"artifact_id": c.artifact_id, "version_number": c.version_number,
                             "content_hash": info["content_hash"], "role": c.role,
                             "cited_at_offset_chars": c.cited_at_offset_chars,
                             "_type": info.get("artifact_type")})
        for entry in evidence:
            ref = parse_ref(entry.artifact_id)
            if entry.version_number is not None:
                ref = type(ref)(ref.base, entry.version_number)
            row = (await resolve(conn, ref)).row
            if row is None or row["version_number"] is None:
                raise NotFound(f"The evidence {quote(entry.artifact_id)} names no version.")
            refs.append({"artifact_id": row["artifact_id"], "version_number": row["version_number"],
                         "content_hash": row["content_hash"], "role": "evidence", "cited_at_offset_chars": -1,
                         "_type": row["artifact_type"]})
        return refs, unresolved

    @staticmethod
    async def _move_input_tags(conn, session_id: str, refs: list[dict], actor: Actor) -> None:
        """The tag debate-<id>-input names the most recently referenced version of each
        referenced notebook (the last reference of this round wins)."""
        last: dict[str, int] = {}
        for r in refs:
            if r.pop("_type", None) == "notebook":
                last[r["artifact_id"]] = r["version_number"]
        tag = input_tag(session_id)
        for artifact_id, n in sorted(last.items()):
            row = await art_store.by_number(conn, artifact_id, n)
            holder = await art_store.tag_holder(conn, artifact_id, tag)
            if holder == row["id"]:
                continue
            if holder is None:
                await art_store.insert_tag(conn, artifact_id, tag, row["id"], actor.as_dict())
            else:
                await art_store.move_tag(conn, artifact_id, tag, row["id"], actor.as_dict())
            await art_store.refresh_version_tag(conn, [row["id"]] + ([holder] if holder else []))

    async def close(self, session_id: str, body: m.CloseDebate, actor: Actor) -> m.Session:
        check_id(session_id, "debate id")
        verdict = normalize_json(body.verdict, "verdict")

        async def work(conn):
            session = await _open_session(conn, session_id, "it cannot be closed again")
            provenance = None
            if session["chamber_id"] is not None:
                provenance = (await close_chamber(conn, session["chamber_id"], actor, None)).provenance_hash
            await store.close_session(conn, session_id, verdict, provenance)
            return to_session(await store.session(conn, session_id), await store.rounds(conn, session_id))

        return await self.db.run(work)

    async def artifacts(self, session_id: str) -> m.DebateArtifacts:
        """The union of the pinned target, the chamber's pins and every round's references."""
        check_id(session_id, "debate id")
        async with self.db.connection() as conn:
            session = await _session(conn, session_id)
            entries: dict[tuple[str, int], dict] = {}

            def add(artifact_id, n, content_hash, role, source):
                e = entries.setdefault((artifact_id, n), {"artifact_id": artifact_id, "version_number": n,
                                                          "content_hash": content_hash, "role": role, "sources": []})
                if source not in e["sources"]:
                    e["sources"].append(source)

            n = _version(session["target_artifact_version"])
            if session["target_artifact_id"] and n is not None:
                found = await resolve(conn, session["target_artifact_id"], need_version=False)
                add(found.artifact_id, n, session["target_content_hash"], "input", "target")
            if session["chamber_id"]:
                for p in await chamber_store.pins(conn, session["chamber_id"]):
                    add(p["artifact_id"], p["version_number"], p["content_hash"], p["role"], f"chamber:{p['role']}")
            for r in await store.rounds(conn, session_id):
                for ref in r["referenced_artifacts"] or []:
                    add(ref["artifact_id"], ref["version_number"], ref.get("content_hash"), ref["role"],
                        f"round:{r['round_number']}:{ref['role']}")
            info = await store.existing_versions(conn, list(entries))
        items = []
        for key in sorted(entries):
            e, version = entries[key], info.get(key, {})
            if e["content_hash"] is None:
                e["content_hash"] = version.get("content_hash")
            items.append(m.DebateArtifact(ref=f"{key[0]}@v{key[1]}", artifact_type=version.get("artifact_type"),
                                          title=version.get("title"), **e))
        return m.DebateArtifacts(session_id=session_id, chamber_id=session["chamber_id"],
                                 chamber_provenance_hash=session["chamber_provenance_hash"], artifacts=items)
