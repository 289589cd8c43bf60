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
from ..hashing import canonical_text, normalize_json
from ..models import branches as m
from ..models.notebooks import DiffSummary
from ..notebooks.content import notebook_content, row_to_cell
from ..notebooks.diff import diff_notebooks
from ..notebooks.format import normalize_with_ids, skeleton, validate_cells
from ..notebooks.merge import inherit_cell_ids
from ..refs import Ref, parse_bare
from .actors import Actor
from .parameters import COMMIT, user_parameters
from .snapshots import Plan, canonical_cells, ensure_open_chamber, notebook_digest, plan_snapshot, write_next_version
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
    nb: dict             # the notebook to store (normalised, ids inherited)
    title: str
    metadata: dict
    plan: Plan           # which of its cells are stored already
    unchanged: bool
    summary: dict
    digest: str


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
        digest = request_digest(request) if commit.idempotency_key else None
        parameters = user_parameters(commit.parameters, COMMIT, "a commit")
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
        normalised = await asyncio.to_thread(normalize_with_ids, commit.data, validate=False)
        # Compared with the head under the notebook's lock: concurrent commits and appends queue
        # up and each lands on the head before it, none has to start over.
        return await self.db.run(lambda conn: self._write(
            conn, found.artifact_id, normalised, commit, parameters, actor, digest))

    async def _prepare(self, conn, head: dict, normalised: tuple[dict, list[bool]], commit: Commit) -> Prepared:
        """The edit against the head: ids inherited, its cells validated where they are not
        stored already, whether anything changed, nbdime's summary and the hash."""
        nb, carried = normalised
        head_nb = None
        if not all(carried):  # cells without ids take the ids of the head's cells nbdime aligns them with
            head_nb = await notebook_content(conn, head)
            nb = await asyncio.to_thread(inherit_cell_ids, head_nb, nb, carried)
        canonicals = await asyncio.to_thread(canonical_cells, nb)
        plan = await plan_snapshot(conn, head["artifact_id"], head, nb, canonicals)
        # Cells stored already were validated when they were stored.
        await asyncio.to_thread(validate_cells, nb, [nb["cells"][i] for i in plan.fresh])
        title = normalize_json(commit.title, "title") if commit.title is not None else head["title"]
        metadata = normalize_json(commit.metadata, "metadata") if commit.metadata is not None else head["metadata"]
        summary = await self._summary(conn, head, head_nb, nb, plan)
        unchanged = (not (summary["added"] or summary["removed"] or summary["modified"])
                     and isinstance(head["content"], dict) and skeleton(nb) == skeleton(head["content"])
                     and title == head["title"] and metadata == head["metadata"])
        digest = head["content_hash"] if unchanged else notebook_digest(title, metadata, nb, canonicals)
        return Prepared(nb=nb, title=title, metadata=metadata, plan=plan, unchanged=unchanged, summary=summary,
                        digest=digest)

    @staticmethod
    async def _summary(conn, head: dict, head_nb: dict | None, nb: dict, plan: Plan) -> dict:
        """nbdime's cell summary of head -> nb. When the cells keep their ids and places (edits in
        place, the common case), it follows from which cells are stored already, as nbdime aligns
        cells by id first (notebooks/diff.py): only the cells not found stored are compared, as
        values. Otherwise nbdime's diff of the two notebooks."""
        if not isinstance(head["content"], dict):  # an adopted version whose content is unknown
            return {**empty_summary(), "added": list(range(len(nb["cells"])))}
        ids = [c["id"] for c in nb["cells"]]
        if ids == [r["cell_id"] for r in plan.parent_cells] and len(set(ids)) == len(ids):
            fresh = plan.fresh
            before = await nb_store.cells_at(conn, [plan.parent_cells[i] for i in fresh]) if fresh else []
            changed = [i for i, old in zip(fresh, before) if row_to_cell(old) != nb["cells"][i]]
            return {"added": [], "removed": [], "modified": changed, "unchanged_count": len(ids) - len(changed)}
        head_nb = head_nb or await notebook_content(conn, head)
        return (await asyncio.to_thread(diff_notebooks, head_nb, nb))[1]

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
        await ensure_open_chamber(conn, commit.chamber_id)
        p = await self._prepare(conn, head, normalised, commit)
        if p.unchanged:
            row, status = head, 200
        else:
            row = await write_next_version(
                conn, artifact_id=artifact_id, parent=head, nb=p.nb, title=p.title, metadata=p.metadata,
                digest=p.digest, actor=actor, changelog=commit.changelog or commit.rationale, plan=p.plan)
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
