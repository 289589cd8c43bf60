"""Turning stored rows into version objects, and resolving references to rows."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import artifacts as store
from ..errors import NotFound, quote
from ..models.common import CreatedBy, MadeBy, SearchMatch, Version
from ..refs import Ref, parse_ref


def to_version(row: dict, *, with_content: bool = False, match: SearchMatch | None = None) -> Version:
    """`step` where the row was read with it (db/artifacts.py `_read`: read routes), `match`
    where a search gives one; each is left out of the reply otherwise."""
    n = row["version_number"]
    extra: dict = {}
    if row.get("with_step"):
        extra["step"] = MadeBy(step_type=row["step_type"], method=row["step_method"]) if row["step_type"] else None
    if match is not None:
        extra["match"] = match
    return Version(
        ref=f"{row['artifact_id']}@v{n}" if n is not None else row["id"],
        id=row["id"], artifact_id=row["artifact_id"], artifact_type=row["artifact_type"],
        title=row["title"] or "", version_number=n, parent_version_id=row["parent_version_id"],
        parent_ref=row.get("parent_ref"),
        content_hash=row["content_hash"], is_latest=bool(row["is_latest"]), version_tag=row["version_tag"],
        tags=list(row["tags"] or []), changelog=row["changelog"], lifecycle_state=row["lifecycle_state"],
        deprecated_at=row["deprecated_at"], superseded_by=row["superseded_by"],
        metadata=row["metadata"] if isinstance(row["metadata"], dict) else {},
        created_at=row["created_at"],
        created_by=CreatedBy(actor_type=row["created_by_actor_type"] or "unknown",
                             actor_id=row["created_by_actor_id"], recorded_by=row["recorded_by"]),
        **({"content": row.get("content")} if with_content else {}),
        **extra,
    )


@dataclass(frozen=True)
class Resolved:
    artifact_id: str
    row: dict | None  # the version named, when the reference names one
    pinned: bool      # True for `@vN` and for a foreign row id


async def resolve(conn, ref: Ref | str, *, content: bool = False, need_version: bool = True) -> Resolved:
    """API.md's resolution: a bare artifact id is the artifact (its latest version where
    one is needed); `@vN` is version N; a later version's row id is that exact version."""
    if isinstance(ref, str):
        ref = parse_ref(ref)
    artifact_id = ref.base if await store.artifact_exists(conn, ref.base) else None
    row = None
    if artifact_id is None:
        # Not an artifact id: maybe the row id of one version (adopted databases).
        row = await store.by_row_id(conn, ref.base, content=content)
        if row is None:
            raise NotFound(f"No artifact or version has the id {quote(ref.base)}.")
        artifact_id = row["artifact_id"]
        if ref.version is None:
            return Resolved(artifact_id, row, True)
    if ref.version is not None:
        row = await store.by_number(conn, artifact_id, ref.version, content=content)
        if row is None:
            raise NotFound(f"{artifact_id} has no version {ref.version}.")
        return Resolved(artifact_id, row, True)
    if need_version:
        row = await store.latest(conn, artifact_id, content=content)
    return Resolved(artifact_id, row, False)


async def hydrate(conn, row: dict | None) -> dict | None:
    """A row with its full content: a notebook version's cells live in notebook_cells."""
    if row is not None and row["artifact_type"] == "notebook" and "content" in row:
        from ..notebooks.content import notebook_content

        row = {**row, "content": await notebook_content(conn, row)}
    return row
