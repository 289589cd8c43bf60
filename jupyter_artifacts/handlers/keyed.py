"""Retry-safe writes at the HTTP edge (API.md, "Retry-safe writes").

Every POST and PATCH of an ArtifactsHandler is wrapped (see `ArtifactsHandler.__init_subclass__`):
with an `Idempotency-Key` header (or the body's `idempotency_key`), a repeat by the same
principal with the same body is answered with the first reply and `Idempotent-Replayed: true`.
The key is looked up only once the caller is authenticated and authorized to write; the
method itself still runs its own checks.
"""

from __future__ import annotations

import functools
import logging

from ..errors import ArtifactsError, Invalid
from ..services.idempotency import CURRENT, AlreadyClaimed, Attempt, Stored, check_key, request_digest

log = logging.getLogger("jupyter_artifacts")

WRITE_METHODS = ("post", "patch")
REPLAYED = "Idempotent-Replayed"


def prefers_async(handler) -> bool:
    """RFC 7240: `Prefer: respond-async` (among other preferences)."""
    prefer = handler.request.headers.get_list("Prefer")
    return any(p.split(";")[0].strip().lower() == "respond-async" for h in prefer for p in h.split(","))


def attempt_of(handler) -> Attempt | None:
    """The keyed request this is, or None (no key, or not allowed to write: the method refuses)."""
    header = handler.request.headers.get("Idempotency-Key")
    if header is None and b"idempotency_key" not in (handler.request.body or b""):
        return None
    user = handler.current_user
    if not user or not handler.authorizer.is_authorized(handler, user, "write", handler.auth_resource):
        return None
    body = None
    if handler.request.body:
        try:
            body = handler.json_body()
        except ArtifactsError:
            return None  # the method refuses the body with this same error
    in_body = body.get("idempotency_key") if isinstance(body, dict) else None
    if header is not None and isinstance(in_body, str) and in_body != header:
        raise Invalid("The Idempotency-Key header and the body's idempotency_key differ; send one key.")
    key = header if header is not None else in_body
    if not isinstance(key, str):
        return None  # a malformed body key: the body's schema refuses it
    method, path = handler.request.method.upper(), handler.request.path
    return Attempt(principal=handler.username, key=check_key(key), method=method, path=path,
                   digest=request_digest(method, path, body, prefers_async(handler)))


def retry_safe(fn):
    @functools.wraps(fn)
    async def keyed(self, *args, **kwargs):
        attempt = attempt_of(self)
        if attempt is None:
            return await fn(self, *args, **kwargs)
        idempotency = self.services.idempotency
        stored = await idempotency.earlier(attempt)
        if stored is not None:
            return replay(self, stored)
        self._attempt = attempt
        token = CURRENT.set(attempt)
        try:
            await fn(self, *args, **kwargs)
        except AlreadyClaimed:
            # A concurrent request with this key committed first: answer with its reply.
            stored = await idempotency.earlier(attempt)
            if stored is None:
                raise
            return replay(self, stored)
        finally:
            CURRENT.reset(token)
        held = getattr(self, "_held", None)
        if held is not None:
            status, text = held
            try:
                await idempotency.record(attempt, status, text)
            except ArtifactsError as e:
                # The write stands; only its replay is lost (a repeat is told so, with 409).
                log.warning("jupyter_artifacts: the reply to Idempotency-Key %r was not recorded: %s",
                            attempt.key, e.message)
            self.finish(text)

    keyed.retry_safe = True
    return keyed


def replay(handler, stored: Stored) -> None:
    handler.set_status(stored.status)
    handler.set_header("Content-Type", "application/json; charset=UTF-8")
    handler.set_header(REPLAYED, "true")
    handler.finish(stored.reply)
