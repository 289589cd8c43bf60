"""The client's exceptions: one per REST `reason` (API.md, "Errors"), all `ArtifactsAPIError`."""

from __future__ import annotations

from typing import Any

from .refs import Ref


class ArtifactsAPIError(Exception):
    """A refused call: `status` (HTTP), `reason` (a stable code), `message` (a sentence) and
    the whole JSON `body` of the reply (e.g. `errors` of an invalid body)."""

    def __init__(self, status: int, reason: str, message: str, body: Any = None):
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.body = body if body is not None else {"message": message, "reason": reason}

    @property
    def errors(self) -> list[dict]:
        """Each schema problem of an `invalid` body (`[{loc, msg}]`), else empty."""
        return (self.body.get("errors") if isinstance(self.body, dict) else None) or []


class Invalid(ArtifactsAPIError, ValueError):
    """400 `invalid`: the request is malformed (the message names the problem, `errors` each one)."""


class Unauthorized(ArtifactsAPIError):
    """401: no credential, or one the server does not accept."""


class Forbidden(ArtifactsAPIError):
    """403: authenticated, but not allowed (e.g. no `execute` permission for an executed cell)."""


class NotFound(ArtifactsAPIError, LookupError):
    """404 `not_found`: an unknown id or version (nothing changed)."""


class Conflict(ArtifactsAPIError):
    """409 `conflict`: the request clashes with the stored state."""


class Closed(Conflict):
    """409 `closed`: the chamber or debate is closed."""


class StaleParent(Conflict):
    """409 `stale_parent`: `parent_version` is no longer the latest; the latest is `current_ref`."""

    @property
    def current_version(self) -> int | None:
        return self.body.get("current_version")

    @property
    def current_ref(self) -> Ref | None:
        ref = self.body.get("current_ref")
        return Ref(ref) if ref else None


class MergeConflict(Conflict):
    """409 `merge_conflict`: nbdime found conflicts; nothing was stored. `conflict` holds what
    resolving needs (base, local, remote, merge_decisions); send `resolved=` to merge again."""

    @property
    def conflict(self):
        from ..models.branches import MergeConflictReply

        return MergeConflictReply.model_validate(self.body)


class NoCommonAncestor(Conflict):
    """409 `no_common_ancestor`: the two versions share no ancestor; give `base=`."""


class TooLarge(ArtifactsAPIError):
    """413 `too_large`: a body or value over its size limit."""


class IdempotencyMismatch(ArtifactsAPIError):
    """422 `idempotency_mismatch`: the idempotency key was used before for another request."""


class Unavailable(ArtifactsAPIError):
    """503 `unavailable`: the database is down; raised once the client's retries are spent."""


class JobFailed(ArtifactsAPIError):
    """A job ended `failed` with no HTTP error of its own to raise (see `body`, the job)."""


class JobTimeout(ArtifactsAPIError, TimeoutError):
    """The client stopped waiting for a job that is still running (`body` is the job so far)."""


BY_REASON: dict[str, type[ArtifactsAPIError]] = {
    "invalid": Invalid, "not_found": NotFound, "conflict": Conflict, "closed": Closed,
    "stale_parent": StaleParent, "merge_conflict": MergeConflict, "no_common_ancestor": NoCommonAncestor,
    "too_large": TooLarge, "idempotency_mismatch": IdempotencyMismatch, "unavailable": Unavailable,
    "unauthorized": Unauthorized, "forbidden": Forbidden,
}
BY_STATUS: dict[int, type[ArtifactsAPIError]] = {
    400: Invalid, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 413: TooLarge,
    422: IdempotencyMismatch, 503: Unavailable,
}


def error_for(status: int, body: Any, text: str = "") -> ArtifactsAPIError:
    """The exception for an error reply: by its `reason`, else by status (401 and 403 by status
    first: they mean the credential whatever reason a proxy or Jupyter gave)."""
    if not isinstance(body, dict):
        body = {"message": (text or "").strip()[:300] or f"HTTP {status}", "reason": "error"}
    reason = str(body.get("reason") or "error")
    message = str(body.get("message") or f"HTTP {status}")
    cls = BY_STATUS.get(status) if status in (401, 403) else None
    cls = cls or BY_REASON.get(reason) or BY_STATUS.get(status) or ArtifactsAPIError
    return cls(status, reason, message, body)
