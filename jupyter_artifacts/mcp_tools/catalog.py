"""The MCP tools: each is one REST operation, named as API.md's "Agents" section names it.

A tool's description is its operation's OpenAPI text and its input schema the JSON schema of
the operation's request models (whose field descriptions are the OpenAPI ones) plus its path
arguments, all read from the route tables: the tools cannot drift from the REST contract."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mcp import types
from pydantic import BaseModel, RootModel

from ..handlers.base import Route

# A tool's path arguments, by the name the route template gives them.
PATH_ARGS = {"ref": "ref", "notebook_id": "ref", "chamber_id": "cid", "session_id": "session_id",
             "replay_id": "replay_id"}


@dataclass(frozen=True)
class ToolSpec:
    """A tool is the route `method template`, and the Python client's method of the same name.
    `path_args`: tool argument → template parameter; `list_arg`: the argument that carries a
    list body (the pull of a chamber); every other argument is a query or body field."""

    name: str
    method: str
    template: str
    path_args: tuple[tuple[str, str], ...] = ()
    list_arg: str | None = None
    extra_args: tuple[tuple[str, dict], ...] = ()  # arguments of the client method beyond the route's

    @property
    def read_only(self) -> bool:
        return self.method == "GET"


def _spec(name: str, method: str, template: str, *args: str, list_arg: str | None = None,
          extra_args: tuple[tuple[str, dict], ...] = ()) -> ToolSpec:
    return ToolSpec(name, method, template, tuple((a, PATH_ARGS[a]) for a in args), list_arg, extra_args)


# replay_version waits for the verdict (an agent needs it, and polling costs it turns), at most
# wait_s; the route's {n} is the ref's @vN or version_number.
REPLAY_ARGS = (
    ("version_number", {"type": "integer", "minimum": 1, "description": (
        "The version to replay, when `notebook_id` is a bare id (else the `@vN` of `notebook_id`, e.g. `NB-12@v3`).")}),
    ("wait_s", {"type": "number", "minimum": 0, "description": (
        "Seconds to wait for the verdict (default: until the replay ends). If it is still running then, the reply "
        "is the replay as it stands (`status: running`, with `progress`): call get_replay with its `replay_id` "
        "later.")}),
)


TOOLS: tuple[ToolSpec, ...] = (
    _spec("search_artifacts", "GET", "/api/artifacts"),
    _spec("get_version", "GET", "/api/artifacts/{ref}", "ref"),
    _spec("list_versions", "GET", "/api/artifacts/{ref}/versions", "ref"),
    _spec("diff_versions", "GET", "/api/artifacts/{ref}/diff", "ref"),
    _spec("create_artifact", "POST", "/api/artifacts"),
    _spec("new_version", "POST", "/api/artifacts/{ref}/versions", "ref"),
    # register_notebook, get_chamber and get_debate are not among API.md's names: nothing else
    # makes a notebook (create_artifact refuses them) or reads a chamber's pins or a debate's rounds.
    _spec("register_notebook", "POST", "/api/notebooks"),
    _spec("append_cell", "POST", "/api/notebooks/{ref}/cells", "notebook_id"),
    _spec("get_lineage", "GET", "/api/artifacts/{ref}/lineage", "ref"),
    _spec("create_chamber", "POST", "/api/chambers"),
    _spec("pull_into_chamber", "POST", "/api/chambers/{cid}/pull", "chamber_id", list_arg="entries"),
    _spec("close_chamber", "POST", "/api/chambers/{cid}/close", "chamber_id"),
    _spec("get_chamber", "GET", "/api/chambers/{cid}", "chamber_id"),
    _spec("open_debate", "POST", "/api/debates"),
    _spec("post_round", "POST", "/api/debates/{session_id}/rounds", "session_id"),
    _spec("close_debate", "POST", "/api/debates/{session_id}/close", "session_id"),
    _spec("debate_artifacts", "GET", "/api/debates/{session_id}/artifacts", "session_id"),
    _spec("get_debate", "GET", "/api/debates/{session_id}", "session_id"),
    _spec("commit_notebook", "POST", "/api/notebooks/{ref}/versions", "notebook_id"),
    _spec("fork_artifact", "POST", "/api/artifacts/{ref}/fork", "ref"),
    _spec("merge_notebook", "POST", "/api/notebooks/{ref}/merge", "notebook_id"),
    _spec("split_notebook", "POST", "/api/notebooks/{ref}/split", "notebook_id"),
    _spec("replay_version", "POST", "/api/notebooks/{ref}/versions/{n}/replay", "notebook_id",
          extra_args=REPLAY_ARGS),
    _spec("get_replay", "GET", "/api/replays/{replay_id}", "replay_id"),
)


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one route method."""

    text: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None


def tool_description(summary: str, description: str | None) -> str:
    """A tool's description: its operation's summary, then its description when it has one."""
    return f"{summary}\n\n{description}" if description and description != summary else summary


def default_routes() -> list[Route]:
    from ..app import ROUTE_MODULES

    return [r for module in ROUTE_MODULES for r in module.routes]


def _operations(routes: list[Route]) -> dict[tuple[str, str], Operation]:
    """(METHOD, template) → Operation, from the OpenAPI builder's own reading of the routes."""
    from ..handlers.openapi import operations

    return {(op["method"].upper(), op["path"]): Operation(
        tool_description(op["summary"], op["description"]), op["query_model"], op["body_model"])
        for op in operations(routes).values()}


def _schema(model: type[BaseModel], defs: dict) -> dict:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs.update(schema.pop("$defs", {}))
    return schema


def input_schema(spec: ToolSpec, op: Operation) -> dict[str, Any]:
    from ..handlers.openapi import IDEMPOTENCY_KEY, PATH_PARAMS

    props: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for arg, param in spec.path_args:
        props[arg] = dict(PATH_PARAMS[param])
        required.append(arg)
    for model in (op.query, op.body):
        if model is None:
            continue
        schema = _schema(model, defs)
        if issubclass(model, RootModel):
            schema.pop("title", None)
            props[spec.list_arg] = schema
            required.append(spec.list_arg)
            continue
        props.update(schema.get("properties", {}))
        required.extend(schema.get("required", []))
    for arg, schema in spec.extra_args:
        props[arg] = dict(schema)
    if spec.method != "GET" and spec.list_arg is None and "idempotency_key" not in props:
        # The client sends it as the Idempotency-Key header, which the document describes so.
        props["idempotency_key"] = {**IDEMPOTENCY_KEY["schema"], "description": IDEMPOTENCY_KEY["description"]}
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    if defs:
        out["$defs"] = defs
    return out


@dataclass(frozen=True)
class Catalog:
    """The tools as MCP lists them."""

    tools: tuple[types.Tool, ...]
    by_name: dict[str, types.Tool]


@lru_cache(maxsize=4)
def _catalog(routes: tuple[Route, ...]) -> Catalog:
    ops = _operations(list(routes))
    tools = []
    for spec in TOOLS:
        op = ops.get((spec.method, spec.template))
        if op is None:  # a route this server does not have (an older or trimmed build)
            continue
        tools.append(types.Tool(
            name=spec.name, description=op.text, input_schema=input_schema(spec, op),
            annotations=types.ToolAnnotations(read_only_hint=spec.read_only,
                                              destructive_hint=False if not spec.read_only else None)))
    return Catalog(tuple(tools), {t.name: t for t in tools})


def catalog(routes: list[Route] | None = None) -> Catalog:
    return _catalog(tuple(routes if routes is not None else default_routes()))
