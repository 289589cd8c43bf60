"""One error hierarchy for every layer; handlers/base.py maps it to HTTP in one place."""

from __future__ import annotations

EXCERPT = 60  # characters of the caller's input an error message may quote


def excerpt(text: object, limit: int = EXCERPT) -> str:
    """A short quote of the caller's input: an error never echoes a 6 MB value back whole."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def quote(text: object, limit: int = EXCERPT) -> str:
    """`excerpt` in quotes, for naming the caller's input inside a sentence."""
    return repr(excerpt(text, limit))


class ArtifactsError(Exception):
    """A failure the caller can act on: `message` is a sentence, `reason` a stable code."""

    status = 500
    reason = "error"
    # Seconds after which a retry may succeed (the reply's Retry-After header), if it may.
    retry_after: int | None = None

    def __init__(self, message: str, *, errors: list[dict] | None = None, extra: dict | None = None,
                 retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors
        # Fields the reply carries beside message and reason (e.g. a stale parent's head).
        self.extra = extra or {}
        if retry_after is not None:
            self.retry_after = retry_after


class Invalid(ArtifactsError):
    status = 400
    reason = "invalid"


class NotFound(ArtifactsError):
    status = 404
    reason = "not_found"


class Conflict(ArtifactsError):
    status = 409
    reason = "conflict"


class Closed(Conflict):
    reason = "closed"


class StaleParent(Conflict):
    reason = "stale_parent"

    def __init__(self, artifact_id: str, given: int, current: int):
        super().__init__(f"Version {given} of {artifact_id} is not the latest; the latest is v{current}.",
                         extra={"current_version": current, "current_ref": f"{artifact_id}@v{current}"})


class MergeConflict(Conflict):
    """nbdime found conflicts: the reply carries what a person or agent needs to resolve them."""

    reason = "merge_conflict"


class NoCommonAncestor(Conflict):
    reason = "no_common_ancestor"


class IdempotencyMismatch(ArtifactsError):
    """An idempotency key reused for a different request."""

    status = 422
    reason = "idempotency_mismatch"


class TooLarge(ArtifactsError):
    status = 413
    reason = "too_large"


class Unavailable(ArtifactsError):
    status = 503
    reason = "unavailable"
    retry_after = 1


class RenderFailed(ArtifactsError):
    """The notebook renderer process died while rendering (e.g. out of memory)."""

    status = 500
    reason = "render_failed"


class MigrationFailed(Unavailable):
    """The schema could not be brought up to date; nothing of the failed migration stays."""


class MigrationPending(Unavailable):
    """The schema needs migrations this role may not apply (a member role): the owner runs them."""
