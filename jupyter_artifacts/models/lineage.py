"""Requests and replies of the lineage area (API.md, "Lineage")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import Request


class LineageQuery(Request):
    direction: Literal["ancestors", "descendants", "both"] = Field("both", description=(
        "`ancestors` (inputs), `descendants` (outputs) or `both` (default)."))
    max_depth: int = Field(5, ge=1, le=50, description="How many steps to walk from the start, 1 to 50 (default 5).")
    format: Literal["json", "prov-json"] = Field("json", description="`json` (default) or `prov-json` (W3C PROV-JSON).")


class LineageNode(BaseModel):
    ref: str = Field(description="The version's reference `X@vN`.")
    artifact_id: str = Field(description="Its artifact.")
    version_number: int = Field(description="Its number.")
    artifact_type: str | None = Field(description="Its artifact's type (null if unknown).")
    title: str | None = Field(description="Its title (null if unknown).")
    content_hash: str | None = Field(description="Its content hash (`sha256:…`), or null.")
    is_latest: bool | None = Field(description="Whether it is its artifact's latest version (null if unknown).")


class LineageEdge(BaseModel):
    id: str = Field(description="The processing step's id.")
    source: str = Field(description="The step's input version `X@vN`.")
    target: str = Field(description="The step's output version `X@vN`.")
    step_type: str = Field(description="`cell_append`, `cite`, `derive`, `merge`, `split` or `fork`.")
    actor_type: str = Field(description=(
        "On whose behalf the step was done: `agent`, `persona`, `user`, or `unknown` for legacy links."))
    actor_id: str | None = Field(description="That actor's id, or null.")
    recorded_by: str | None = Field(description=(
        "The authenticated principal that wrote the step, or null for legacy rows."))
    method: str | None = Field(description=(
        "The step's method, e.g. `differential-expression`, `manual-edit`, `nbdime-merge`, `legacy_link`."))
    parameters: dict[str, Any] = Field(description=(
        "The step's parameters (e.g. `rationale`, a legacy link's `link_type`)."))
    chamber_id: str | None = Field(description="The chamber the step was recorded in, or null.")
    created_at: datetime = Field(description="When the step was written (ISO 8601 UTC).")


class LineageGraph(BaseModel):
    root: str = Field(description="The id or reference the walk started from.")
    direction: str = Field(description="The direction walked.")
    nodes: list[LineageNode] = Field(description="Every version reached (the start included).")
    edges: list[LineageEdge] = Field(description="Every step between them; `source` is the input, `target` the output.")
    depth_reached: int = Field(description="How many steps deep the walk went.")
    truncated: bool = Field(description="Whether `max_depth` cut the walk short.")


class ProvDocument(BaseModel):
    """The same graph as a W3C PROV-JSON document (`format=prov-json`)."""

    model_config = ConfigDict(extra="allow")

    prefix: dict[str, str] = Field(description="PROV namespace prefixes.")
    entity: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Versions, as PROV entities by id.")
    activity: dict[str, dict[str, Any]] = Field(default_factory=dict, description=(
        "Processing steps, as PROV activities by id."))
    agent: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Actors, as PROV agents by id.")


class BackfillReport(BaseModel):
    link_steps: int = Field(description="Steps created for links that had none.")
    parent_steps: int = Field(description="Steps created for parent relations that had none.")
    links_checked_upto: int = Field(description="The highest link id checked.")
