"""The OpenAPI document names every route the server serves, and nothing else."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import Field

from jupyter_artifacts.app import JupyterArtifactsApp
from jupyter_artifacts.handlers.base import ArtifactsHandler, Route, api_doc
from jupyter_artifacts.handlers.notebooks import Cells
from jupyter_artifacts.handlers.openapi import METHODS, document, operation_text, operations
from jupyter_artifacts.models.common import Request
from jupyter_artifacts.models.notebooks import AppendCell, Appended

# The routes of API.md that this server implements so far ("Artifacts", "Service").
CONTRACT = {
    ("post", "/api/artifacts"), ("get", "/api/artifacts"), ("get", "/api/artifacts/{ref}"),
    ("post", "/api/artifacts/{ref}/versions"), ("get", "/api/artifacts/{ref}/versions"),
    ("get", "/api/artifacts/{ref}/versions/{n}"), ("get", "/api/artifacts/{ref}/diff"),
    ("post", "/api/artifacts/{ref}/versions/{n}/tags"), ("patch", "/api/artifacts/{ref}/versions/{n}"),
    ("post", "/api/artifact-links"), ("get", "/api/artifacts/{ref}/links"),
    ("get", "/api/jupyter_artifacts/status"), ("get", "/api/jupyter_artifacts/openapi.json"),
    ("get", "/api/artifacts/{ref}/lineage"),
    ("post", "/api/chambers"), ("get", "/api/chambers"), ("post", "/api/chambers/{cid}/pull"),
    ("get", "/api/chambers/{cid}"), ("post", "/api/chambers/{cid}/close"),
    ("post", "/api/personas/{persona_id}/workspace"), ("get", "/api/personas/{persona_id}/workspace"),
    ("post", "/api/debates"), ("get", "/api/debates/{session_id}"), ("post", "/api/debates/{session_id}/rounds"),
    ("post", "/api/debates/{session_id}/close"), ("get", "/api/debates/{session_id}/artifacts"),
    ("get", "/api/debate/{session_id}/artifacts"),
    ("post", "/api/notebooks"), ("get", "/api/notebooks/{ref}"), ("get", "/api/notebooks/{ref}/versions/{n}"),
    ("post", "/api/notebooks/{ref}/cells"), ("get", "/api/notebooks/{ref}/diff"),
    ("post", "/api/notebooks/{ref}/versions/{n}/replay"), ("get", "/api/replays/{replay_id}"),
    ("get", "/api/notebooks/{ref}/versions/{n}/replays"), ("get", "/api/replays/{replay_id}/diff"),
}


def implemented(handler) -> set[str]:
    """HTTP methods a handler class defines itself (not tornado's 405 defaults)."""
    return {m for m in METHODS for cls in handler.__mro__
            if issubclass(cls, ArtifactsHandler) and cls is not ArtifactsHandler and m in cls.__dict__}


async def test_openapi_matches_the_served_routes(api, jp_serverapp):
    r = await api("GET", "api/jupyter_artifacts/openapi.json")
    assert r.status == 200
    doc = r.json
    validate(doc)
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    served = {(m, route.template) for route in JupyterArtifactsApp().routes() for m in implemented(route.handler)}
    assert documented == served
    assert CONTRACT <= served
    # Every route really is registered on the running server (under its base_url).
    patterns = {rule.matcher.regex.pattern for rule in jp_serverapp.web_app.default_router.rules[0].target.rules}
    for route in JupyterArtifactsApp().routes():
        assert any(route.pattern in p for p in patterns), route.template
    for (method, path) in documented:
        op = doc["paths"][path][method]
        assert op["summary"] and "403" in op["responses"] and "503" in op["responses"]
        if method == "patch":
            assert "requestBody" in op


async def test_openapi_describes_what_the_replies_are(api):
    doc = (await api("GET", "api/jupyter_artifacts/openapi.json")).json
    schemas, paths = doc["components"]["schemas"], doc["paths"]
    # Replies are documented as serialised: `from`, never the Python name `from_`.
    for name in ("FieldDiff", "NotebookDiff"):
        assert "from" in schemas[name]["properties"] and "from_" not in schemas[name]["properties"], name
    # Query parameters as sent.
    assert "from" in {p["name"] for p in paths["/api/artifacts/{ref}/diff"]["get"]["parameters"]}
    lineage = paths["/api/artifacts/{ref}/lineage"]["get"]["responses"]["200"]["content"]["application/json"]
    assert {"$ref": "#/components/schemas/ProvDocument"} in lineage["schema"]["anyOf"]
    nb = paths["/api/notebooks/{ref}/versions/{n}"]["get"]["responses"]["200"]["content"]
    assert set(nb) == {"application/json", "application/x-ipynb+json", "text/html"}
    assert set(paths["/api/artifacts/{ref}/versions/{n}/tags"]["post"]["responses"]) >= {"200", "201", "409"}
    assert set(paths["/api/personas/{persona_id}/workspace"]["post"]["responses"]) >= {"200", "201"}
    for path, ops in paths.items():
        for op in ops.values():
            for p in op["parameters"]:
                if p["in"] == "path":
                    assert p["schema"].get("pattern"), (path, p)
            if "requestBody" in op:
                assert {"400", "413"} <= set(op["responses"]), path


# -- self-describing (issue 18): texts, examples, strict bodies, retry safety -------------------

CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
AREAS = {"artifacts", "notebooks", "lineage", "chambers", "debates", "service", "jobs"}


def operations_of(doc: dict):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def undescribed(doc: dict) -> list[str]:
    """Every component property and every parameter that has no description."""
    missing = []
    for name, schema in doc["components"]["schemas"].items():
        for prop, sub in (schema.get("properties") or {}).items():
            if not (sub.get("description") or "").strip():
                missing.append(f"{name}.{prop}")
    for path, method, op in operations_of(doc):
        for p in op.get("parameters", []):
            if not (p.get("description") or "").strip():
                missing.append(f"{method} {path} {p['in']} {p['name']}")
    return missing


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_models(doc: dict, schema: dict, seen: set[str] | None = None) -> set[str]:
    """The component names a request body reaches, nbformat's own and the documented content
    conventions left out (those are open by design)."""
    seen = set() if seen is None else seen
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if name and name not in seen and not name.startswith("Notebook") and not name.endswith("Content"):
            seen.add(name)
            body_models(doc, doc["components"]["schemas"][name], seen)
        for value in schema.values():
            body_models(doc, value, seen)
    elif isinstance(schema, list):
        for value in schema:
            body_models(doc, value, seen)
    return seen


def body_validator(doc: dict, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": doc["components"]})


async def test_every_operation_is_described(api):
    doc = (await api("GET", "api/jupyter_artifacts/openapi.json")).json
    ids = [op.get("operationId") for _, _, op in operations_of(doc)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {t["name"] for t in doc["tags"]} == AREAS and all(t["description"] for t in doc["tags"])
    for path, method, op in operations_of(doc):
        where = f"{method} {path}"
        assert CAMEL.match(op["operationId"]) and len(op["operationId"]) <= 30, where
        assert op["tags"] and set(op["tags"]) <= AREAS, where
        assert op["summary"].strip() and len(op["description"]) >= 40, where
        assert "401" in op["responses"] and "403" in op["responses"], where
        assert op["responses"]["503"]["headers"]["Retry-After"]["description"], where
    by_id = {op["operationId"]: (method, path) for path, method, op in operations_of(doc)}
    for name in ("createArtifact", "listArtifacts", "getArtifact", "listVersions", "newVersion", "getVersion",
                 "setLifecycle", "tagVersion", "diffArtifact", "getLinks", "createLink", "listArtifactTypes",
                 "getLineage", "registerNotebook", "getNotebook", "exportNotebook", "appendCell", "diffNotebook",
                 "commitNotebook", "forkArtifact", "mergeNotebook", "previewMerge", "splitNotebook", "createChamber",
                 "listChambers", "getChamber", "pullIntoChamber", "closeChamber", "openPersonaWorkspace",
                 "getPersonaWorkspace", "openDebate", "listDebates", "getDebate", "postRound", "closeDebate",
                 "getDebateArtifacts", "getStatus", "getOpenApi"):
        assert name in by_id, name
    assert by_id["appendCell"] == ("post", "/api/notebooks/{ref}/cells")


async def test_every_field_and_parameter_is_described(api):
    doc = (await api("GET", "api/jupyter_artifacts/openapi.json")).json
    assert undescribed(doc) == []


def test_a_field_without_description_is_caught():
    """The check above fails for a field added without a description (here, `weight`)."""

    class Thing(Request):
        name: str = Field(description="A name.")
        weight: int

    class Handler(ArtifactsHandler):
        @api_doc("Make a thing", body=Thing, reply=Thing, operation_id="makeThing", tags=("artifacts",))
        async def post(self):
            pass

    doc = document([Route("/api/things", Handler)])
    assert undescribed(doc) == ["Thing.weight"]


async def test_request_bodies_are_strict_and_have_valid_examples(api):
    doc = (await api("GET", "api/jupyter_artifacts/openapi.json")).json
    bodies = 0
    for path, method, op in operations_of(doc):
        if "requestBody" not in op:
            continue
        bodies += 1
        media = op["requestBody"]["content"]["application/json"]
        schema = media["schema"]
        top = resolve(doc, schema)
        if top.get("type") == "array":  # a pull: a list of strict entries
            top = resolve(doc, top["items"])
        assert top.get("additionalProperties") is False, path
        for name in body_models(doc, schema):
            component = doc["components"]["schemas"][name]
            if component.get("type") == "object" or "properties" in component:
                assert component.get("additionalProperties") is False, (path, name)
        assert media.get("examples"), f"{method} {path} has no example"
        validator = body_validator(doc, schema)
        for name, example in media["examples"].items():
            errors = [e.message for e in validator.iter_errors(example["value"])]
            assert not errors, (op["operationId"], name, errors[:3])
    assert bodies >= 20


async def test_notebook_bodies_are_nbformat(api):
    doc = (await api("GET", "api/jupyter_artifacts/openapi.json")).json
    schemas = doc["components"]["schemas"]
    notebook = {"$ref": "#/components/schemas/Notebook"}
    for model, field in (("RegisterNotebook", "notebook"), ("CommitNotebook", "notebook"),
                         ("MergeRequest", "resolved"), ("DiffCopy", "notebook")):
        prop = schemas[model]["properties"][field]
        assert notebook in prop.get("anyOf", [{"$ref": prop.get("$ref")}]), (model, field)
    valid = body_validator(doc, notebook)
    cell = {"cell_type": "markdown", "metadata": {}, "source": "## Plaque microglia"}
    # A 4.4 notebook without cell ids is accepted (and upgraded) by the server: the schema says so too.
    assert valid.is_valid({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell]})
    assert not valid.is_valid({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"source": "x"}]})
    content = schemas["CreateArtifact"]["properties"]["content"]["anyOf"]
    assert {"$ref": "#/components/schemas/HypothesisContent"} in content
    assert notebook in schemas["NewVersion"]["properties"]["content"]["anyOf"]


async def test_writes_are_documented_retry_safe(api):
    doc = (await api("GET", "api/jupyter_artifacts/openapi.json")).json
    writes = 0
    for path, method, op in operations_of(doc):
        headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
        if method not in ("post", "patch"):
            assert "Idempotency-Key" not in headers, path
            continue
        writes += 1
        assert "Idempotency-Key" in headers, f"{method} {path}"
        assert "422" in op["responses"], path
        for status, response in op["responses"].items():
            if status.startswith("2") and status != "202":
                assert "Idempotent-Replayed" in response["headers"], (path, status)
    assert writes >= 20
    append = doc["paths"]["/api/notebooks/{ref}/cells"]["post"]
    assert "Prefer" in {p["name"] for p in append["parameters"]}
    accepted = append["responses"]["202"]["content"]["application/json"]["schema"]
    assert set(resolve(doc, accepted)["properties"]) >= {"job_id", "status", "href"}
    assert doc["paths"]["/api/jupyter_artifacts/jobs/{job_id}"]["get"]["operationId"] == "getJob"


def test_operations_give_each_operation_its_texts_and_models():
    """What the MCP tools build on: one entry per operationId, the same texts as the document."""
    routes = JupyterArtifactsApp().routes()
    ops = operations(routes)
    doc = document(routes)
    assert len(ops) == sum(1 for _ in operations_of(doc))
    append = ops["appendCell"]
    assert (append["method"], append["path"]) == ("POST", "/api/notebooks/{ref}/cells")
    assert append["body_model"] is AppendCell and append["reply_model"] is Appended
    assert append["description"] == doc["paths"]["/api/notebooks/{ref}/cells"]["post"]["description"]
    assert ops["listArtifacts"]["query_model"] is not None and ops["listArtifacts"]["body_model"] is None
    assert operation_text(Cells, "post") == (append["summary"], append["description"])
