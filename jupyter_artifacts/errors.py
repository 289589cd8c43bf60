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

    def __init__(self, message: str, *, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


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


class TooLarge(ArtifactsError):
    status = 413
    reason = "too_large"


class Unavailable(ArtifactsError):
    status = 503
    reason = "unavailable"


class RenderFailed(ArtifactsError):
    """The notebook renderer process died while rendering (e.g. out of memory)."""

    status = 500
    reason = "render_failed"


class MigrationFailed(Unavailable):
    """The schema could not be brought up to date; nothing of the failed migration stays."""
