"""Request-body examples of the OpenAPI document, by operationId (handlers/openapi.py adds them
to each operation's body; an `@api_doc(examples=...)` adds to or overrides them)."""

from __future__ import annotations

EXAMPLES: dict[str, dict] = {}
