"""The OpenAPI document names every route the server serves, and nothing else."""

from __future__ import annotations

from openapi_spec_validator import validate

from jupyter_artifacts.app import JupyterArtifactsApp
from jupyter_artifacts.handlers.base import ArtifactsHandler
from jupyter_artifacts.handlers.openapi import METHODS

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
