"""The OpenAPI 3 document, built from the route tables and the pydantic models, so a route
cannot exist without being documented (tests/handlers/test_openapi.py checks it)."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, TypeAdapter

from .. import __version__
from ..models.common import ErrorReply
from .base import Route

METHODS = ("get", "post", "put", "patch", "delete")


def _schema(model, components: dict) -> dict:
    if model is None or model is dict:
        return {"type": "object"}
    adapter = TypeAdapter(model)
    schema = adapter.json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    if isinstance(model, type) and issubclass(model, BaseModel):
        components.setdefault(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}
    return schema


def _query_params(model, components: dict) -> list[dict]:
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


@lru_cache(maxsize=4)
def _document(routes: tuple[Route, ...]) -> dict:
    components: dict = {}
    error = _schema(ErrorReply, components)
    paths: dict = {}
    for route in routes:
        ops = {}
        for method in METHODS:
            fn = getattr(route.handler, method, None)
            doc = getattr(fn, "__api_doc__", None)
            if doc is None:
                continue
            params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                      for p in re.findall(r"\{(\w+)\}", route.template)]
            op = {
                "summary": doc["summary"],
                "operationId": f"{method}_{route.handler.__module__.rsplit('.', 1)[-1]}_{route.handler.__name__}",
                "parameters": params + _query_params(doc["query"], components),
                "responses": {str(doc["status"]): {"description": "success", "content": {
                    "application/json": {"schema": _schema(doc["reply"], components)}}}},
                "security": [{"token": []}],
            }
            for code in (*doc["errors"], 403, 503):
                op["responses"].setdefault(str(code), {"description": "error", "content": {
                    "application/json": {"schema": error}}})
            if doc["body"] is not None:
                op["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _schema(doc["body"], components)}}}
            ops[method] = op
        paths[route.template] = ops
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter_artifacts", "version": __version__,
                 "description": "Versioned research artifacts over PostgreSQL. Paths are relative to "
                                "the Jupyter server's base_url."},
        "components": {"schemas": components, "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                      "description": "`token <jupyter token>`"}}},
        "paths": paths,
    }


def document(routes: list[Route]) -> dict:
    return _document(tuple(routes))
