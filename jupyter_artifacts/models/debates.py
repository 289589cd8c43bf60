"""Requests and replies of the debates area (API.md, "Debates")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from ..refs import ID_PATTERN
from .chambers import PullEntry
from .common import ActorFields, Page, Request


class CreateDebate(ActorFields):
    id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=(
        "The session id (generated as `debate-<8 hex>` when omitted; an id that exists → 409)."))
    target_artifact_id: str = Field(max_length=300, description=(
        "What the debate is about: an artifact id (its latest version is pinned) or a reference `X@vN`."))
    topic: str = Field(min_length=1, max_length=5000, description="The question debated.")
    debate_type: str | None = Field(None, max_length=200, description="A free label, e.g. `hypothesis_review`.")
    pull: list[PullEntry] = Field(default_factory=list, max_length=1000, description=(
        "More versions to pin in the debate's chamber at once (as POST /api/chambers/{cid}/pull)."))


class EvidenceEntry(Request):
    artifact_id: str = Field(max_length=300, description="An artifact id (its latest version) or a reference `X@vN`.")
    version_number: int | None = Field(None, ge=1, description=(
        "The version cited (default: the latest, or the `@vN` given)."))


class CreateRound(Request):
    round_number: int | None = Field(None, ge=1, description="The round's number (default: the next one).")
    actor_type: Literal["agent", "persona", "user"] = Field("persona", description=(
        "Who speaks: `persona` (default), `agent` or `user`."))
    actor_id: str = Field(pattern=f"^{ID_PATTERN}$", description="The speaker's id, e.g. the persona `ed-lein`.")
    prompt: str | None = Field(None, max_length=1_000_000, description=(
        "What the speaker was asked; its citations get role `input`."))
    content: str = Field(max_length=1_000_000, description=(
        "What the speaker said; citations such as `NB-12@v3`, or the id of a version pinned in the debate, become "
        "references with role `output`."))
    evidence: list[EvidenceEntry] = Field(default_factory=list, max_length=1000, description=(
        "Versions cited as evidence (role `evidence`); an unknown one → 404."))


class CloseDebate(ActorFields):
    verdict: str | None = Field(None, max_length=20_000, description="The debate's conclusion.")


class Reference(BaseModel):
    artifact_id: str = Field(description="The artifact cited.")
    version_number: int = Field(description="The exact version cited.")
    content_hash: str | None = Field(description="That version's content hash.")
    role: Literal["input", "output", "evidence"] = Field(description=(
        "`input` (in the prompt), `output` (in the content) or `evidence`."))
    cited_at_offset_chars: int = Field(description=(
        "The citation's character offset in the prompt or content (-1 for evidence)."))

    @computed_field(description="The cited version's reference `X@vN`.")
    @property
    def ref(self) -> str:
        return f"{self.artifact_id}@v{self.version_number}"


class UnresolvedCitation(BaseModel):
    """A `X@vN` in a round's text that names no stored version: not a reference, and said so."""

    token: str = Field(description="The text as written, e.g. `H-89@v7`.")
    role: Literal["input", "output"] = Field(description="`input` (in the prompt) or `output` (in the content).")
    offset_chars: int = Field(description="Its character offset in that text.")


class Round(BaseModel):
    session_id: str = Field(description="The debate.")
    round_number: int = Field(description="The round's number.")
    actor_type: str | None = Field(description="The speaker's kind.")
    actor_id: str | None = Field(description="The speaker's id.")
    prompt: str | None = Field(description="What the speaker was asked.")
    content: str | None = Field(description="What the speaker said.")
    referenced_artifacts: list[Reference] = Field(description="The exact versions the round cites.")
    created_at: datetime = Field(description="When the round was posted (ISO 8601 UTC).")
    unresolved_citations: list[UnresolvedCitation] = Field(default_factory=list, description=(
        "Only in the reply to posting the round: each `X@vN` in its text that names no stored version (a typo, "
        "or a version not written yet). They are not references (API.md's rule ignores them); the round was "
        "still stored."))


class Session(BaseModel):
    id: str = Field(description="The session id.")
    target_artifact_id: str | None = Field(description="What the debate is about.")
    target_artifact_version: int | None = Field(description="The target's version pinned when the debate opened.")
    target_content_hash: str | None = Field(description="That version's content hash.")
    topic: str | None = Field(description="The question debated.")
    debate_type: str | None = Field(description="A free label, or null.")
    num_rounds: int = Field(description="How many rounds there are.")
    started_at: datetime = Field(description="When it opened (ISO 8601 UTC).")
    closed_at: datetime | None = Field(description="When it closed, or null while open.")
    verdict: str | None = Field(description="The conclusion given at close, or null.")
    chamber_id: str | None = Field(description="The debate's chamber, or null for legacy debates.")
    chamber_provenance_hash: str | None = Field(description="The chamber's provenance hash, set at close.")
    pinning_note: str | None = Field(description=(
        "For legacy debates: how the target's version was chosen afterwards; null otherwise."))
    rounds: list[Round] | None = Field(None, description="The rounds, in order (only when one session is read).")

    @computed_field(description="The pinned target version's reference `X@vN` (null without a target).")
    @property
    def target_ref(self) -> str | None:
        if self.target_artifact_id is None or self.target_artifact_version is None:
            return None
        return f"{self.target_artifact_id}@v{self.target_artifact_version}"


class ListDebates(Page):
    status: Literal["open", "closed"] | None = Field(None, description="Only `open` or only `closed` debates.")
    target: str | None = Field(None, max_length=300, description="Only debates about this artifact (any version).")


class SessionPage(BaseModel):
    items: list[Session] = Field(description="The sessions of this page, newest first (without rounds).")
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class DebateArtifact(BaseModel):
    ref: str = Field(description="The version's reference `X@vN`.")
    artifact_id: str = Field(description="Its artifact.")
    version_number: int = Field(description="Its number.")
    content_hash: str | None = Field(description="Its content hash.")
    role: str = Field(description="Its first role: `input`, `reference`, `workbench`, `output` or `evidence`.")
    sources: list[str] = Field(description="Where the debate names it: `target`, `chamber:<role>`, `round:<n>:<role>`.")
    artifact_type: str | None = Field(description="Its artifact's type.")
    title: str | None = Field(description="Its title.")


class DebateArtifacts(BaseModel):
    session_id: str = Field(description="The debate.")
    chamber_id: str | None = Field(description="The debate's chamber, or null.")
    chamber_provenance_hash: str | None = Field(description="The chamber's provenance hash once closed.")
    artifacts: list[DebateArtifact] = Field(description=(
        "Every version the debate pinned, pulled or cited, one entry per version."))
