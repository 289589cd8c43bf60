"""Replies of the service routes (API.md, "Service")."""

from __future__ import annotations

from pydantic import BaseModel


class DatabaseStatus(BaseModel):
    ok: bool
    server_version: str | None = None
    schema_version: int | None = None
    embedded: bool
    error: str | None = None


class LiveStatus(BaseModel):
    """This server's live-update relay (API.md, "Live updates")."""

    enabled: bool
    listening: bool  # its LISTEN connection is up
    announcements: int  # received from the database since the server started
    events: int  # sent to subscribers (after coalescing)


class Status(BaseModel):
    version: str
    database: DatabaseStatus
    live: LiveStatus | None = None
