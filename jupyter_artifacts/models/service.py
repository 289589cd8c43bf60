"""Replies of the service routes (API.md, "Service")."""

from __future__ import annotations

from pydantic import BaseModel


class DatabaseStatus(BaseModel):
    ok: bool
    server_version: str | None = None
    schema_version: int | None = None
    embedded: bool
    error: str | None = None


class Status(BaseModel):
    version: str
    database: DatabaseStatus
