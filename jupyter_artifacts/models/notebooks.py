"""Requests and replies of the notebooks area (API.md, "Notebooks" and "Cell append")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from ..refs import ID_PATTERN
from .common import UUID_PATTERN, ActorFields, Request



class RegisterNotebook(ActorFields):
    id: str | None = Field(None, pattern=f"^{ID_PATTERN}$")
    title: str | None = Field(None, min_length=1, max_length=2000)
    notebook: dict[str, Any] | None = None
    path: str | None = Field(None, min_length=1, max_length=4096)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self):
        if (self.notebook is None) == (self.path is None):
            raise ValueError("give exactly one of notebook (nbformat JSON) or path (in the server's contents)")
        return self


class Registered(BaseModel):
    notebook_id: str
    version_number: int
    content_hash: str
    cell_count: int


class NotebookInfo(BaseModel):
    notebook_id: str
    title: str
    latest_version: int
    version_count: int
    content_hash: str | None
    cell_count: int


class VersionFormat(Request):
    format: Literal["json", "ipynb", "html"] = "json"


class AppendCell(ActorFields):
    cell_type: Literal["code", "markdown", "raw"] = "code"
    # The size limit is the service's (configurable, 413); this only bounds parsing.
    source: str = Field(max_length=64 * 1024 * 1024)
    execute: bool = False
    method: str | None = Field(None, min_length=1, max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)
    rationale: str | None = Field(None, max_length=20_000)
    metadata: dict[str, Any] = Field(default_factory=dict)
    parent_version: int | None = Field(None, ge=1)
    chamber_id: str | None = Field(None, pattern=UUID_PATTERN)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)
    cell_id: str | None = Field(None, pattern=r"^[a-zA-Z0-9_-]{1,64}$", description=(
        "The new cell's id (nbformat 4.5), e.g. the id the editor already gave it, so that a later commit "
        "of the notebook keeps it as the same cell; a random one when omitted. An id the notebook's head "
        "already has is refused (409): that cell is there already, commit its edit instead."))

    @model_validator(mode="after")
    def _only_code_runs(self):
        if self.execute and self.cell_type != "code":
            raise ValueError("only code cells can be executed")
        return self


class Execution(BaseModel):
    status: Literal["not_requested", "ok", "error", "timeout", "kernel_error"]
    duration_ms: int | None = None
    ename: str | None = None
    evalue: str | None = None


class Appended(BaseModel):
    notebook_id: str
    new_artifact_id: str
    parent_artifact_id: str
    version_number: int
    content_hash: str
    cell_index: int
    cell_id: str
    cell_type: str
    outputs: list[dict[str, Any]]
    execution: Execution
    processing_step_id: str


class DiffQuery(Request):
    from_: int | None = Field(None, alias="from", ge=1)
    to: int | None = Field(None, ge=1)
    ignore_outputs: bool = False

    @field_validator("ignore_outputs", mode="before")
    @classmethod
    def _empty_is_false(cls, v):
        return False if v == "" else v


class DiffSummary(BaseModel):
    added: list[int]
    removed: list[int]
    modified: list[int]
    unchanged_count: int


class DiffCopy(Request):
    """An edited copy of a notebook (not a version yet), to compare with one of its versions."""

    notebook: dict[str, Any] = Field(description="The edited notebook, nbformat 4 JSON.")
    from_: int | None = Field(None, alias="from", ge=1,
                              description="The version to compare with (default: the latest).")
    ignore_outputs: bool = Field(False, description="Compare as nbdime does with its outputs ignored.")


class NotebookDiff(BaseModel):
    notebook_id: str
    from_: int = Field(serialization_alias="from")
    to: int | None = Field(description="The later version; null for an edited copy (POST).")
    base: dict[str, Any]
    diff: list[Any]
    summary: DiffSummary
