"""Requests and replies of the artifacts area (API.md, "Artifacts")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..refs import ID_PATTERN
from .common import UUID_PATTERN, ActorFields, Page, Request, Version, non_blank

TYPE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
LinkType = Literal["derives_from", "cites", "extends", "supports", "contradicts"]
LifecycleState = Literal["active", "deprecated", "superseded", "retracted"]


class CreateArtifact(ActorFields):
    id: str | None = Field(None, pattern=f"^{ID_PATTERN}$")
    artifact_type: str = Field(pattern=TYPE_PATTERN)
    title: str = Field(min_length=1, max_length=2000)
    content: Any = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    changelog: str | None = Field(None, max_length=20_000)

    _title = field_validator("title")(lambda v: non_blank(v, "title"))


class NewVersion(ActorFields):
    title: str | None = Field(None, min_length=1, max_length=2000)
    content: Any = None
    metadata: dict[str, Any] | None = None
    changelog: str | None = Field(None, max_length=20_000)
    parent_version: int | None = Field(None, ge=1)
    method: str | None = Field(None, min_length=1, max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)

    _title = field_validator("title")(lambda v: non_blank(v, "title"))


class ListArtifacts(Page):
    type: str | None = Field(None, pattern=TYPE_PATTERN, max_length=64)
    q: str | None = Field(None, max_length=200, description=(
        "Words to search for in the latest versions: every word must occur somewhere in the artifact (its id, "
        "title, content or any cell of a notebook's latest version), not necessarily in one field; the last word "
        "of each space-separated part matches as a prefix, and a word of 3 or more characters also matches inside "
        "an id or title word. Cell sources are read as code (`.`, `(`, `[`, `,` and other punctuation separate "
        "words: `subplots` finds `plt.subplots(...)`). Best matches first: the id itself, then every word in the "
        "id or title, then in id, title and content, then with a cell; newest first within each. Each item then "
        "carries `match`: its best field, a snippet and the matched words' offsets."))
    tag: str | None = Field(None, pattern=f"^{ID_PATTERN}$", max_length=200)


class ArtifactTypeCount(BaseModel):
    artifact_type: str
    count: int


class ArtifactTypeList(BaseModel):
    """Artifact types of the latest versions, most common first."""

    types: list[ArtifactTypeCount]


class VersionList(BaseModel):
    artifact_id: str
    versions: list[Version]
    total_versions: int


class FieldChange(BaseModel):
    old: Any
    new: Any


class DiffQuery(Request):
    from_: int | None = Field(None, alias="from", ge=1)
    to: int | None = Field(None, ge=1)


class FieldDiff(BaseModel):
    artifact_id: str
    from_: int = Field(serialization_alias="from")
    to: int
    from_ref: str
    to_ref: str
    content_changed: bool
    fields: dict[str, FieldChange]


class TagRequest(ActorFields):
    tag: str = Field(pattern=f"^{ID_PATTERN}$")
    move: bool = False


class LifecyclePatch(BaseModel):
    # Versions are immutable: anything but the lifecycle is refused, not ignored.
    model_config = ConfigDict(extra="forbid")

    lifecycle_state: LifecycleState
    superseded_by: str | None = Field(None, max_length=300)


class CreateLink(ActorFields):
    source: str = Field(max_length=300)
    target: str = Field(max_length=300)
    link_type: LinkType
    strength: float | None = Field(None, ge=0, le=1)
    evidence: str | None = Field(None, max_length=20_000)
    method: str | None = Field(None, min_length=1, max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)
    chamber_id: str | None = Field(None, pattern=UUID_PATTERN)


class Link(BaseModel):
    id: int
    source: str | None
    target: str | None
    source_id: str
    target_id: str
    link_type: str
    strength: float | None
    evidence: str | None
    created_at: datetime
    processing_step_id: str | None


class LinkList(BaseModel):
    artifact_id: str
    outgoing: list[Link]
    incoming: list[Link]
