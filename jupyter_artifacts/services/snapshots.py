"""Writing a whole notebook as one version, inside the caller's transaction: the next version
of a chain (commit, merge; a snapshot, migration 0011) or version 1 of a new notebook
(registration, fork, split). A cell append stores one cell instead (services/notebooks.py)."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import errors as pg_errors

from ..db import artifacts as store
from ..db import notebooks as nb_store
from ..db.pool import Retry
from ..errors import Closed, Conflict, NotFound
from ..hashing import canonical_text, notebook_hash
from ..notebooks.format import plain_text, skeleton
from ..refs import version_row_id
from .actors import Actor


def actor_columns(actor: Actor) -> dict:
    return {"actor_type": actor.actor_type, "actor_id": actor.actor_id, "recorded_by": actor.recorded_by}


async def ensure_open_chamber(conn, chamber_id: str | None) -> None:
    """A write that records its step in a chamber (and pins its version there) needs it open;
    the chamber stays locked against a concurrent close until the transaction ends."""
    if chamber_id is None:
        return
    chamber = await nb_store.chamber_state(conn, chamber_id)
    if chamber is None:
        raise NotFound(f"There is no chamber {chamber_id}.")
    if chamber["closed_at"] is not None:
        raise Closed(f"Chamber {chamber_id} is closed; nothing can be added to it.")


def _output_texts(nb: dict) -> list:
    return [plain_text(c.get("outputs", [])) for c in nb["cells"]]


def canonical_cells(nb: dict) -> list[str]:
    """Each cell's canonical JSON (as hashed, and stored beside the cell)."""
    return [canonical_text(c) for c in nb["cells"]]


def notebook_digest(title: str, metadata: dict, nb: dict, canonicals: list[str]) -> str:
    """content_hash of the notebook, from its cells' canonical texts (computed once)."""
    return notebook_hash(title, metadata, skeleton(nb), ",".join(canonicals))


@dataclass
class Plan:
    """How a snapshot of `nb` is stored on its parent (migration 0011): `listed[i]` is the
    cell_index under `notebook_id` where cell i already is (same id, same canonical JSON as a
    cell of the parent), or None for a cell to store anew."""

    notebook_id: str | None
    listed: list[int | None]
    canonicals: list[str]
    parent_cells: list[dict]  # where the parent's cells are: [{notebook_id, cell_index, cell_id, canonical}]

    @property
    def fresh(self) -> list[int]:
        return [i for i, at in enumerate(self.listed) if at is None]


async def plan_snapshot(conn, artifact_id: str, parent: dict, nb: dict, canonicals: list[str]) -> Plan:
    notebook_id = await nb_store.notebook_row_id(conn, artifact_id)
    rows = await nb_store.stored_cells(conn, artifact_id, parent["version_number"])
    stored = {(r["cell_id"], r["canonical"]): r["cell_index"] for r in rows
              if r["notebook_id"] == notebook_id and r["canonical"] is not None}
    return Plan(notebook_id, [stored.get((c["id"], t)) for c, t in zip(nb["cells"], canonicals)], canonicals, rows)


async def write_next_version(conn, *, artifact_id: str, parent: dict, nb: dict, title: str, metadata: dict,
                             digest: str, actor: Actor, changelog: str | None, plan: Plan | None = None) -> dict:
    """Version parent+1 of a notebook holding the cells of `nb` (normalised), as a snapshot:
    the cells it shares with the parent are listed where they are stored; only new or changed
    cells are stored, owned by it (a commit that edits 3 cells of 1,000 writes 3). The caller
    holds the artifact's lock and has checked that `parent` is the latest."""
    n = parent["version_number"] + 1
    new_id = version_row_id(artifact_id, n)
    plan = plan or await plan_snapshot(conn, artifact_id, parent, nb, canonical_cells(nb))
    await store.demote_latest(conn, artifact_id)
    try:
        async with conn.transaction():
            row = await store.insert_version(conn, {
                "id": new_id, "artifact_id": artifact_id, "artifact_type": "notebook", "title": title,
                "metadata": metadata, "content": skeleton(nb), "content_hash": digest, "version_number": n,
                "parent_version_id": parent["id"], "changelog": changelog, **actor_columns(actor)})
    except pg_errors.UniqueViolation as e:
        # A writer that does not take our lock (another service) got there first.
        raise Retry(f"version {n} of {artifact_id} was written concurrently") from e
    if row is None:
        raise Conflict(f"A row with the id {new_id!r} already exists; {artifact_id} cannot get version {n}.")
    notebook_id = plan.notebook_id
    if notebook_id is None:  # a notebook artifact another service created without its row
        notebook_id = artifact_id
        await nb_store.insert_notebook_row(conn, notebook_id, title, new_id, None)
    fresh = plan.fresh
    first = await nb_store.next_cell_index(conn, notebook_id)
    listed = list(plan.listed)
    for k, i in enumerate(fresh):
        listed[i] = first + k
    cells = [nb["cells"][i] for i in fresh]
    await nb_store.insert_cells(conn, notebook_id, new_id, cells, _output_texts({"cells": cells}), first,
                                canonical=[plan.canonicals[i] for i in fresh])
    await nb_store.insert_snapshot(conn, artifact_id, n, new_id, notebook_id, listed)
    await nb_store.point_notebook_at(conn, notebook_id, new_id)
    return row


async def write_first_version(conn, *, artifact_id: str, nb: dict, title: str, metadata: dict, digest: str,
                              actor: Actor, changelog: str | None, path: str | None = None) -> dict:
    """Version 1 of a new notebook `artifact_id` with every cell of `nb` (409 if the id is taken)."""
    await store.lock_artifact(conn, artifact_id)
    if await store.artifact_exists(conn, artifact_id) or await nb_store.notebook_row_id(conn, artifact_id):
        raise Conflict(f"A notebook or artifact with the id {artifact_id!r} already exists.")
    row = await store.insert_version(conn, {
        "id": artifact_id, "artifact_id": artifact_id, "artifact_type": "notebook", "title": title,
        "metadata": metadata, "content": skeleton(nb), "content_hash": digest, "version_number": 1,
        "parent_version_id": None, "changelog": changelog, **actor_columns(actor)})
    if row is None:
        raise Conflict(f"The id {artifact_id!r} is already taken by a version row.")
    await nb_store.insert_notebook_row(conn, artifact_id, title, artifact_id, path)
    await nb_store.insert_cells(conn, artifact_id, artifact_id, nb["cells"], _output_texts(nb))
    return row
