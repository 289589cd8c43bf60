"""A Python client for the jupyter_artifacts REST API (API.md, "Agents").

    from jupyter_artifacts.client import Client, Ref

    api = Client()  # $JUPYTER_ARTIFACTS_URL and $JUPYTER_ARTIFACTS_TOKEN, or Client(url, token)
    cell = api.append_cell("NB-12", "print(1)", execute=True, agent_id="ed-lein")
    api.get_version(cell.ref)

Replies are the package's own pydantic models; writes carry an automatic Idempotency-Key
and are retried (503, connection errors, timeouts) with the same key; an executed cell runs
as a job that the call waits for; refusals raise one exception per REST `reason`.
`AsyncClient` has the same methods, awaited."""

from ..models.jobs import Job, JobAccepted
from .clients import AsyncClient, Client
from .errors import (
    ArtifactsAPIError,
    Closed,
    Conflict,
    Forbidden,
    IdempotencyMismatch,
    Invalid,
    JobFailed,
    JobTimeout,
    MergeConflict,
    NoCommonAncestor,
    NotFound,
    StaleParent,
    TooLarge,
    Unauthorized,
    Unavailable,
)
from .refs import Ref
from .transport import Retry

__all__ = [
    "ArtifactsAPIError", "AsyncClient", "Client", "Closed", "Conflict", "Forbidden", "IdempotencyMismatch",
    "Invalid", "Job", "JobAccepted", "JobFailed", "JobTimeout", "MergeConflict", "NoCommonAncestor", "NotFound", "Ref", "Retry",
    "StaleParent", "TooLarge", "Unauthorized", "Unavailable",
]
