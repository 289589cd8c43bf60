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

import asyncio
import random
from collections import OrderedDict
from dataclasses import dataclass
from typing import NoReturn

from psycopg import errors as pg_errors

from ..db import artifacts as store
from ..db import notebooks as nb_store
from ..db.pool import Database, Retry
from ..errors import Closed, Conflict, IdempotencyMismatch, NotFound, StaleParent, Unavailable, quote
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


class CellAppends:
    def __init__(self, db: Database):
        self.db = db
        self._heads: OrderedDict[str, Head] = OrderedDict()

    async def write(self, target: Ref, body: m.AppendCell, cell: dict, execution: dict, parameters: dict,
                     actor: Actor, expected: int | None) -> dict:
        """Store the append: one statement (migration 0017) in its own transaction, or, for a
        request whose Idempotency-Key must commit with it, in the request's transaction."""
        cell_json = canonical_text(cell)  # hashed and stored as it is: serialised once
        output = plain_text(cell.get("outputs", []))

        async def work(conn):
            return await self._write_on(conn, target, body, cell, cell_json, output, execution, parameters, actor,
                                        expected)

        keyed = KEYED_REQUEST.get()
        if keyed is not None and not keyed.claimed:  # its key is claimed in the write's transaction
            return await self.db.run(work)
        for attempt in range(1, self.db.max_retries + 1):
            try:
                async with self.db.connection(routed=False) as conn, nb_store.autocommit(conn):
                    return await work(conn)
            except Retry as e:
                if attempt == self.db.max_retries:
                    raise Unavailable(f"Gave up after {attempt} attempts: {e}") from None
                await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")

    async def _write_on(self, conn, target: Ref, body: m.AppendCell, cell: dict, cell_json: str, output: str | None,
                        execution: dict, parameters: dict, actor: Actor, expected: int | None) -> dict:
        key = str(target)
        for _ in range(3):
            head = self._heads.get(key) or await self._read_head(conn, target)
            after = head.hasher.plus(cell_json) if head.hasher is not None else None
            digest = after.digest if after is not None else None
            n = head.version_number
            new_id = version_row_id(head.artifact_id, n + 1)
            reply = {"notebook_id": head.artifact_id, "new_artifact_id": new_id, "parent_artifact_id": head.row_id,
                     "version_number": n + 1, "content_hash": digest, "cell_index": head.cells,
                     "cell_id": cell["id"], "cell_type": cell["cell_type"], "outputs": cell.get("outputs", []),
                     "execution": {k: v for k, v in execution.items() if v is not None}}
            step_parameters = {**parameters, "rationale": body.rationale, "cell_index": head.cells,
                               "cell_id": cell["id"], "cell_type": cell["cell_type"], "execute": body.execute,
                               "execution_status": execution["status"]}
            try:
                done = await nb_store.append_cell(conn, {
                    "ref": key, "parent_id": head.row_id, "parent_hash": head.content_hash, "parent_owns": head.owns,
                    "want_parent": body.parent_version, "want_head": expected, "cell": cell_json, "output": output,
                    "hash": digest, "changelog": body.rationale, **actor.as_dict(),
                    "method": body.method or "cell_append", "parameters": step_parameters,
                    "chamber": body.chamber_id, "request_key": body.idempotency_key,
                    "reply": reply if body.idempotency_key else None, "check_cell_id": body.cell_id is not None})
            except (pg_errors.UniqueViolation, pg_errors.DeadlockDetected, pg_errors.SerializationFailure) as e:
                # A writer that does not take the notebook's lock (another service) got there first.
                self._heads.pop(key, None)
                raise Retry(f"version {n + 1} of {head.artifact_id} was written concurrently ({e.sqlstate})") from e
            status = done["status"]
            if status == "replayed":
                return appended(done["reply"], done["artifact_id"], body.idempotency_key)
            if status == "done":
                self._remember(key, Head(head.artifact_id, new_id, digest, n + 1, head.cells + 1, 1, after))
                return {**reply, "processing_step_id": done["step_id"]}
            self._heads.pop(key, None)
            if status != "head":  # else: another writer moved the head; hash from the new one
                _refuse(done, body, target)
        raise Retry(f"the head of {target} kept moving")

    async def _read_head(self, conn, target: Ref) -> Head:
        """A notebook's head and its hash state, from its stored cells' canonical JSON (cells
        another service wrote without it are parsed and serialised here)."""
        found = await resolve(conn, target)
        if found.row is None or found.row["artifact_type"] != "notebook":
            raise NotFound(f"{found.artifact_id} is not a notebook.")
        artifact_id = found.artifact_id
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
