"""Requests and replies of the chambers area (API.md, "Chambers")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel, computed_field

from ..refs import ID_PATTERN
from .artifacts import TYPE_PATTERN
from .common import ActorFields, Page, Request

Purpose = Literal["debate", "experiment_design", "persona_workspace", "showcase_review"]
Role = Literal["input", "reference", "workbench"]


class CreateChamber(ActorFields):
    name: str = Field(min_length=1, max_length=500, description="A name for people, e.g. `TREM2 replication design`.")
    purpose: Purpose = Field(description="`debate`, `experiment_design`, `persona_workspace` or `showcase_review`.")
    owner_actor_type: Literal["agent", "persona", "user"] | None = Field(None, description=(
        "The owner's kind: `agent`, `persona` or `user`."))
    owner_actor_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description="The owner's id.")
    parent_session_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=(
        "A debate session this chamber belongs to."))


class OpenWorkspace(ActorFields):
    """Optional: on whose behalf the workspace is opened (default: the user)."""


class ListChambers(Page):
    purpose: Purpose | None = Field(None, description="Only chambers with this purpose.")
    status: Literal["open", "closed"] | None = Field(None, description="Only `open` or only `closed` chambers.")


class PullEntry(Request):
    artifact_id: str = Field(max_length=300, description="An artifact id (its latest version) or a reference `X@vN`.")
    version_number: int | None = Field(None, ge=1, description=(
        "The version to pin (default: the latest, or the `@vN` given)."))
    role: Role = Field("reference", description="`input`, `reference` (default) or `workbench`.")


class PullRequest(RootModel[list[PullEntry]]):
    root: list[PullEntry] = Field(max_length=1000)


class ResultArtifact(Request):
    artifact_type: str = Field(pattern=TYPE_PATTERN, description="The result's type, e.g. `hypothesis`.")
    title: str = Field(min_length=1, max_length=2000, description="The result's title.")
    content: Any = Field(None, description="The result's content (any JSON).")
    metadata: dict[str, Any] = Field(default_factory=dict, description="The result's metadata (default `{}`).")


class CloseChamber(ActorFields):
    result: ResultArtifact | None = Field(None, description=(
        "An artifact to create as the chamber's result, pinned as `workbench` before the provenance hash is taken."))


class Pin(BaseModel):
    artifact_id: str = Field(description="The pinned artifact.")
    version_number: int = Field(description="The pinned version's number.")
    ref: str = Field(description="The pinned version's reference `X@vN`.")
    content_hash: str | None = Field(description="The pinned version's content hash.")
    role: str = Field(description="`input`, `reference` or `workbench`.")
    added_at: datetime = Field(description="When it was pinned (ISO 8601 UTC).")
    added_by_actor_type: str | None = Field(description="On whose behalf it was pinned: kind.")
    added_by_actor_id: str | None = Field(description="On whose behalf it was pinned: id.")
    artifact_type: str | None = Field(description="The artifact's type.")
    title: str | None = Field(description="The pinned version's title.")


class ChamberFields(BaseModel):
    id: str = Field(description="The chamber's id (a UUID).")
    name: str = Field(description="The chamber's name.")
    purpose: str = Field(description="`debate`, `experiment_design`, `persona_workspace` or `showcase_review`.")
    owner_actor_type: str | None = Field(description="The owner's kind, or null.")
    owner_actor_id: str | None = Field(description="The owner's id, or null.")
    parent_session_id: str | None = Field(description="The debate session it belongs to, or null.")
    created_at: datetime = Field(description="When it was opened (ISO 8601 UTC).")
    closed_at: datetime | None = Field(description="When it was closed, or null while open.")
    provenance_hash: str | None = Field(description=(
        "Set at close: `sha256:…` of the canonical list of its pins `{artifact_id, version_number, content_hash, "
        "role}` sorted by artifact id then version; null while open."))


class Chamber(ChamberFields):
    result_artifact_id: str | None = Field(description="The result artifact created at close, or null.")
    artifacts: list[Pin] = Field(description="The pinned versions.")

    @computed_field(description="The result artifact's version 1 reference `X@v1`, or null.")
    @property
    def result_ref(self) -> str | None:
        return None if self.result_artifact_id is None else f"{self.result_artifact_id}@v1"


class ChamberSummary(ChamberFields):
    pin_count: int = Field(description="How many versions are pinned.")


class ChamberPage(BaseModel):
    items: list[ChamberSummary] = Field(description="The chambers of this page, newest first (without pins).")
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")
