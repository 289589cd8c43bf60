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
    # Unknown fields are refused (400 naming them): a misspelt `agentid` silently dropped is
    # the commonest agent mistake. `recorded_by` in a body is refused the same way.
    model_config = ConfigDict(extra="forbid", str_max_length=1_000_000)


class ActorFields(Request):
    """On whose behalf a write acts; `recorded_by` always comes from authentication."""

    agent_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=(
        "The agent on whose behalf this write acts (shorthand for `actor_type: agent` with this `actor_id`), e.g. "
        "`ed-lein`."))
    actor_type: ActorType | None = Field(None, description=(
        "The kind of actor on whose behalf this write acts: `agent`, `persona` or `user` (default: the authenticated "
        "user). `recorded_by` always names the authenticated principal and cannot be set."))
    actor_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=(
        "The id of that actor (an agent name, a persona artifact id, a user name)."))


class CreatedBy(BaseModel):
    actor_type: str = Field(description=(
        "The kind of actor on whose behalf the version was written: `agent`, `persona`, `user` (or `unknown` for rows "
        "another service wrote)."))
    actor_id: str | None = Field(description="That actor's id, e.g. the agent `ed-lein`; null when none was declared.")
    recorded_by: str | None = Field(description=(
        "The authenticated principal that sent the write (never set by a body); null for rows adopted from an older "
        "database."))


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

    ref: str = Field(description=(
        "This version's reference `<artifact_id>@v<N>`, e.g. `hypothesis-H-89@v3`: the stable way to name exactly "
        "this version anywhere an id is accepted."))
    id: str = Field(description=(
        "The version's own row id: opaque (for version 1 it equals the artifact id, for later ones usually "
        "`<artifact_id>@v<N>`, other ids in adopted databases). Name versions by `ref`, not by this."))
    artifact_id: str = Field(description=(
        "The artifact this version belongs to; a bare artifact id names its latest version."))
    artifact_type: str = Field(description=(
        "The artifact's type, e.g. `hypothesis`, `paper`, `dataset`, `persona`, `notebook`."))
    title: str = Field(description="The version's title.")
    version_number: int | None = Field(description=(
        "N in `X@vN`: 1 for the first version, then 2, 3, … without gaps (null only for unnumbered rows of an adopted "
        "database)."))
    parent_version_id: str | None = Field(description=(
        "The row id of the version this one was made from (opaque; null for version 1). Use `parent_ref` to name it."))
    parent_ref: str | None = Field(None, description="The parent version's reference `X@vN` (null for version 1).")
    content_hash: str | None = Field(description=(
        "`sha256:<hex>` of the canonical JSON of `{artifact_type, title, metadata, content}`: any client can "
        "recompute it from a version that includes `content`."))
    is_latest: bool = Field(description=(
        "Whether this is the artifact's latest version (exactly one version of an artifact is)."))
    version_tag: str | None = Field(description="The most recent tag given to this version, or null.")
    tags: list[str] = Field(description="Every tag this version holds (a tag names one version per artifact).")
    changelog: str | None = Field(description="What changed in this version, as its writer said (null if not given).")
    lifecycle_state: str | None = Field(description=(
        "`active`, `deprecated`, `superseded` or `retracted` (changed with PATCH; content never changes)."))
    deprecated_at: datetime | None = Field(description="When the version left `active` (ISO 8601 UTC), or null.")
    superseded_by: str | None = Field(description=(
        "With `superseded`: the row id of the version that supersedes this one, or null."))
    metadata: dict[str, Any] = Field(description=(
        "The artifact's own metadata (e.g. a paper's `doi`); always an object, `{}` if none. A notebook's nbformat "
        "metadata is inside `content`, not here."))
    created_at: datetime = Field(description="When the version was written (ISO 8601 UTC).")
    created_by: CreatedBy = Field(description=(
        "Who wrote the version: the declared actor and the authenticated principal."))
    content: Any = Field(None, description=(
        "The version's content, any JSON value (null if none); only on routes that include it (single versions, "
        "creates). A notebook's content is nbformat 4.5 JSON."))
    step: MadeBy | None = Field(None, description=(
        "On read routes (lists, search, versions, single versions): the processing step that made this version, "
        "the earliest if several did (a merge's two); null for a version 1 that was registered or created, not "
        "forked or split. Left out of the replies of writes."))
    match: SearchMatch | None = Field(None, description=(
        "Only in `GET /api/artifacts` with `q`: why the item matched."))


class VersionPage(BaseModel):
    items: list[Version] = Field(description="The versions of this page.")
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class ErrorDetail(BaseModel):
    loc: list[str | int] = Field(description=(
        "Where the problem is: the path of field names and list indices in the body or query."))
    msg: str = Field(description="What is wrong there.")


class ErrorReply(BaseModel):
    """Every refusal: a sentence saying what is wrong, and a stable code to act on."""

    message: str = Field(description="What is wrong, as a sentence (quoting at most a short excerpt of the input).")
    reason: Literal["invalid", "not_found", "conflict", "closed", "stale_parent", "too_large",
                    "unavailable", "unauthorized", "forbidden", "error", "merge_conflict", "no_common_ancestor",
                    "idempotency_mismatch"] = Field(description="A stable code for programs.")
    errors: list[ErrorDetail] | None = Field(None, description="Each schema problem of an `invalid` body.")
    current_version: int | None = Field(None, description="With `stale_parent`: the latest version's number.")
    current_ref: str | None = Field(None, description="With `stale_parent`: the latest version's reference.")


def non_blank(value: str | None, what: str) -> str | None:
    if value is not None and not value.strip():
        raise ValueError(f"{what} must not be blank")
    return value


class Page(Request):
    limit: int = Field(50, ge=1, le=500, description="How many items per page (1 to 500, default 50).")
    cursor: str | None = Field(None, max_length=1000, description=(
        "The `next_cursor` of the previous page; omit for the first page."))

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, v):
        return v or None
