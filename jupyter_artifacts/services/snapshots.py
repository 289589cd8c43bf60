"""Writing a whole notebook as one version, inside the caller's transaction: the next version
of a chain (commit, merge; a snapshot, migration 0011) or version 1 of a new notebook
(registration, fork, split). A cell append stores one cell instead (services/notebooks.py)."""

from __future__ import annotations

from psycopg import errors as pg_errors

from ..db import artifacts as store
from ..db import notebooks as nb_store
from ..db.pool import Retry
from ..errors import Closed, Conflict, NotFound
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


def _texts(nb: dict) -> list:
    return [plain_text(c.get("outputs", [])) for c in nb["cells"]]


async def write_next_version(conn, *, artifact_id: str, parent: dict, nb: dict, title: str, metadata: dict,
                             digest: str, actor: Actor, changelog: str | None) -> dict:
    """Version parent+1 of a notebook holding every cell of `nb` (normalised), owned by it.
    The caller holds the artifact's lock and has checked that `parent` is the latest."""
    n = parent["version_number"] + 1
    new_id = version_row_id(artifact_id, n)
    notebook_id = await nb_store.notebook_row_id(conn, artifact_id)
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
    if notebook_id is None:  # a notebook artifact another service created without its row
        notebook_id = artifact_id
        await nb_store.insert_notebook_row(conn, notebook_id, title, new_id, None)
    first = await nb_store.next_cell_index(conn, notebook_id)
    await nb_store.insert_snapshot(conn, artifact_id, n, new_id, first)
    await nb_store.insert_cells(conn, notebook_id, new_id, nb["cells"], _texts(nb), first)
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
    await nb_store.insert_cells(conn, artifact_id, artifact_id, nb["cells"], _texts(nb))
    return row
