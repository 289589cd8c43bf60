"""Requests and replies of the lineage area (API.md, "Lineage")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import Request


class LineageQuery(Request):
    direction: Literal["ancestors", "descendants", "both"] = "both"
    max_depth: int = Field(5, ge=1, le=50)
    format: Literal["json", "prov-json"] = "json"


class LineageNode(BaseModel):
    ref: str
    artifact_id: str
    version_number: int
    artifact_type: str | None
    title: str | None
    content_hash: str | None
    is_latest: bool | None


class LineageEdge(BaseModel):
    id: str
    source: str
    target: str
    step_type: str
    actor_type: str
    actor_id: str | None
    recorded_by: str | None
    method: str | None
    parameters: dict[str, Any]
    chamber_id: str | None
    created_at: datetime


class LineageGraph(BaseModel):
    root: str
    direction: str
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    depth_reached: int
    truncated: bool


class ProvDocument(BaseModel):
    """The same graph as a W3C PROV-JSON document (`format=prov-json`)."""

    model_config = ConfigDict(extra="allow")

    prefix: dict[str, str]
    entity: dict[str, dict[str, Any]] = Field(default_factory=dict)
    activity: dict[str, dict[str, Any]] = Field(default_factory=dict)
    agent: dict[str, dict[str, Any]] = Field(default_factory=dict)


class BackfillReport(BaseModel):
    link_steps: int
    parent_steps: int
    links_checked_upto: int
