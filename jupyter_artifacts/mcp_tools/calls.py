"""A tool call → the Python client's method of the same name → a tool result.

Arguments are the REST body, query and path fields as they are (the client names `from` as
`from_`); the client checks them against the same request models the server does, so a
misspelt field is refused with the server's own sentence naming it, before anything is sent."""

from __future__ import annotations

import inspect
import json
from typing import Any

from mcp import types
from pydantic import BaseModel

from .catalog import Catalog

# REST field names that are Python keywords, as the client's methods spell them.
PYTHON_NAMES = {"from": "from_"}


class Refused(Exception):
    """A refusal as REST states it: status, `reason`, message and the whole reply body."""

    def __init__(self, status: int, reason: str, message: str, body: Any = None):
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message
        self.body = body if isinstance(body, dict) else {"message": message, "reason": reason}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def plain(reply: Any) -> Any:
    """A client reply (a pydantic model, a list of them, or JSON) as JSON values, as the server sent it."""
    if isinstance(reply, BaseModel):
        return reply.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(reply, list):
        return [plain(x) for x in reply]
    return reply


def success(reply: Any) -> types.CallToolResult:
    value = plain(reply)
    return types.CallToolResult(content=[types.TextContent(text=_text(value))],
                                structured_content=value if isinstance(value, dict) else None)


def refusal(e: Refused) -> types.CallToolResult:
    """A tool error whose first line is the REST `reason` and message; what else the reply
    says (schema errors, a stale parent's `current_ref`) follows as the reply itself."""
    text = f"{e.reason} ({e.status}): {e.message}"
    if set(e.body) - {"message", "reason"}:
        text += "\n" + _text(e.body)
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


def _argument_problem(tool: types.Tool, arguments: dict[str, Any]) -> str:
    """What is wrong with arguments the client's method cannot take, as a sentence."""
    takes = tool.input_schema.get("properties", {})
    unknown = [repr(k[:60]) for k in arguments if k not in takes][:20]
    missing = [f"`{k}`" for k in tool.input_schema.get("required", []) if k not in arguments]
    parts = ([f"unknown argument{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"] if unknown else []) + \
            ([f"no {', '.join(missing)}"] if missing else [])
    return (f"{tool.name} was called with {' and '.join(parts) or 'arguments it does not take'}; nothing was "
            f"changed. It takes: {', '.join(takes)}.")


async def call_tool(client: Any, catalog: Catalog, name: str, arguments: dict[str, Any] | None
                    ) -> types.CallToolResult:
    """`await client.<name>(**arguments)` (an AsyncClient); a refusal becomes a tool error."""
    import httpx

    from ..client.errors import ArtifactsAPIError

    tool = catalog.by_name.get(name)
    if tool is None:
        return refusal(Refused(404, "not_found", f"There is no tool named {name[:60]!r}; tools/list names them."))
    arguments = arguments or {}
    kwargs = {PYTHON_NAMES.get(k, k): v for k, v in arguments.items()}
    method = getattr(client, name)
    try:
        inspect.signature(method).bind(**kwargs)
    except TypeError:
        return refusal(Refused(400, "invalid", _argument_problem(tool, arguments)))
    try:
        return success(await method(**kwargs))
    except ArtifactsAPIError as e:
        return refusal(Refused(e.status, e.reason, e.message, e.body))
    except (TypeError, ValueError) as e:  # an argument the client cannot even send (a ref that is a number)
        return refusal(Refused(400, "invalid", f"{name}: {str(e)[:300]}; nothing was changed."))
    except httpx.TransportError as e:  # the client's retries are spent
        return refusal(Refused(503, "unavailable", f"The Jupyter server did not answer ({type(e).__name__}: "
                                                   f"{str(e)[:200]}); try again later."))
