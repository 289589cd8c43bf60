"""Replies of the service routes (API.md, "Service")."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DatabaseStatus(BaseModel):
    ok: bool = Field(description="Whether the database answered.")
    server_version: str | None = Field(None, description="PostgreSQL's version.")
    schema_version: int | None = Field(None, description="The extension's schema version (its last migration).")
    embedded: bool = Field(description="Whether the database is the embedded one the extension started itself.")
    error: str | None = Field(None, description="Why the database is not ok.")


class LiveStatus(BaseModel):
    """This server's live-update relay (API.md, "Live updates")."""

    enabled: bool = Field(description="Whether live updates are on.")
    listening: bool = Field(description="Whether its LISTEN connection to the database is up.")
    announcements: int = Field(description="Change announcements received from the database since the server started.")
    events: int = Field(description="Events sent to subscribers (after coalescing).")


class ReplicaStatus(BaseModel):
    """The read replica (API.md, "Team deployment" → "Read replica"), when one is configured."""

    ok: bool = Field(description="Whether the replica answered (if not, the primary serves every read).")
    lag_seconds: float | None = Field(
        None, description="How far its replay is behind: 0 when it has replayed the primary's current WAL "
                          "position (waiting up to 2 s for it), else the age of the last transaction it "
                          "replayed; null when unknown.")
    error: str | None = Field(None, description="Why the replica is not ok.")


class Status(BaseModel):
    version: str = Field(description="The extension's version.")
    database: DatabaseStatus = Field(description="The database's health.")
    live: LiveStatus | None = Field(None, description="This server's live-update relay.")
    replica: ReplicaStatus | None = Field(
        None, description="The read replica's health and lag; present only when one is configured.")
