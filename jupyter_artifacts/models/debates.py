"""Requests and replies of the debates area (API.md, "Debates")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..refs import ID_PATTERN
from .chambers import PullEntry
from .common import ActorFields, Page, Request


class CreateDebate(ActorFields):
    id: str | None = Field(None, pattern=f"^{ID_PATTERN}$")
    target_artifact_id: str = Field(max_length=300)
    topic: str = Field(min_length=1, max_length=5000)
    debate_type: str | None = Field(None, max_length=200)
    pull: list[PullEntry] = Field(default_factory=list, max_length=1000)


class EvidenceEntry(Request):
    artifact_id: str = Field(max_length=300)
    version_number: int | None = Field(None, ge=1)


class CreateRound(Request):
    round_number: int | None = Field(None, ge=1)
    actor_type: Literal["agent", "persona", "user"] = "persona"
    actor_id: str = Field(pattern=f"^{ID_PATTERN}$")
    prompt: str | None = Field(None, max_length=1_000_000)
    content: str = Field(max_length=1_000_000)
    evidence: list[EvidenceEntry] = Field(default_factory=list, max_length=1000)


class CloseDebate(ActorFields):
    verdict: str | None = Field(None, max_length=20_000)


class Reference(BaseModel):
    artifact_id: str
    version_number: int
    content_hash: str | None
    role: Literal["input", "output", "evidence"]
    cited_at_offset_chars: int


class Round(BaseModel):
    session_id: str
    round_number: int
    actor_type: str | None
    actor_id: str | None
    prompt: str | None
    content: str | None
    referenced_artifacts: list[Reference]
    created_at: datetime


class Session(BaseModel):
    id: str
    target_artifact_id: str | None
    target_artifact_version: int | None
    target_content_hash: str | None
    topic: str | None
    debate_type: str | None
    num_rounds: int
    started_at: datetime
    closed_at: datetime | None
    verdict: str | None
    chamber_id: str | None
    chamber_provenance_hash: str | None
    pinning_note: str | None
    rounds: list[Round] | None = None


class ListDebates(Page):
    status: Literal["open", "closed"] | None = None
    target: str | None = Field(None, max_length=300, description="Only debates about this artifact (any version).")


class SessionPage(BaseModel):
    items: list[Session]
    next_cursor: str | None


class DebateArtifact(BaseModel):
    ref: str
    artifact_id: str
    version_number: int
    content_hash: str | None
    role: str
    sources: list[str]
    artifact_type: str | None
    title: str | None


class DebateArtifacts(BaseModel):
    session_id: str
    chamber_id: str | None
    chamber_provenance_hash: str | None
    artifacts: list[DebateArtifact]
