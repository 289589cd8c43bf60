"""Storing a cell append (API.md, "Cell append"): one statement (migration 0017) that writes the
version, its cell, link, step, pin and idempotency record under the notebook's lock.

The new version's content_hash covers every cell of the notebook. Each server keeps, per notebook,
the SHA-256 state after the cells of the head it last wrote or read (hashing.NotebookHasher), so an
append hashes its own cell and the closing bytes and reads no earlier cell. The database checks
that this head is still the head, with the cells it had; when another server, a commit or another
service moved it, nothing is written, and the head is read again from the stored cells' canonical
JSON. Which server wrote what never changes a hash: the state only saves work.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import NoReturn

from psycopg import errors as pg_errors

from ..db import artifacts as store
from ..db import notebooks as nb_store
from ..db.pool import Database, Retry
from ..errors import Closed, Conflict, IdempotencyMismatch, NotFound, StaleParent, quote
from ..hashing import NotebookHasher, canonical_text
from ..models import notebooks as m
from ..notebooks.content import version_cells
from ..notebooks.format import plain_text, skeleton
from ..refs import Ref, version_row_id
from .actors import Actor
from .idempotency import CURRENT as KEYED_REQUEST
from .versions import resolve


class HeadMoved(Exception):
    """The notebook got a new version while the appended cell was executing."""


# Notebooks whose head an append last wrote or read, per server: the next append hashes from
# here (the database checks that the head is still this version) and reads no earlier cell.
HEADS_KEPT = 1024


@dataclass(frozen=True)
class Head:
    artifact_id: str
    row_id: str
    content_hash: str | None
    version_number: int
    cells: int  # how many cells it holds: the index of a cell appended to it
    owns: int  # how many stored cells it owns (the database checks it: another service may add one)
    hasher: NotebookHasher | None  # None where its content is unknown (an adopted version)


@dataclass(frozen=True)
class _Write:
    """One append to store (its cell serialised once: hashed and stored as it is)."""

    target: Ref
    body: m.AppendCell
    cell: dict
    cell_json: str
    output: str | None
    execution: dict
    parameters: dict
    actor: Actor
    expected: int | None  # an executed cell's head: else HeadMoved

    @property
    def key(self) -> str:
        return str(self.target)


class CellAppends:
    def __init__(self, db: Database):
        self.db = db
        self._heads: OrderedDict[str, Head] = OrderedDict()

    async def write(self, target: Ref, body: m.AppendCell, cell: dict, execution: dict, parameters: dict,
                    actor: Actor, expected: int | None) -> dict:
        """Store the append. With the head this server knows: one statement in its own
        transaction, no lock held in between. Else (first append here, another writer moved the
        head, or a request whose Idempotency-Key commits with it): in a transaction that takes the
        notebook's lock first, so the head read is the head written to, however many contend."""
        write = _Write(target, body, cell, canonical_text(cell), plain_text(cell.get("outputs", [])), execution,
                       parameters, actor, expected)
        keyed = KEYED_REQUEST.get()
        head = self._heads.get(write.key)
        if head is not None and (keyed is None or keyed.claimed):
            try:
                async with self.db.connection(routed=False) as conn, nb_store.autocommit(conn):
                    reply = await self._attempt(conn, write, head)
                if reply is not None:
                    return reply
            except Retry:
                pass  # another service wrote the next version first: the locked way below
        return await self.db.run(lambda conn: self._locked(conn, write))

    async def _locked(self, conn, write: _Write) -> dict:
        cached = self._heads.get(write.key)
        artifact_id = cached.artifact_id if cached is not None else await _notebook_id(conn, write.target)
        await store.lock_artifact(conn, artifact_id)
        head = cached
        for _ in range(3):  # the head moves under the lock only for writers that do not take it
            reply = await self._attempt(conn, write, head or await self._read_head(conn, artifact_id))
            if reply is not None:
                return reply
            head = None
        raise Retry(f"the head of {artifact_id} kept moving")

    async def _attempt(self, conn, w: _Write, head: Head) -> dict | None:
        """One call of the append statement from `head`: the reply, or None if the head moved."""
        after = head.hasher.plus(w.cell_json) if head.hasher is not None else None
        digest = after.digest if after is not None else None
        n = head.version_number
        new_id = version_row_id(head.artifact_id, n + 1)
        body, cell, execution = w.body, w.cell, w.execution
        reply = {"notebook_id": head.artifact_id, "new_artifact_id": new_id, "parent_artifact_id": head.row_id,
                 "version_number": n + 1, "content_hash": digest, "cell_index": head.cells,
                 "cell_id": cell["id"], "cell_type": cell["cell_type"], "outputs": cell.get("outputs", []),
                 "execution": {k: v for k, v in execution.items() if v is not None}}
        step_parameters = {**w.parameters, "rationale": body.rationale, "cell_index": head.cells,
                           "cell_id": cell["id"], "cell_type": cell["cell_type"], "execute": body.execute,
                           "execution_status": execution["status"]}
        try:
            done = await nb_store.append_cell(conn, {
                "ref": w.key, "parent_id": head.row_id, "parent_hash": head.content_hash, "parent_owns": head.owns,
                "want_parent": body.parent_version, "want_head": w.expected, "cell": w.cell_json, "output": w.output,
                "hash": digest, "changelog": body.rationale, **w.actor.as_dict(),
                "method": body.method or "cell_append", "parameters": step_parameters,
                "chamber": body.chamber_id, "request_key": body.idempotency_key,
                "reply": reply if body.idempotency_key else None, "check_cell_id": body.cell_id is not None})
        except (pg_errors.UniqueViolation, pg_errors.DeadlockDetected, pg_errors.SerializationFailure) as e:
            # A writer that does not take the notebook's lock (another service) got there first.
            self._heads.pop(w.key, None)
            raise Retry(f"version {n + 1} of {head.artifact_id} was written concurrently ({e.sqlstate})") from e
        status = done["status"]
        if status == "replayed":
            return appended(done["reply"], done["artifact_id"], body.idempotency_key)
        if status == "done":
            self._remember(w.key, Head(head.artifact_id, new_id, digest, n + 1, head.cells + 1, 1, after))
            return {**reply, "processing_step_id": done["step_id"]}
        self._heads.pop(w.key, None)
        if status == "head":  # another writer moved the head
            return None
        _refuse(done, body, w.target)

    async def _read_head(self, conn, artifact_id: str) -> Head:
        """A notebook's head and its hash state, from its stored cells' canonical JSON (cells
        another service wrote without it are parsed and serialised here)."""
        parent = await store.latest(conn, artifact_id, content=True)
        n = parent["version_number"]
        if not isinstance(parent["content"], dict):  # unknown content: the append refuses it
            return Head(artifact_id, parent["id"], parent["content_hash"], n, 0, None, None)
        known = await nb_store.canonical_cells(conn, artifact_id, n, parent["id"])
        if known["known"] == known["n"]:
            joined = known["text"]
        else:
            joined = ",".join(canonical_text(c) for c in await version_cells(conn, artifact_id, n))
        hasher = NotebookHasher(parent["title"], parent["metadata"], skeleton(parent["content"]), joined)
        return Head(artifact_id, parent["id"], parent["content_hash"], n, known["n"], known["owns"], hasher)

    def _remember(self, key: str, head: Head) -> None:
        self._heads[key] = head
        self._heads.move_to_end(key)
        while len(self._heads) > HEADS_KEPT:
            self._heads.popitem(last=False)


async def _notebook_id(conn, target: Ref) -> str:
    found = await resolve(conn, target)
    if found.row is None or found.row["artifact_type"] != "notebook":
        raise NotFound(f"{found.artifact_id} is not a notebook.")
    return found.artifact_id


def _refuse(done: dict, body: m.AppendCell, target: Ref) -> NoReturn:
    """The error for an append the database refused (migration 0017's statuses)."""
    status, artifact_id, current = done["status"], done.get("artifact_id"), done.get("current")
    if status == "stale":
        raise StaleParent(artifact_id, body.parent_version, current)
    if status == "moved":
        raise HeadMoved()
    raise {
        "no_artifact": lambda: NotFound(f"No artifact or version has the id {quote(target.base)}."),
        "not_notebook": lambda: NotFound(f"{artifact_id} is not a notebook."),
        "unknown_content": lambda: Conflict(f"{artifact_id}@v{current} has unknown content (an adopted legacy "
                                            "version); cells cannot be appended to it."),
        "no_chamber": lambda: NotFound(f"There is no chamber {body.chamber_id}."),
        "closed": lambda: Closed(f"Chamber {body.chamber_id} is closed; nothing can be added to it."),
        "cell_id_taken": lambda: Conflict(f"{artifact_id}@v{current} already has a cell {body.cell_id!r}: append a "
                                          "new cell, or commit the notebook to record an edit of that one."),
        "id_taken": lambda: Conflict(f"A row with the id {done.get('new_id')!r} already exists; {artifact_id} "
                                     f"cannot get version {(current or 0) + 1}."),
    }[status]()


def appended(stored: dict, artifact_id: str, key: str) -> dict:
    """An append's first reply; a key first used for another kind of request is refused."""
    if "kind" in stored:  # a commit's record (services/commits.py)
        raise IdempotencyMismatch(f"The idempotency key {key!r} was used for another request on {artifact_id}; "
                                  "use a new key for a new request.")
    return stored
