"""Commit: an edited notebook becomes the notebook's next version (the seed's `manual-edit`),
all or nothing: the version and its cells, a `derives_from` link new -> parent and its
`derive` step, the notebooks row's pointer, a chamber pin (API.md, "Commit, fork, merge, split")."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..db import artifacts as store
from ..db import notebooks as nb_store
from ..db.pool import Database
from ..errors import IdempotencyMismatch, NotFound, StaleParent
from ..hashing import canonical_text, content_hash, normalize_json
from ..models import branches as m
from ..models.notebooks import DiffSummary
from ..notebooks.content import notebook_content
from ..notebooks.diff import diff_notebooks
from ..notebooks.format import normalize_with_ids
from ..notebooks.merge import inherit_cell_ids
from ..refs import Ref, parse_bare
from .actors import Actor
from .snapshots import ensure_open_chamber, write_next_version
from .versions import hydrate, resolve, to_version

@dataclass
class Commit:
    """What to record. `data` is the notebook as sent; title/metadata override the parent's
    (the artifacts route may change them too)."""

    data: Any
    parent_version: int | None = None
    method: str | None = None
    parameters: dict = field(default_factory=dict)
    rationale: str | None = None
    chamber_id: str | None = None
    idempotency_key: str | None = None
    title: str | None = None
    metadata: dict | None = None
    changelog: str | None = None


@dataclass
class Prepared:
    head: dict           # the head row it was compared with
    nb: dict             # the notebook to store (normalised, ids inherited)
    title: str
    metadata: dict
    digest: str
    unchanged: bool
    summary: dict


def request_digest(body: dict) -> str:
    """What an idempotency key stands for: the request's body (key aside), canonically."""
    payload = {k: v for k, v in body.items() if k != "idempotency_key"}
    return "sha256:" + hashlib.sha256(canonical_text(payload).encode()).hexdigest()


def empty_summary() -> dict:
    return {"added": [], "removed": [], "modified": [], "unchanged_count": 0}


async def notebook_of(conn, ref: Ref):
    found = await resolve(conn, ref)
    if found.row is None or found.row["artifact_type"] != "notebook":
        raise NotFound(f"{found.artifact_id} is not a notebook.")
    return found


class CommitService:
    def __init__(self, db: Database):
        self.db = db

    async def commit(self, ref: str, commit: Commit, actor: Actor, request: dict) -> tuple[m.Committed, int, bool]:
        """(reply, status 201 or 200, replayed): 200 when the notebook equals the head."""
        target = parse_bare(ref)
        digest = request_digest(request)
        parameters = normalize_json(commit.parameters, "parameters")
        async with self.db.connection() as conn:
            found = await notebook_of(conn, target)
            if commit.idempotency_key:
                earlier = await self._earlier(conn, found.artifact_id, commit.idempotency_key, digest)
                if earlier is not None:
                    return earlier
            head = await store.latest(conn, found.artifact_id)
        # parent_version first: a stale one is a 409 whatever the notebook (API.md).
        if commit.parent_version is not None and commit.parent_version != head["version_number"]:
            raise StaleParent(found.artifact_id, commit.parent_version, head["version_number"])
        normalised = await asyncio.to_thread(normalize_with_ids, commit.data)
        # Compared with the head under the notebook's lock: concurrent commits and appends queue
        # up and each lands on the head before it, none has to start over.
        return await self.db.run(lambda conn: self._write(
            conn, found.artifact_id, normalised, commit, parameters, actor, digest))

    @staticmethod
    def _prepare(head: dict, head_nb: dict | None, normalised: tuple[dict, list[bool]], commit: Commit) -> Prepared:
        """CPU work, off the event loop: inherit ids, hash, compare with the head."""
        nb, carried = normalised
        nb = inherit_cell_ids(head_nb, nb, carried)
        title = normalize_json(commit.title, "title") if commit.title is not None else head["title"]
        metadata = normalize_json(commit.metadata, "metadata") if commit.metadata is not None else head["metadata"]
        unchanged = head_nb == nb and title == head["title"] and metadata == head["metadata"]
        if isinstance(head_nb, dict):
            _, summary = diff_notebooks(head_nb, nb)
        else:  # an adopted version whose content is unknown: every cell is new
            summary = {**empty_summary(), "added": list(range(len(nb["cells"])))}
        return Prepared(head=head, nb=nb, title=title, metadata=metadata, unchanged=unchanged, summary=summary,
                        digest=head["content_hash"] if unchanged else content_hash("notebook", title, metadata, nb))

    async def _earlier(self, conn, artifact_id: str, key: str, digest: str):
        stored = await nb_store.idempotent_reply(conn, artifact_id, key)
        if stored is None:
            return None
        if stored.get("kind") != "commit" or stored.get("request") != digest:
            raise IdempotencyMismatch(f"The idempotency key {key!r} was used for another request on "
                                      f"{artifact_id}; use a new key for a new request.")
        return m.Committed.model_validate(stored["reply"]), stored["status"], True

    async def _write(self, conn, artifact_id: str, normalised: tuple[dict, list[bool]], commit: Commit,
                     parameters: dict, actor: Actor, digest: str):
        await store.lock_artifact(conn, artifact_id)
        if commit.idempotency_key:
            earlier = await self._earlier(conn, artifact_id, commit.idempotency_key, digest)
            if earlier is not None:
                return earlier
        head = await store.latest(conn, artifact_id, content=True)
        if commit.parent_version is not None and commit.parent_version != head["version_number"]:
            raise StaleParent(artifact_id, commit.parent_version, head["version_number"])
        head_nb = await notebook_content(conn, head)
        p = await asyncio.to_thread(self._prepare, head, head_nb, normalised, commit)
        await ensure_open_chamber(conn, commit.chamber_id)
        if p.unchanged:
            row, status = head, 200
        else:
            row = await write_next_version(
                conn, artifact_id=artifact_id, parent=head, nb=p.nb, title=p.title, metadata=p.metadata,
                digest=p.digest, actor=actor, changelog=commit.changelog or commit.rationale)
            n = row["version_number"]
            link_id = await store.insert_link(conn, row["id"], head["id"], "derives_from", None, None)
            await store.insert_step(conn, {
                "source_artifact_id": artifact_id, "source_version_number": head["version_number"],
                "target_artifact_id": artifact_id, "target_version_number": n, "step_type": "derive",
                **actor.as_dict(), "method": commit.method or "manual-edit",
                "parameters": {**parameters, "rationale": commit.rationale},
                "chamber_id": commit.chamber_id, "link_id": link_id})
            if commit.chamber_id is not None:
                await nb_store.pin(conn, commit.chamber_id, artifact_id, n, p.digest, "workbench", actor.as_dict())
            status = 201
        version = to_version(row, with_content=False)
        reply = m.Committed(**version.model_dump(exclude={"content"}), summary=DiffSummary(**p.summary))
        if commit.idempotency_key:
            await nb_store.record_reply(conn, artifact_id, commit.idempotency_key, {
                "kind": "commit", "request": digest, "status": status,
                "reply": reply.model_dump(mode="json", exclude={"content"})})
        return reply, status, False

    async def with_content(self, reply: m.Committed) -> m.Committed:
        """The reply with the version's whole content (the artifacts route returns it)."""
        async with self.db.connection() as conn:
            row = await store.by_number(conn, reply.artifact_id, reply.version_number, content=True)
            full = await hydrate(conn, row)
        return m.Committed(**reply.model_dump(exclude={"content"}), content=full["content"])
