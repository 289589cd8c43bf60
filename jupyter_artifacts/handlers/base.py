"""What every handler shares: auth resources, parsing into pydantic models, replies, and
the one place where errors become HTTP statuses and `{"message", "reason"}` bodies."""

from __future__ import annotations

import difflib
import functools
import json
import logging
import re
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from pydantic import BaseModel, ValidationError
from tornado import web

from .. import json_limits
from ..db import routing
from ..errors import ArtifactsError, Invalid, TooLarge, excerpt
from ..hashing import check_strings
from ..services.actors import Actor, principal_name, resolve_actor
from .keyed import WRITE_METHODS, retry_safe

JOBS_PATH = "api/jupyter_artifacts/jobs"

log = logging.getLogger("jupyter_artifacts")
M = TypeVar("M", bound=BaseModel)

_REASONS = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "invalid", 409: "conflict",
            413: "too_large", 422: "invalid", 503: "unavailable"}


def api_doc(summary: str, *, body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
            reply: Any = None, status: int = 200, errors: tuple[int, ...] = (400, 404),
            also: dict[int, Any] | None = None, media: dict[str, dict] | None = None,
            body_optional: bool = False, error_replies: dict[int, Any] | None = None,
            operation_id: str | None = None, description: str | None = None, tags: tuple[str, ...] = (),
            examples: dict[str, Any] | None = None, accepted: Any = None):
    """Describe a handler method for the OpenAPI document (handlers/openapi.py reads it; the MCP
    tools take their texts from it too, by `operation_id`).

    `also`: other success statuses and their replies (e.g. 200 beside 201); `media`: other
    content types of the main reply, as JSON schemas; `body_optional`: an empty body is fine;
    `error_replies`: error statuses whose replies carry more than ErrorReply (e.g. a merge conflict);
    `operation_id`: a short camelCase name (`createArtifact`); `description`: what the operation
    does and writes, for a reader who has not seen the code (Markdown); `tags`: its areas;
    `examples`: request bodies by name (a value, or `{"summary", "value"}`); `accepted`: the 202
    reply of `Prefer: respond-async`, for an operation that can run as a job."""

    def mark(fn):
        fn.__api_doc__ = {"summary": summary, "body": body, "query": query, "reply": reply,
                          "status": status, "errors": errors, "also": also or {}, "media": media or {},
                          "body_optional": body_optional, "error_replies": error_replies or {},
                          "operation_id": operation_id, "description": description, "tags": tuple(tags),
                          "examples": examples or {}, "accepted": accepted}
        return fn

    return mark


def serialize(value: BaseModel | dict) -> str:
    if isinstance(value, BaseModel):
        # Unset fields are left out: e.g. a version's `content`, on routes that omit it.
        # Stored subtrees deeper than the write limit go back verbatim (json_limits).
        return json_limits.model_json(value, by_alias=True, exclude_unset=True)
    return json_limits.dumps(value)


@dataclass(frozen=True)
class Route:
    """A path template like `/api/artifacts/{ref}/versions/{n}` and its handler."""

    template: str
    handler: type

    @property
    def pattern(self) -> str:
        return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)


MAX_ERRORS = 20  # listed in one reply; the message counts the rest


def _loc(err: dict) -> list[str]:
    return [excerpt(p) for p in err["loc"]]


def validation_errors(e: ValidationError) -> list[dict]:
    return [{"loc": _loc(err), "msg": excerpt(err["msg"], 300)} for err in e.errors()[:MAX_ERRORS]]


def _models_in(ann: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (through Optional, lists and RootModels)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        root = ann.model_fields.get("root") if getattr(ann, "__pydantic_root_model__", False) else None
        return _models_in(root.annotation) if root is not None else [ann]
    return [m for arg in typing.get_args(ann) for m in _models_in(arg)]


def _known_fields(model: Any, loc: tuple) -> list[str]:
    """The field names (aliases) a model accepts at `loc`'s parent, for "did you mean"."""
    models = _models_in(model)
    for part in loc[:-1]:
        if isinstance(part, int):
            continue  # an index into a list: the same item models
        fields = [f for m in models for name, f in m.model_fields.items() if part in (name, f.alias)]
        models = [m for f in fields for m in _models_in(f.annotation)]
    return [f.alias or name for m in models for name, f in m.model_fields.items()]


def unknown_fields_message(e: ValidationError, what: str, model: Any = None) -> str | None:
    """A sentence naming every unknown field (with the nearest known name), or None."""
    extra = [err for err in e.errors() if err["type"] == "extra_forbidden"]
    if not extra:
        return None
    parts = []
    for err in extra[:MAX_ERRORS]:
        name = ".".join(_loc(err))
        close = difflib.get_close_matches(str(err["loc"][-1]), _known_fields(model, err["loc"]), n=1, cutoff=0.6)
        parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    s = "s" if len(extra) > 1 else ""
    known = _known_fields(model, extra[0]["loc"])
    tail = f" The fields it takes are: {', '.join(known)}." if known and len(extra[0]["loc"]) == 1 else ""
    others = e.error_count() - len(extra)
    more = f" It has {others} other problem{'s' if others > 1 else ''} too (see errors)." if others else ""
    return f"The {what} has unknown field{s}: {', '.join(parts)}; nothing was changed.{tail}{more}"


def validation_message(e: ValidationError, what: str, model: Any = None) -> str:
    unknown = unknown_fields_message(e, what, model)
    if unknown:
        return unknown
    first = e.errors()[0]
    where = ".".join(_loc(first)) or what
    more = e.error_count() - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"The {what} is invalid: {where}: {excerpt(first['msg'], 300)}{tail}."


def routed(fn, *, read_only: bool):
    """Run a handler method under its request's routing (db/routing.py). A read the replica
    failed halfway runs again on the primary, unless part of its reply has gone out."""

    @functools.wraps(fn)
    async def run(self, *args, **kwargs):
        principal = self.username if self.current_user else None
        with routing.request(principal, read_only=read_only):
            try:
                return await fn(self, *args, **kwargs)
            except routing.ReplicaLost:
                if not read_only or self._headers_written or self._finished:
                    raise
        with routing.request(principal, read_only=read_only, replica_ok=False):
            return await fn(self, *args, **kwargs)

    run.routed = True
    return run


class ArtifactsHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every route. Subclasses set `auth_resource` and decorate each method with
    `@web.authenticated` then `@authorized` (jupyter_server's), then call one service."""

    auth_resource = "jupyter_artifacts"
    _attempt = None  # the keyed request this is (handlers/keyed.py), if any
    _held: tuple[int, str] | None = None
    _parsed_body: tuple[Any] | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Every write is retry-safe (API.md): wrapped once, where the class defines it.
        for name in WRITE_METHODS:
            fn = cls.__dict__.get(name)
            if fn is not None and not getattr(fn, "retry_safe", False):
                setattr(cls, name, retry_safe(fn))
        # Every method tells the store who asks and whether it only reads (db/routing.py).
        for name in ("get", *WRITE_METHODS, "put", "delete"):
            fn = cls.__dict__.get(name)
            if fn is not None and not getattr(fn, "routed", False):
                setattr(cls, name, routed(fn, read_only=name == "get"))

    @property
    def services(self):
        return self.extensionapp.services

    @property
    def username(self) -> str:
        """The authenticated principal, as `recorded_by` names it: stable per principal."""
        return principal_name(self.identity_provider, self.current_user, self.extensionapp.owner)

    def actor(self, body: BaseModel | None) -> Actor:
        return resolve_actor(body, self.username)

    # -- parsing ---------------------------------------------------------------------------

    def json_body(self) -> Any:
        """The body as JSON, checked and parsed once (a keyed write reads it for its digest too)."""
        if self._parsed_body is None:
            self._parsed_body = (self._read_json_body(),)
        return self._parsed_body[0]

    def _read_json_body(self) -> Any:
        raw = self.request.body or b""
        limit = self.extensionapp.max_request_bytes
        if len(raw) > limit:
            raise TooLarge(f"The request body is {len(raw)} bytes; the limit is {limit}.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Invalid(f"The request body is not UTF-8 text: {e.reason} at byte {e.start}.") from None
        if not text.strip():
            raise Invalid("The request needs a JSON body.")
        # Before parsing: json.loads itself recurses, and nothing deeper is ever stored.
        json_limits.check_body(text)
        try:
            value = json.loads(text)
        except ValueError as e:
            raise Invalid(f"The request body is not valid JSON: {e}.") from None
        check_strings(text, value)
        return value

    def parse_body(self, model: type[M]) -> M:
        data = self.json_body()
        if not isinstance(data, dict):
            raise Invalid("The request body must be a JSON object.")
        try:
            return model.model_validate(data)
        except ValidationError as e:
            raise Invalid(validation_message(e, "request body", model), errors=validation_errors(e)) from None

    def parse_list_body(self, model: type[M]) -> M:
        """A body that is a JSON list (a pydantic RootModel of a list)."""
        data = self.json_body()
        if not isinstance(data, list):
            raise Invalid("The request body must be a JSON list.")
        try:
            return model.model_validate(data)
        except ValidationError as e:
            raise Invalid(validation_message(e, "request body", model), errors=validation_errors(e)) from None

    def parse_query(self, model: type[M]) -> M:
        # Unknown query arguments are left alone (e.g. Jupyter's own `?token=`); bodies are strict.
        known = {f.alias or name for name, f in model.model_fields.items()}
        args = {k: self.get_query_argument(k) for k in self.request.query_arguments if k in known}
        try:
            return model.model_validate(args)
        except ValidationError as e:
            raise Invalid(validation_message(e, "query", model), errors=validation_errors(e)) from None

    # -- replies ---------------------------------------------------------------------------

    async def start_job(self, kind: str, call: Callable[[], Awaitable[BaseModel]], status: int):
        """Run `call` as a job (API.md, "Jobs"); the reply is its 202 `JobAccepted`."""

        async def work() -> tuple[int, str]:
            return status, serialize(await call())

        accepted = await self.services.jobs.start(
            self.username, kind, self.request.method, self.request.path,
            lambda job_id: url_path_join(self.base_url, JOBS_PATH, job_id), work)
        self.set_header("Location", accepted.href)
        self.set_header("Preference-Applied", "respond-async")
        return accepted

    def reply(self, value: BaseModel | dict, status: int = 200) -> None:
        self.set_status(status)
        text = serialize(value)
        if self._attempt is not None:
            self._held = (status, text)  # sent once recorded for its Idempotency-Key (keyed.py)
        else:
            self.finish(text)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        body: dict[str, Any]
        if isinstance(exc, ArtifactsError):
            status_code = exc.status
            body = {"message": exc.message, "reason": exc.reason, **exc.extra}
            if exc.errors:
                body["errors"] = exc.errors
        elif isinstance(exc, ValidationError):  # a model built inside a service
            status_code = 400
            body = {"message": validation_message(exc, "request"), "reason": "invalid",
                    "errors": validation_errors(exc)}
        elif isinstance(exc, web.HTTPError):
            message = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
            if status_code == 403 and not self.current_user:
                # tornado's @authenticated says 403; no credential (or a wrong one) is a 401.
                status_code = 401
                message = "Authentication is required: send a Jupyter token (Authorization: token …) or log in."
                self.set_header("WWW-Authenticate", 'token realm="jupyter_artifacts"')
            body = {"message": message or self._reason, "reason": _REASONS.get(status_code, "error")}
        else:
            status_code = max(status_code, 500)
            body = {"message": "The server failed to handle this request; the error is in its log.",
                    "reason": "error"}
        self.set_status(status_code)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        retry_after = getattr(exc, "retry_after", None) or (1 if status_code == 503 else None)
        if retry_after:
            self.set_header("Retry-After", str(retry_after))
        self.finish(json_limits.dumps(body))

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, (ArtifactsError, ValidationError)):
            log.info("jupyter_artifacts: %s %s -> %s", self.request.method, self.request.path, value)
        else:
            super().log_exception(typ, value, tb)
