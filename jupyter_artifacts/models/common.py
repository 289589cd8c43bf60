"""Shapes shared by every area: actors, the version object, errors, lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..refs import ID_PATTERN

# A chamber id as requests name it (any case; PostgreSQL's uuid type normalises it).
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

ActorType = Literal["agent", "persona", "user"]


class Request(BaseModel):
    # Unknown fields are ignored (clients may send more than we read), but never trusted:
    # `recorded_by` in a body, for one, has no effect.
    model_config = ConfigDict(extra="ignore", str_max_length=1_000_000)


class ActorFields(Request):
    """On whose behalf a write acts; `recorded_by` always comes from authentication."""

    agent_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$")
    actor_type: ActorType | None = None
    actor_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$")


class CreatedBy(BaseModel):
    actor_type: str
    actor_id: str | None
    recorded_by: str | None


class MadeBy(BaseModel):
    """The processing step that made a version."""

    step_type: str = Field(description="`cell_append`, `derive` (a new version or a commit), `merge`, `fork` or "
                                       "`split`.")
    method: str | None = Field(description="The step's method, e.g. `differential-expression`, `manual-edit`, "
                                           "`nbdime-merge` (null when none was recorded).")


class SearchMatch(BaseModel):
    """Why a search listed a version: its best-matching field and a snippet of it."""

    field: Literal["id", "title", "content", "cell"] = Field(description=(
        "The field that explains the match: the title when it holds every word of the query; otherwise the "
        "notebook cell (of the latest version) or the content holding the most of the words the title lacks, "
        "else the title, else the id."))
    cell_index: int | None = Field(None, ge=0, description=(
        "With `field: cell`: the cell's index in the latest version (0 is the first cell)."))
    snippet: str = Field(description=(
        "A short stretch of that field's text around the best match, exactly as stored (at most 240 characters). "
        "Plain text, to be shown as text: anything markup-like in it is the stored text's own."))
    ranges: list[Annotated[list[int], Field(min_length=2, max_length=2)]] = Field(description=(
        "The matched words in `snippet`: [start, end) pairs of code-point offsets, in order, not overlapping."))


class Version(BaseModel):
    """The version object of API.md; `content` only where the route includes it."""

    ref: str
    id: str
    artifact_id: str
    artifact_type: str
    title: str
    version_number: int | None
    parent_version_id: str | None
    parent_ref: str | None = None
    content_hash: str | None
    is_latest: bool
    version_tag: str | None
    tags: list[str]
    changelog: str | None
    lifecycle_state: str | None
    deprecated_at: datetime | None
    superseded_by: str | None
    metadata: dict[str, Any]
    created_at: datetime
    created_by: CreatedBy
    content: Any = None
    step: MadeBy | None = Field(None, description=(
        "On read routes (lists, search, versions, single versions): the processing step that made this version, "
        "the earliest if several did (a merge's two); null for a version 1 that was registered or created, not "
        "forked or split. Left out of the replies of writes."))
    match: SearchMatch | None = Field(None, description=(
        "Only in `GET /api/artifacts` with `q`: why the item matched."))


class VersionPage(BaseModel):
    items: list[Version]
    next_cursor: str | None


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorReply(BaseModel):
    """Every refusal: a sentence saying what is wrong, and a stable code to act on."""

    message: str = Field(description="What is wrong, as a sentence (quoting at most a short excerpt of the input).")
    reason: Literal["invalid", "not_found", "conflict", "closed", "stale_parent", "too_large",
                    "unavailable", "forbidden", "error", "merge_conflict", "no_common_ancestor",
                    "idempotency_mismatch"] = Field(description="A stable code for programs.")
    errors: list[ErrorDetail] | None = Field(None, description="Each schema problem of an `invalid` body.")
    current_version: int | None = Field(None, description="With `stale_parent`: the latest version's number.")
    current_ref: str | None = Field(None, description="With `stale_parent`: the latest version's reference.")


def non_blank(value: str | None, what: str) -> str | None:
    if value is not None and not value.strip():
        raise ValueError(f"{what} must not be blank")
    return value


class Page(Request):
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = Field(None, max_length=1000)

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, v):
        return v or None
