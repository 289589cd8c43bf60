"""Jobs: a long operation run in the background (API.md, "Conventions", "Jobs")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class JobError(BaseModel):
    """Why a job failed: the refusal the synchronous call would have given, with its other
    fields too (e.g. a `stale_parent`'s `current_version` and `current_ref`)."""

    model_config = ConfigDict(extra="allow")

    message: str = Field(description="What went wrong, as a sentence.")
    reason: str = Field(description="The stable code of the refusal (as in every error reply, e.g. `stale_parent`).")


class JobAccepted(BaseModel):
    """202 to a request sent with `Prefer: respond-async`: the work goes on in the background."""

    job_id: str = Field(description="The job's id (a UUID).")
    status: Literal["running"] = Field(description="Always `running` in this reply.")
    href: str = Field(description=(
        "Where to poll the job: the path of `GET /api/jupyter_artifacts/jobs/{job_id}`, with the server's "
        "base_url (also sent as the `Location` header)."))


class Job(BaseModel):
    """A job's state. `done` holds the reply the synchronous call would have given."""

    job_id: str = Field(description="The job's id (a UUID).")
    kind: str = Field(description="What the job does, e.g. `append_cell`.")
    status: Literal["running", "done", "failed"] = Field(description=(
        "`running` until it ends; `done` with `result`; `failed` with `error` (also when the server running it "
        "stopped before it finished: a write is one transaction, so nothing half-done is left)."))
    http_status: int | None = Field(None, description=(
        "The status the synchronous call would have answered (e.g. 201), once the job ended."))
    result: Any = Field(None, description="With `done`: the reply body the synchronous call would have given.")
    error: JobError | None = Field(None, description="With `failed`: why.")
    created_at: datetime = Field(description="When the job was accepted.")
    finished_at: datetime | None = Field(None, description="When it ended; null while running.")
