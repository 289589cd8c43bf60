"""The OpenAPI 3 document, built from the route tables and the pydantic models, so a route
cannot exist without being documented (tests/handlers/test_openapi.py checks it, and
tests/handlers/test_schemathesis.py checks that the server's replies match it).

Each operation's texts (`operationId`, `summary`, `description`) live in its handler's
`@api_doc`; `operations()` hands them, with the models, to other front ends (the MCP tools)
so that every description is written once."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .. import __version__
from ..json_limits import MAX_DEPTH
from ..models.common import ErrorReply
from ..refs import ID_PATTERN
from . import openapi_nbformat
from .base import Route
from .openapi_examples import EXAMPLES

METHODS = ("get", "post", "put", "patch", "delete")
WRITES = ("post", "put", "patch", "delete")
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
REF = rf"^{ID_PATTERN}(@v[0-9]{{1,9}})?$"

# Path parameters by name: what the server accepts (anything else is a 400 or a 404).
PATH_PARAMS = {
    "job_id": {"type": "string", "pattern": UUID, "maxLength": 36,
               "description": "A job's id (a UUID), from the 202 reply of a `Prefer: respond-async` request."},
    "replay_id": {"type": "string", "pattern": UUID, "maxLength": 36,
                  "description": "A replay's id (a UUID), from the 202 reply of POST .../versions/{n}/replay."},
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
ERROR_TEXT = {
    400: "Invalid input: malformed JSON, a schema error, an unknown body field (`reason: invalid`; the message "
         "says what, `errors` lists each problem).",
    401: "No credential, or an invalid one: send `Authorization: token <jupyter token>`.",
    403: "Authenticated, but not authorized for this action on this area (`reason: forbidden`).",
    404: "An id or version that does not exist (`reason: not_found`); nothing was changed.",
    409: "A conflict with the stored state (`conflict`, `closed`, `stale_parent` with `current_version` and "
         "`current_ref`); nothing was changed.",
    413: "A body or value over its size limit (`reason: too_large`).",
    422: "An idempotency key reused with another request body (`reason: idempotency_mismatch`); nothing was "
         "changed.",
    503: "The database is unavailable (`reason: unavailable`); retry after the `Retry-After` seconds.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "pattern": "^[!-~]{1,200}$", "minLength": 1, "maxLength": 200},
    "description": "Makes this write retry-safe. A repeat by the same principal with the same key, method, path "
                   "and body returns the first reply (with `Idempotent-Replayed: true`) and changes nothing; the "
                   "same key with another request is refused (422 `idempotency_mismatch`). Keys are kept at least "
                   "24 hours, per principal. Use a fresh random key (e.g. a UUID) per intended write: 1 to 200 "
                   "visible ASCII characters.",
}
PREFER = {
    "name": "Prefer", "in": "header", "required": False,
    "schema": {"type": "string", "enum": ["respond-async"]},
    "description": "`respond-async` runs the operation as a job: the reply is 202 with the job's id and URL "
                   "to poll (GET /api/jupyter_artifacts/jobs/{job_id}); the job reaches the same final state the "
                   "synchronous call would have had. Without it the call is synchronous.",
}
REPLAYED = {"Idempotent-Replayed": {
    "description": "`true` when this reply is the stored first reply of an earlier request with the same "
                   "`Idempotency-Key` (nothing was changed this time).",
    "schema": {"type": "string", "enum": ["true"]}}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.",
                               "schema": {"type": "integer", "minimum": 0}}}
TAGS = [
    {"name": "artifacts", "description": "Versioned artifacts (hypotheses, papers, datasets, personas, notebooks): "
                                         "immutable versions `X@vN`, tags, lifecycle, diffs and links."},
    {"name": "notebooks", "description": "Notebooks as version chains: register, read, append cells (optionally "
                                         "executed), diff, commit, merge, split, replay."},
    {"name": "lineage", "description": "Processing steps between exact versions, as a graph or W3C PROV-JSON."},
    {"name": "chambers", "description": "Chambers: named sets of exact versions pinned for a piece of work, "
                                        "closed with a provenance hash."},
    {"name": "debates", "description": "Debates about an exact version of an artifact: rounds whose citations "
                                       "are resolved to exact versions."},
    {"name": "jobs", "description": "Long operations run asynchronously (`Prefer: respond-async`)."},
    {"name": "service", "description": "The extension itself: status and this document."},
]
# Request-body fields that take a notebook (nbformat 4 JSON): documented as the `Notebook` component.
NOTEBOOK_FIELDS = {("RegisterNotebook", "notebook"), ("CommitNotebook", "notebook"), ("MergeRequest", "resolved"),
                   ("MergePreviewRequest", "notebook"), ("DiffCopy", "notebook")}
NOTEBOOK_REF = {"$ref": "#/components/schemas/Notebook"}


def _content(name: str, field: str, text: str) -> dict:
    return {"type": "object", "additionalProperties": True, "required": [field],
            "description": f"The content of a `{name}` by convention (the server stores any JSON; other fields are "
                           "kept).", "properties": {field: {"type": "string", "description": text}}}


# What `content` holds per artifact type where the type fixes it (notebooks), or where the
# demonstration and the search use a convention (the server stores any JSON value for the others).
CONTENT = {
    "HypothesisContent": _content("hypothesis", "statement", "The hypothesis as one sentence; searched by `q`."),
    "PaperContent": {**_content("paper", "abstract", "The abstract; searched by `q`."), "properties": {
        "abstract": {"type": "string", "description": "The abstract; searched by `q`."},
        "text": {"type": "string", "description": "The full text, if at hand; searched by `q`."}}},
    "DatasetContent": _content("dataset", "description", "What the data set holds and where it comes from."),
    "PersonaContent": _content("persona", "bio", "Who the persona is and how it reads evidence."),
}
ANY_CONTENT = {"description": "Any other JSON value (other artifact types)."}
# Request-body `content` fields: the alternatives documented for each (a notebook's only by commit).
CONTENT_FIELDS = {("CreateArtifact", "content"): list(CONTENT), ("ResultArtifact", "content"): list(CONTENT),
                  ("NewVersion", "content"): [*CONTENT, "Notebook"]}


def _camel(text: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:]) if words else "operation"


def _docs(routes) -> list[tuple[str, Route, dict, str]]:
    """(method, route, api_doc, operationId) of every documented operation, in route order. A
    route whose handler inherits another route's method (an alias path) gets `<id>Alias`."""
    out, seen, first = [], set(), {}
    for route in routes:
        for method in METHODS:
            doc = getattr(getattr(route.handler, method, None), "__api_doc__", None)
            if doc is None:
                continue
            op_id = doc.get("operation_id") or _camel(f"{method} {route.handler.__name__}")
            if id(doc) in first:
                base, path = first[id(doc)]
                doc = {**doc, "description": f"The same operation as `{base}` (`{method.upper()} {path}`), at "
                                             f"another path. {_description(doc)}"}
            else:
                first[id(doc)] = (op_id, route.template)
            while op_id in seen:
                op_id += "Alias"
            seen.add(op_id)
            out.append((method, route, doc, op_id))
    return out


def operations(routes) -> dict[str, dict]:
    """Every operation by operationId: `{method, path, summary, description, tags, body_model,
    query_model, reply_model, status}` (models are the pydantic classes, or None)."""
    return {op_id: {"method": method.upper(), "path": route.template, "summary": doc["summary"],
                    "description": _description(doc), "tags": list(doc.get("tags") or ()),
                    "body_model": doc["body"], "query_model": doc["query"], "reply_model": doc["reply"],
                    "status": doc["status"]}
            for method, route, doc, op_id in _docs(routes)}


def operation_text(handler_cls: type, method: str) -> tuple[str, str]:
    """(summary, description) of a handler's method, as the OpenAPI document states them."""
    doc = getattr(handler_cls, method.lower()).__api_doc__
    return doc["summary"], doc.get("description") or doc["summary"]


def _description(doc: dict) -> str:
    return doc.get("description") or doc["summary"]


def _notebook_fields(components: dict) -> None:
    for model, field in NOTEBOOK_FIELDS:
        prop = components.get(model, {}).get("properties", {}).get(field)
        if prop is None:
            continue
        kept = {k: v for k, v in prop.items() if k in ("description", "default")}
        nullable = any(s.get("type") == "null" for s in prop.get("anyOf", []))
        prop.clear()
        prop.update(kept)
        if nullable:
            prop["anyOf"] = [NOTEBOOK_REF, {"type": "null"}]
        else:
            prop.update(NOTEBOOK_REF)


def _content_fields(components: dict) -> None:
    for (model, field), names in CONTENT_FIELDS.items():
        prop = components.get(model, {}).get("properties", {}).get(field)
        if prop is not None:
            prop.pop("title", None)
            prop["anyOf"] = [{"$ref": f"#/components/schemas/{n}"} for n in names] + [ANY_CONTENT]
    components.update(CONTENT)


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
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        out.append(param)
    return out


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _examples(examples: dict[str, Any]) -> dict:
    out = {}
    for name, value in examples.items():
        if isinstance(value, dict) and set(value) <= {"summary", "description", "value"} and "value" in value:
            out[name] = value
        else:
            out[name] = {"value": value}
    return out


def _success(content: dict, write: bool) -> dict:
    """A success reply; a write's may be the replay of an earlier one with the same key."""
    return {"description": "Success.", **({"headers": REPLAYED} if write else {}), "content": content}


def _operation(method: str, route: Route, doc: dict, op_id: str, components: dict) -> dict:
    names = re.findall(r"\{(\w+)\}", route.template)
    write = method in WRITES
    reply = _schema(doc["reply"], components, "serialization")
    media = {t: {"schema": schema} for t, schema in doc["media"].items()}
    responses = {str(doc["status"]): _success({**_json(reply), **media}, write)}
    for code, model in doc["also"].items():
        responses[str(code)] = _success(_json(_schema(model, components, "serialization")), write)
    if doc.get("accepted") is not None:
        responses["202"] = {"description": "Accepted as a job (`Prefer: respond-async`): poll `href`.",
                            "content": _json(_schema(doc["accepted"], components, "serialization"))}
    errors = set(doc["errors"]) | {401, 403, 503}
    if doc["body"] is not None:
        errors |= {400, 413}  # every JSON body: malformed, too deep, too large, unknown fields
    if names or doc["query"] is not None:
        errors.add(400)
    if write:
        errors |= {400, 422}  # the Idempotency-Key header: malformed, or reused with another body
    error = _schema(ErrorReply, components, "serialization")
    for code in sorted(errors | set(doc.get("error_replies", {}))):
        model = doc.get("error_replies", {}).get(code)
        schema = _schema(model, components, "serialization") if model is not None else error
        response = {"description": ERROR_TEXT.get(code, "An error."), "content": _json(schema)}
        if code == 503:
            response["headers"] = RETRY_AFTER
        responses.setdefault(str(code), response)
    parameters = [{"name": p, "in": "path", "required": True, "schema": PATH_PARAMS[p],
                   "description": PATH_PARAMS[p]["description"]} for p in names] + _query_params(doc["query"])
    if write:
        parameters.append(IDEMPOTENCY_KEY)
    if doc.get("accepted") is not None:
        parameters.append(PREFER)
    op = {
        "operationId": op_id,
        "tags": list(doc.get("tags") or ()),
        "summary": doc["summary"],
        "description": _description(doc),
        "parameters": parameters,
        "responses": responses,
        "security": [{"token": []}],
    }
    if doc["body"] is not None:
        content = _json(_schema(doc["body"], components, "validation"))
        examples = {**EXAMPLES.get(op_id, {}), **(doc.get("examples") or {})}
        if examples:
            content["application/json"]["examples"] = _examples(examples)
        op["requestBody"] = {"required": not doc["body_optional"], "content": content}
    return op


@lru_cache(maxsize=4)
def _document(routes: tuple[Route, ...]) -> dict:
    components: dict = {}
    paths: dict = {}
    for method, route, doc, op_id in _docs(routes):
        paths.setdefault(route.template, {})[method] = _operation(method, route, doc, op_id, components)
    _notebook_fields(components)
    _content_fields(components)
    components.update(openapi_nbformat.components())
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter_artifacts", "version": __version__,
                 "description": "Versioned research artifacts over PostgreSQL: immutable versions (`X@vN`), "
                                "notebooks as version chains, processing steps between exact versions, chambers "
                                "and debates. Paths are relative to the Jupyter server's base_url. JSON bodies "
                                f"may nest at most {MAX_DEPTH} levels; unknown body fields are refused (400). "
                                "Every POST is retry-safe with an `Idempotency-Key` header."},
        "tags": TAGS,
        "components": {"schemas": components, "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                      "description": "`token <jupyter token>` (the Jupyter server's token)."}}},
        "paths": paths,
    }


def document(routes: list[Route]) -> dict:
    return _document(tuple(routes))
