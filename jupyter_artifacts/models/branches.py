"""Requests and replies of commit, fork, merge and split (API.md, "Commit, fork, merge, split")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from ..refs import ID_PATTERN
from .common import UUID_PATTERN, ActorFields, Version
from .notebooks import DiffSummary

REF_PATTERN = rf"^{ID_PATTERN}(@v[0-9]{{1,9}})?$"
_NOTEBOOK = "A notebook as nbformat 4 JSON (any 4.x minor; upgraded to 4.5)."
_PATH = "A notebook's path in the Jupyter server's contents (instead of `notebook`)."
_RATIONALE = "Why this was done, in a sentence or two; recorded in the step's parameters."
_NEW_ID = "The new artifact's id (generated as `<type>-<8 hex>` when omitted)."


def _one_notebook(notebook, path) -> None:
    if (notebook is None) == (path is None):
        raise ValueError("give exactly one of notebook (nbformat JSON) or path (in the server's contents)")


class CommitNotebook(ActorFields):
    """An edited notebook to record as the notebook's next version."""

    notebook: dict[str, Any] | None = Field(None, description=_NOTEBOOK)
    path: str | None = Field(None, min_length=1, max_length=4096, description=_PATH)
    parent_version: int | None = Field(None, ge=1, description=(
        "The version this edit was made from: the commit is refused (409 `stale_parent`) unless it is "
        "still the latest."))
    method: str | None = Field(None, min_length=1, max_length=200, description=(
        "How the edit was made (default `manual-edit`)."))
    parameters: dict[str, Any] = Field(default_factory=dict, description="Free parameters of the method.")
    rationale: str | None = Field(None, max_length=20_000, description=_RATIONALE)
    chamber_id: str | None = Field(None, pattern=UUID_PATTERN, description=(
        "A chamber to record the step in; the new version is pinned there as `workbench`."))
    idempotency_key: str | None = Field(None, min_length=1, max_length=200, description=(
        "A repeat with the same key returns the first reply and creates nothing."))

    @model_validator(mode="after")
    def _source(self):
        _one_notebook(self.notebook, self.path)
        return self


class Committed(Version):
    """The version the commit (or merge) created, or the unchanged head (status 200)."""

    summary: DiffSummary = Field(description=(
        "Which cells changed against the previous head: `added`/`modified` are indices in this version, "
        "`removed` indices in the previous one."))


class ForkRequest(ActorFields):
    from_: str | None = Field(None, alias="from", pattern=REF_PATTERN, max_length=212, description=(
        "The version to fork (`X@vN`, or a bare id for the latest); default the path's artifact's latest."))
    new_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=_NEW_ID)
    title: str | None = Field(None, min_length=1, max_length=2000, description=(
        "The fork's title (default the source's title with ` (fork)`)."))
    rationale: str | None = Field(None, max_length=20_000, description=_RATIONALE)


class SplitRequest(ActorFields):
    cells: list[int] = Field(min_length=1, max_length=100_000, description=(
        "Indices of the source version's cells, in the order the new notebook holds them."))
    from_: str | None = Field(None, alias="from", pattern=REF_PATTERN, max_length=212, description=(
        "The version to take the cells from (`X@vN`); default the notebook's latest."))
    new_id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=_NEW_ID)
    title: str | None = Field(None, min_length=1, max_length=2000, description=(
        "The new notebook's title (default the source's title with ` (split)`)."))
    rationale: str | None = Field(None, max_length=20_000, description=_RATIONALE)

    @field_validator("cells")
    @classmethod
    def _distinct(cls, cells: list[int]) -> list[int]:
        if any(i < 0 for i in cells):
            raise ValueError("cell indices start at 0")
        if len(set(cells)) != len(cells):
            raise ValueError("each cell may be chosen once")
        return cells


class MergeRequest(ActorFields):
    other: str = Field(pattern=REF_PATTERN, max_length=212, description=(
        "The version to merge into the head (`remote`): of this notebook or of another one, e.g. a fork; "
        "a bare id means its latest."))
    base: str | None = Field(None, pattern=REF_PATTERN, max_length=212, description=(
        "The common ancestor to merge over (default: the nearest one along processing steps)."))
    parent_version: int | None = Field(None, ge=1, description=(
        "The head the merge is meant for (`local`): refused (409 `stale_parent`) unless still the latest."))
    resolved: dict[str, Any] | None = Field(None, description=(
        "The merged notebook as a person or agent resolved it after a `merge_conflict` (nbformat JSON): "
        "stored as the merge's result."))
    rationale: str | None = Field(None, max_length=20_000, description=_RATIONALE)


class MergePreviewRequest(ActorFields):
    """What merging another version, or an edited copy of the notebook, into the head would give."""

    other: str | None = Field(None, pattern=REF_PATTERN, max_length=212, description=(
        "A version to merge into the head (as in a merge)."))
    notebook: dict[str, Any] | None = Field(None, description=(
        "Or an edited copy of the notebook (e.g. a working copy made from `base`), nbformat JSON."))
    base: str | None = Field(None, pattern=REF_PATTERN, max_length=212, description=(
        "The common ancestor (default for `other`: the nearest one; required with `notebook`: the version the "
        "copy was made from)."))

    @model_validator(mode="after")
    def _source(self):
        if (self.other is None) == (self.notebook is None):
            raise ValueError("give exactly one of other (a version) or notebook (an edited copy)")
        if self.notebook is not None and self.base is None:
            raise ValueError("base is required with notebook: the version the copy was made from")
        return self


class MergeOutcome(BaseModel):
    """nbdime's three-way merge: the three notebooks, its decisions and, without conflicts, the result."""

    base_ref: str = Field(description="The common ancestor merged over.")
    local_ref: str = Field(description="The head (`local`); a resolution is stored on it (`parent_version`).")
    remote_ref: str | None = Field(description="The version merged in (`remote`); null for an edited copy.")
    base: dict[str, Any] = Field(description="The base notebook.")
    local: dict[str, Any] = Field(description="The head's notebook.")
    remote: dict[str, Any] = Field(description="The notebook merged in.")
    merge_decisions: list[Any] = Field(description=(
        "nbdime's decisions (`decide_notebook_merge(base, local, remote)`), as nbdime's NotebookMergeModel "
        "takes them with `base`."))
    conflicts: int = Field(description="How many decisions are conflicts (`conflict: true`).")
    merged: dict[str, Any] | None = Field(None, description="nbdime's merged notebook when there is no conflict.")


class MergeConflictReply(BaseModel):
    """409 `merge_conflict`: nothing was stored; resolve and send `resolved` (with `parent_version`)."""

    message: str = Field(description="What happened, as a sentence.")
    reason: str = Field(description="`merge_conflict` (or `stale_parent`, `no_common_ancestor`, `conflict`).")
    current_version: int | None = Field(None, description="With `stale_parent`: the latest version's number.")
    current_ref: str | None = Field(None, description="With `stale_parent`: the latest version's reference.")
    base_ref: str | None = Field(None, description="The common ancestor merged over.")
    local_ref: str | None = Field(None, description="The head (`local`).")
    remote_ref: str | None = Field(None, description="The version merged in (`remote`).")
    base: dict[str, Any] | None = Field(None, description="The base notebook.")
    local: dict[str, Any] | None = Field(None, description="The head's notebook.")
    remote: dict[str, Any] | None = Field(None, description="The notebook merged in.")
    merge_decisions: list[Any] | None = Field(None, description=(
        "nbdime's decisions (`decide_notebook_merge(base, local, remote)`); the conflicting ones have `conflict: "
        "true`."))
    conflicts: int | None = Field(None, description="How many decisions conflict.")
