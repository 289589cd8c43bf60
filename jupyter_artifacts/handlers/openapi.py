"""The OpenAPI 3 document, built from the route tables and the pydantic models, so a route
cannot exist without being documented (tests/handlers/test_openapi.py checks it, and
tests/handlers/test_schemathesis.py checks that the server's replies match it)."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, TypeAdapter

from .. import __version__
from ..json_limits import MAX_DEPTH
from ..models.common import ErrorReply
from ..refs import ID_PATTERN
from .base import Route

METHODS = ("get", "post", "put", "patch", "delete")
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
REF = rf"^{ID_PATTERN}(@v[0-9]{{1,9}})?$"

# Path parameters by name: what the server accepts (anything else is a 400 or a 404).
PATH_PARAMS = {
    "ref": {"type": "string", "pattern": REF, "maxLength": 212,
            "description": "An artifact id, a version reference `<id>@v<N>`, or a version's row id."},
    "n": {"type": "string", "pattern": r"^v?[0-9]{1,9}$", "maxLength": 10,
          "description": "A version number (1, 2, ...)."},
    "cid": {"type": "string", "pattern": UUID, "maxLength": 36, "description": "A chamber id (a UUID)."},
    "session_id": {"type": "string", "pattern": f"^{ID_PATTERN}$", "maxLength": 200,
                   "description": "A debate session id."},
    "persona_id": {"type": "string", "pattern": REF, "maxLength": 212,
                   "description": "The id (or a version reference) of a `persona` artifact."},
}
ERROR_TEXT = {400: "invalid input (the message says what)", 403: "not authenticated or not authorized",
              404: "an id or version that does not exist", 409: "a conflict with the stored state",
              413: "a body or value over its size limit", 422: "an idempotency key reused for another request",
              503: "the database is unavailable (retry)"}


def _schema(model, components: dict, mode: str) -> dict:
    """`mode`: "validation" for what the server reads, "serialization" for what it writes
    (aliases like `from` for `from_` and optional fields differ between the two)."""
    if model is None or model is dict:
        return {"type": "object"}
    adapter = TypeAdapter(model)
    schema = adapter.json_schema(ref_template="#/components/schemas/{model}", by_alias=True, mode=mode)
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    if isinstance(model, type) and issubclass(model, BaseModel):
        components.setdefault(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}
    return schema


def _query_params(model) -> list[dict]:
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _operation(method: str, route: Route, doc: dict, components: dict) -> dict:
    names = re.findall(r"\{(\w+)\}", route.template)
    reply = _schema(doc["reply"], components, "serialization")
    responses = {str(doc["status"]): {"description": "success", "content": {
        **_json(reply), **{t: {"schema": s} for t, s in doc["media"].items()}}}}
    for code, model in doc["also"].items():
        responses[str(code)] = {"description": "success", "content": _json(
            _schema(model, components, "serialization"))}
    errors = set(doc["errors"]) | {403, 503}
    if doc["body"] is not None:
        errors |= {400, 413}  # every JSON body: malformed, too deep, too large
    if names or doc["query"] is not None:
        errors.add(400)
    error = _schema(ErrorReply, components, "serialization")
    for code in sorted(errors | set(doc.get("error_replies", {}))):
        model = doc.get("error_replies", {}).get(code)
        schema = _schema(model, components, "serialization") if model is not None else error
        responses.setdefault(str(code), {"description": ERROR_TEXT.get(code, "error"), "content": _json(schema)})
    op = {
        "summary": doc["summary"],
        "operationId": f"{method}_{route.handler.__module__.rsplit('.', 1)[-1]}_{route.handler.__name__}",
        "parameters": [{"name": p, "in": "path", "required": True, "schema": PATH_PARAMS[p]} for p in names]
                      + _query_params(doc["query"]),
        "responses": responses,
        "security": [{"token": []}],
    }
    if doc["body"] is not None:
        op["requestBody"] = {"required": not doc["body_optional"],
                             "content": _json(_schema(doc["body"], components, "validation"))}
    return op


@lru_cache(maxsize=4)
def _document(routes: tuple[Route, ...]) -> dict:
    components: dict = {}
    paths: dict = {}
    for route in routes:
        ops = {}
        for method in METHODS:
            doc = getattr(getattr(route.handler, method, None), "__api_doc__", None)
            if doc is not None:
                ops[method] = _operation(method, route, doc, components)
        paths[route.template] = ops
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter_artifacts", "version": __version__,
                 "description": "Versioned research artifacts over PostgreSQL. Paths are relative to "
                                "the Jupyter server's base_url. JSON bodies may nest at most "
                                f"{MAX_DEPTH} levels."},
        "components": {"schemas": components, "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                      "description": "`token <jupyter token>`"}}},
        "paths": paths,
    }


def document(routes: list[Route]) -> dict:
    return _document(tuple(routes))
