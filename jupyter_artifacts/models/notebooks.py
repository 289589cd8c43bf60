"""Requests and replies of the notebooks area (API.md, "Notebooks" and "Cell append")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field, field_validator, model_validator

from ..refs import ID_PATTERN
from .common import UUID_PATTERN, ActorFields, Request


class RegisterNotebook(ActorFields):
    id: str | None = Field(None, pattern=f"^{ID_PATTERN}$", description=(
        "The notebook's id, e.g. `NB-13` (generated as `notebook-<8 hex>` when omitted; an id that exists → 409)."))
    title: str | None = Field(None, min_length=1, max_length=2000, description=(
        "The notebook's title (default: the notebook's `metadata.title`, else the path's file name, else its id)."))
    notebook: dict[str, Any] | None = Field(None, description="The notebook, nbformat 4 JSON (give this or `path`).")
    path: str | None = Field(None, min_length=1, max_length=4096, description=(
        "Or a notebook's path in the Jupyter server's contents, e.g. `analysis/trem2.ipynb`."))
    metadata: dict[str, Any] = Field(default_factory=dict, description=(
        "The artifact's own metadata (not the notebook's), default `{}`."))

    @model_validator(mode="after")
    def _one_source(self):
        if (self.notebook is None) == (self.path is None):
            raise ValueError("give exactly one of notebook (nbformat JSON) or path (in the server's contents)")
        return self


class Registered(BaseModel):
    notebook_id: str = Field(description="The notebook's id (its artifact id).")
    version_number: int = Field(description="1.")
    content_hash: str = Field(description="Version 1's content hash (`sha256:…`).")
    cell_count: int = Field(description="How many cells it holds.")

    @computed_field(description="Version 1's reference `<notebook_id>@v1`.")
    @property
    def ref(self) -> str:
        return f"{self.notebook_id}@v{self.version_number}"


class NotebookInfo(BaseModel):
    notebook_id: str = Field(description="The notebook's id.")
    title: str = Field(description="The latest version's title.")
    latest_version: int = Field(description="The latest version's number.")
    version_count: int = Field(description="How many versions there are.")
    content_hash: str | None = Field(description="The latest version's content hash.")
    cell_count: int = Field(description="How many cells the latest version holds.")

    @computed_field(description="The latest version's reference `<notebook_id>@v<latest_version>`.")
    @property
    def latest_ref(self) -> str:
        return f"{self.notebook_id}@v{self.latest_version}"


class VersionFormat(Request):
    format: Literal["json", "ipynb", "html"] = Field("json", description=(
        "`json` (default: the notebook as JSON), `ipynb` (a download) or `html` (nbconvert's rendering)."))


class AppendCell(ActorFields):
    cell_type: Literal["code", "markdown", "raw"] = Field("code", description="`code` (default), `markdown` or `raw`.")
    # The size limit is the service's (configurable, 413); this only bounds parsing.
    source: str = Field(max_length=64 * 1024 * 1024, description=(
        "The cell's source text (over the server's limit, 1 MiB by default → 413)."))
    execute: bool = Field(False, description=(
        "Run the cell (code only) in a fresh kernel after replaying the notebook's earlier code cells; its outputs "
        "are stored with it. Needs `execute` permission. Slow: see `Prefer: respond-async`."))
    method: str | None = Field(None, min_length=1, max_length=200, description=(
        "How the cell came to be, e.g. `differential-expression`; recorded on the `cell_append` step."))
    parameters: dict[str, Any] = Field(default_factory=dict, description=(
        'Free parameters of the method, e.g. `{"contrast": "AD vs control", "fdr": 0.05}`; recorded on the step.'))
    rationale: str | None = Field(None, max_length=20_000, description=(
        "Why this cell is being added, in a sentence or two; recorded in the step's parameters."))
    metadata: dict[str, Any] = Field(default_factory=dict, description="The new cell's nbformat metadata.")
    parent_version: int | None = Field(None, ge=1, description=(
        "Append only if this is still the latest version (else 409 `stale_parent` naming the current one)."))
    chamber_id: str | None = Field(None, pattern=UUID_PATTERN, description=(
        "A chamber to record the step in; the new version is pinned there as `workbench` (409 `closed` if the chamber "
        "is closed)."))
    idempotency_key: str | None = Field(None, min_length=1, max_length=200, description=(
        "A repeat with the same key returns the first reply and creates nothing (as the `Idempotency-Key` header)."))
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
    status: Literal["not_requested", "ok", "error", "timeout", "kernel_error"] = Field(description=(
        "`not_requested`, `ok`, `error` (the cell raised; recorded as its output), `timeout` or `kernel_error`."))
    duration_ms: int | None = Field(None, description="How long the cell ran, in milliseconds.")
    ename: str | None = Field(None, description="With `error`: the exception's name.")
    evalue: str | None = Field(None, description="With `error`: the exception's message.")


class Appended(BaseModel):
    notebook_id: str = Field(description="The notebook's id.")
    new_artifact_id: str = Field(description=(
        "The new version's row id (opaque): name the version by `ref`."))
    parent_artifact_id: str = Field(description="The parent version's row id (opaque): name it by `parent_ref`.")
    version_number: int = Field(description="The new version's number (the parent's plus one).")
    content_hash: str = Field(description="The new version's content hash.")
    cell_index: int = Field(description="The new cell's index (the parent's cell count).")
    cell_id: str = Field(description="The new cell's id.")
    cell_type: str = Field(description="The new cell's type.")
    outputs: list[dict[str, Any]] = Field(description=(
        "The new cell's outputs (nbformat output objects; empty unless executed)."))
    execution: Execution = Field(description="How the execution went.")
    processing_step_id: str = Field(description="The `cell_append` processing step's id.")

    @computed_field(description="The new version's reference `<notebook_id>@v<version_number>`.")
    @property
    def ref(self) -> str:
        return f"{self.notebook_id}@v{self.version_number}"

    @computed_field(description="The same reference as `ref`, under the name the other replies give a new version.")
    @property
    def new_ref(self) -> str:
        return self.ref

    @computed_field(description="The parent version's reference (the version appended to).")
    @property
    def parent_ref(self) -> str:
        return f"{self.notebook_id}@v{self.version_number - 1}"


class DiffQuery(Request):
    from_: int | None = Field(None, alias="from", ge=1, description=(
        "The earlier version number (default: the parent of `to`)."))
    to: int | None = Field(None, ge=1, description="The later version number (default: the latest).")
    ignore_outputs: bool = Field(False, description="Compare with outputs ignored, as nbdime does.")

    @field_validator("ignore_outputs", mode="before")
    @classmethod
    def _empty_is_false(cls, v):
        return False if v == "" else v


class DiffSummary(BaseModel):
    added: list[int] = Field(description="Indices (in the later notebook) of cells added.")
    removed: list[int] = Field(description="Indices (in the earlier notebook) of cells removed.")
    modified: list[int] = Field(description="Indices (in the later notebook) of cells changed.")
    unchanged_count: int = Field(description="How many cells are unchanged.")


class DiffCopy(Request):
    """An edited copy of a notebook (not a version yet), to compare with one of its versions."""

    notebook: dict[str, Any] = Field(description="The edited notebook, nbformat 4 JSON.")
    from_: int | None = Field(None, alias="from", ge=1,
                              description="The version to compare with (default: the latest).")
    ignore_outputs: bool = Field(False, description="Compare as nbdime does with its outputs ignored.")


class NotebookDiff(BaseModel):
    notebook_id: str = Field(description="The notebook.")
    from_: int = Field(serialization_alias="from", description="The earlier version's number.")
    to: int | None = Field(description="The later version; null for an edited copy (POST).")
    base: dict[str, Any] = Field(description=(
        "The earlier version's notebook (nbformat JSON), the base that `diff` applies to."))
    diff: list[Any] = Field(description=(
        "nbdime's diff of `base` to the later notebook (`nbdime.diff_notebooks`), as JSON."))
    summary: DiffSummary = Field(description="Which cells were added, removed and modified.")


    @computed_field(description="The earlier version's reference `<notebook_id>@v<from>`.")
    @property
    def from_ref(self) -> str:
        return f"{self.notebook_id}@v{self.from_}"

    @computed_field(description="The later version's reference, or null for an edited copy (POST).")
    @property
    def to_ref(self) -> str | None:
        return None if self.to is None else f"{self.notebook_id}@v{self.to}"