"""Requests and replies of the artifacts area (API.md, "Artifacts")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..refs import ID_PATTERN
from .common import UUID_PATTERN, ActorFields, Page, Request, Version, non_blank
from .notebooks import DiffSummary

TYPE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
LinkType = Literal["derives_from", "cites", "extends", "supports", "contradicts"]
LifecycleState = Literal["active", "deprecated", "superseded", "retracted"]


class CreateArtifact(ActorFields):
    id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=(
        "The new artifact's id (`^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$`, no `@` or `/`), e.g. `hypothesis-H-90`; "
        "generated as `<type>-<8 hex>` when omitted. An id that exists → 409."))
    artifact_type: str = Field(pattern=TYPE_PATTERN, description=(
        "The artifact's type, e.g. `hypothesis`, `paper`, `dataset`, `persona`. Notebooks are registered with POST "
        "/api/notebooks instead."))
    title: str = Field(min_length=1, max_length=2000, description="A short human title (not blank).")
    content: Any = Field(None, description=(
        "The version's content: any JSON value, stored as sent. By convention a `hypothesis` has `{statement}`, a "
        "`paper` `{abstract, text?}`, a `dataset` `{description, …}`, a `persona` `{bio}`; these words are searched "
        "by `q`."))
    metadata: dict[str, Any] = Field(default_factory=dict, description=(
        "The artifact's own metadata, e.g. `{\"doi\": \"10.0000/example.77\"}` for a paper (default `{}`)."))
    changelog: str | None = Field(None, max_length=20_000, description=(
        "A note on this version (e.g. why it was written)."))

    _title = field_validator("title")(lambda v: non_blank(v, "title"))


class NewVersion(ActorFields):
    title: str | None = Field(None, min_length=1, max_length=2000, description=(
        "The new title (default: the latest version's)."))
    content: Any = Field(None, description=(
        "The new content (default: the latest version's). On a notebook, an nbformat 4 notebook: the request is then "
        "a commit (as POST /api/notebooks/{ref}/versions)."))
    metadata: dict[str, Any] | None = Field(None, description=(
        "The new metadata, replacing the old as a whole (default: the latest version's)."))
    changelog: str | None = Field(None, max_length=20_000, description="What changed in this version.")
    parent_version: int | None = Field(None, ge=1, description=(
        "The version this change was made from: refused with 409 `stale_parent` (naming the current version) unless "
        "it is still the latest. Omit to build on whatever is latest."))
    method: str | None = Field(None, min_length=1, max_length=200, description=(
        "How the change was made, recorded on its `derive` processing step (default `new_version`)."))
    parameters: dict[str, Any] = Field(default_factory=dict, description=(
        "Free parameters of the method, recorded on the processing step."))

    _title = field_validator("title")(lambda v: non_blank(v, "title"))


class ListArtifacts(Page):
    type: str | None = Field(None, pattern=TYPE_PATTERN, max_length=64, description=(
        "Only artifacts of this type, e.g. `hypothesis`."))
    q: str | None = Field(None, max_length=200, description=(
        "Words to search for in the latest versions: every word must occur somewhere in the artifact (its id, "
        "title, content or any cell of a notebook's latest version), not necessarily in one field; the last word "
        "of each space-separated part matches as a prefix, and a word of 3 or more characters also matches inside "
        "an id or title word. Cell sources are read as code (`.`, `(`, `[`, `,` and other punctuation separate "
        "words: `subplots` finds `plt.subplots(...)`). Best matches first: the id itself, then every word in the "
        "id or title, then in id, title and content, then with a cell; newest first within each. Each item then "
        "carries `match`: its best field, a snippet and the matched words' offsets."))
    tag: str | None = Field(None, pattern=f"^{ID_PATTERN}$", max_length=200, description=(
        "Only artifacts one of whose versions holds this tag."))


class ArtifactTypeCount(BaseModel):
    artifact_type: str = Field(description="An artifact type.")
    count: int = Field(description="How many artifacts' latest versions have it.")


class ArtifactTypeList(BaseModel):
    """Artifact types of the latest versions, most common first."""

    types: list[ArtifactTypeCount] = Field(description="Each type with its count, most common first.")


class VersionList(BaseModel):
    artifact_id: str = Field(description="The artifact.")
    versions: list[Version] = Field(description="Every version, oldest first (without `content`).")
    total_versions: int = Field(description="How many versions there are.")


class FieldChange(BaseModel):
    old: Any = Field(description="The value in the `from` version.")
    new: Any = Field(description="The value in the `to` version.")


class DiffQuery(Request):
    from_: int | None = Field(None, alias="from", ge=1, description=(
        "The earlier version number (default: the parent of `to`)."))
    to: int | None = Field(None, ge=1, description="The later version number (default: the latest).")


class FieldDiff(BaseModel):
    artifact_id: str = Field(description="The artifact compared.")
    from_: int = Field(serialization_alias="from", description="The earlier version's number.")
    to: int = Field(description="The later version's number.")
    from_ref: str = Field(description="The earlier version's reference `X@vN`.")
    to_ref: str = Field(description="The later version's reference `X@vN`.")
    content_changed: bool = Field(description="Whether `content` differs.")
    fields: dict[str, FieldChange] = Field(description=(
        "Each field that differs (`title`, `content`, `metadata`, `changelog`, …) with its old and new value."))
    base: dict[str, Any] | None = Field(None, description=(
        "Notebooks only: the earlier version's notebook, the base `diff` applies to (as in "
        "`GET /api/notebooks/{id}/diff`)."))
    diff: list[Any] | None = Field(None, description="Notebooks only: nbdime's diff of the two notebooks.")
    summary: DiffSummary | None = Field(None, description=(
        "Notebooks only: cells added and modified (indices in `to`), removed (indices in `from`), and unchanged."))


class TagRequest(ActorFields):
    tag: str = Field(pattern=f"^{ID_PATTERN}$", description=(
        "The tag, e.g. `reviewed` (artifact-id characters). A tag names one version per artifact."))
    move: bool = Field(False, description="Move the tag here if another version holds it (otherwise that is a 409).")


class LifecyclePatch(BaseModel):
    # Versions are immutable: anything but the lifecycle is refused, not ignored.
    model_config = ConfigDict(extra="forbid")

    lifecycle_state: LifecycleState = Field(description=(
        "The new state: `active`, `deprecated`, `superseded` or `retracted`."))
    superseded_by: str | None = Field(None, max_length=300, description=(
        "With `superseded` only: the version that supersedes this one (a reference or row id)."))


class CreateLink(ActorFields):
    source: str = Field(max_length=300, description=(
        "The linking version (`X@vN`, or a bare id for its latest), e.g. the notebook that derives from something."))
    target: str = Field(max_length=300, description="The linked version (`X@vN`, or a bare id for its latest).")
    link_type: LinkType = Field(description="`derives_from`, `cites`, `extends`, `supports` or `contradicts`.")
    strength: float | None = Field(None, ge=0, le=1, description="How strong the link is, from 0 to 1.")
    evidence: str | None = Field(None, max_length=20_000, description="Why the link holds, as text.")
    method: str | None = Field(None, min_length=1, max_length=200, description=(
        "How the link was established, recorded on its processing step."))
    parameters: dict[str, Any] = Field(default_factory=dict, description=(
        "Free parameters of the method, recorded on the processing step."))
    chamber_id: str | None = Field(None, pattern=UUID_PATTERN, description=(
        "A chamber to record the processing step in."))


class Link(BaseModel):
    id: int = Field(description="The link's id.")
    source: str | None = Field(description=(
        "The linking version's reference `X@vN` (null if its row is gone or unnumbered)."))
    target: str | None = Field(description=(
        "The linked version's reference `X@vN` (null if its row is gone or unnumbered)."))
    source_id: str = Field(description="The linking version's row id (opaque).")
    target_id: str = Field(description="The linked version's row id (opaque).")
    link_type: str = Field(description=(
        "`derives_from`, `cites`, `extends`, `supports` or `contradicts` (other values in adopted databases)."))
    strength: float | None = Field(description="How strong the link is, from 0 to 1, or null.")
    evidence: str | None = Field(description="Why the link holds, or null.")
    created_at: datetime = Field(description="When the link was written (ISO 8601 UTC).")
    processing_step_id: str | None = Field(description=(
        "The processing step the link belongs to (see lineage), or null."))


class LinkList(BaseModel):
    artifact_id: str = Field(description="The artifact.")
    outgoing: list[Link] = Field(description="Links from its versions to others.")
    incoming: list[Link] = Field(description="Links from other versions to its versions.")
