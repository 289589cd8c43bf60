"""Requests and replies of the chambers area (API.md, "Chambers")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel

from ..refs import ID_PATTERN
from .artifacts import TYPE_PATTERN
from .common import ActorFields, Page, Request

Purpose = Literal["debate", "experiment_design", "persona_workspace", "showcase_review"]
Role = Literal["input", "reference", "workbench"]


class CreateChamber(ActorFields):
    name: str = Field(min_length=1, max_length=500)
    purpose: Purpose
    owner_actor_type: Literal["agent", "persona", "user"] | None = None
    owner_actor_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$")
    parent_session_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$")


class OpenWorkspace(ActorFields):
    """Optional: on whose behalf the workspace is opened (default: the user)."""


class ListChambers(Page):
    purpose: Purpose | None = None
    status: Literal["open", "closed"] | None = None


class PullEntry(Request):
    artifact_id: str = Field(max_length=300)
    version_number: int | None = Field(None, ge=1)
    role: Role = "reference"


class PullRequest(RootModel[list[PullEntry]]):
    root: list[PullEntry] = Field(max_length=1000)


class ResultArtifact(Request):
    artifact_type: str = Field(pattern=TYPE_PATTERN)
    title: str = Field(min_length=1, max_length=2000)
    content: Any = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class CloseChamber(ActorFields):
    result: ResultArtifact | None = None


class Pin(BaseModel):
    artifact_id: str
    version_number: int
    ref: str
    content_hash: str | None
    role: str
    added_at: datetime
    added_by_actor_type: str | None
    added_by_actor_id: str | None
    artifact_type: str | None
    title: str | None


class ChamberFields(BaseModel):
    id: str
    name: str
    purpose: str
    owner_actor_type: str | None
    owner_actor_id: str | None
    parent_session_id: str | None
    created_at: datetime
    closed_at: datetime | None
    provenance_hash: str | None


class Chamber(ChamberFields):
    result_artifact_id: str | None
    artifacts: list[Pin]


class ChamberSummary(ChamberFields):
    pin_count: int


class ChamberPage(BaseModel):
    items: list[ChamberSummary]
    next_cursor: str | None
