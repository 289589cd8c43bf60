"""What one client method asks of the server, described before anything is sent: a `Call`.

The methods (methods.py) only build Calls; Client and AsyncClient differ only in how they
send one (transport.py), so no method is written twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from .errors import Invalid
from .refs import ref_text

TEXT = "text"  # `Call.reply` for a reply read as text (a notebook rendered as HTML)
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class Call:
    """One request: method, path under the server's base URL, query, JSON body and the type its
    reply parses into (a pydantic model, any type pydantic reads, `TEXT`, or None for JSON as is)."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    body: Any = None
    has_body: bool = False
    reply: Any = None
    # Writes carry an Idempotency-Key, the same one on each retry of this call.
    idempotency_key: str | None = None
    # The call may run as a job (`Prefer: respond-async`): wait for it, or return the Job.
    job: bool = False
    wait: bool = True
    # The call starts a replay (202): follow it until it finished (at most `wait_s`), or return the 202.
    replay: bool = False
    wait_s: float | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.method in WRITES and self.idempotency_key is None:
            self.idempotency_key = str(uuid.uuid4())


def path(*parts: Any) -> str:
    """`path("artifacts", ref, "versions")` -> `api/artifacts/<ref quoted>/versions`."""
    return "api/" + "/".join(quote(ref_text(p) if not isinstance(p, int) else str(p), safe="@:") for p in parts)


def present(**kwargs: Any) -> dict[str, Any]:
    """The keyword arguments a caller gave (None means "not given": the server's default)."""
    return {k: v for k, v in kwargs.items() if v is not None}


def local_invalid(e: ValidationError, model: type) -> Invalid:
    """A body that would be refused, refused here with the server's own sentence and errors."""
    try:
        from ..handlers.base import validation_errors, validation_message

        message, errors = validation_message(e, "request body", model), validation_errors(e)
    except ImportError:  # pragma: no cover - the handlers need jupyter_server, a dependency
        message, errors = str(e), [{"loc": list(err["loc"]), "msg": err["msg"]} for err in e.errors()]
    return Invalid(400, "invalid", message, {"message": message, "reason": "invalid", "errors": errors})


def body(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    """`fields` validated into the request model, dumped as the server reads it (aliases such as
    `from`, only what was given): a misspelt keyword fails here, before anything is sent."""
    try:
        value = model.model_validate(fields, by_name=True, by_alias=True)
    except ValidationError as e:
        raise local_invalid(e, model) from None
    return value.model_dump(mode="json", by_alias=True, exclude_unset=True)


def query(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """Query parameters checked against the route's query model (only those given)."""
    try:
        value = model.model_validate(fields, by_name=True, by_alias=True)
    except ValidationError as e:
        raise local_invalid(e, model) from None
    out = {}
    for k, v in value.model_dump(mode="json", by_alias=True, exclude_unset=True).items():
        if v is not None:
            out[k] = str(v).lower() if isinstance(v, bool) else v
    return out


def as_entries(items: Any) -> list[Any]:
    """Pull or evidence entries: dicts, models, or plain refs (`"paper-P-77"`, `Ref`, a Version)."""
    out = []
    for item in items or []:
        if isinstance(item, BaseModel) and not hasattr(item, "ref"):
            out.append(item.model_dump(mode="json", exclude_unset=True))
        elif isinstance(item, dict):
            out.append(item)
        else:
            out.append({"artifact_id": ref_text(item)})
    return out
