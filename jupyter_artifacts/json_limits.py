"""How deep JSON may nest: one limit for everything written, and verbatim reads of deeper
values that other writers stored.

Python's json, pydantic's serialiser (254 levels) and nbdime all recurse, so a value
nested a few hundred levels deep breaks whatever touches it. Hence:

* Writes: a request body (or a notebook read from the server's contents, or an executed
  cell's output) nested deeper than `MAX_DEPTH` levels is refused before anything is
  stored. Everything this server stores therefore nests at most `MAX_DEPTH` levels, and
  every later read of it (version objects, diffs, nbdime's diffs: about twice as deep)
  stays far below the serialiser's limit.
* Reads: a stored value can still be deeper (legacy rows, other services writing the
  tables). The database's JSON loader (`load`) keeps the outer `MAX_DEPTH` levels as
  Python values and each deeper subtree as `RawJSON`, its exact text from PostgreSQL.
  `dumps` and the handlers' replies write that text back verbatim, so reads return the
  stored value exactly; computing with it (hashing, rendering, executing) raises `TooDeep`.

Depth counts containers on the deepest path: `1` is 0, `{}` and `[1]` are 1, `{"a": [1]}` is 2.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import Conflict, Invalid

MAX_DEPTH = 64

# A JSON string (escapes included) or one bracket: brackets inside strings are not structure.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
_OPEN = frozenset("[{")
_MARK = "\x00raw:"  # a NUL never occurs in a stored JSON string (jsonb refuses \u0000)


class TooDeep(Conflict):
    """A stored value nests deeper than this server computes with (it was not written here)."""


class RawJSON:
    """A stored JSON subtree deeper than `MAX_DEPTH`, kept as PostgreSQL's text of it."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __eq__(self, other: object) -> bool:
        # jsonb prints equal values identically, so equal texts mean equal values.
        return isinstance(other, RawJSON) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:40]!r}...)"


def _maybe_deep(text: str, limit: int) -> bool:
    # Cheap and conservative: fewer opening brackets (in strings or not) than the limit
    # cannot nest deeper than it.
    return text.count("[") + text.count("{") > limit


def exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text nests deeper than `limit` (stops at the first level too deep)."""
    if not _maybe_deep(text, limit):
        return False
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def value_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """`exceeds` for a Python value (one too deep even for json.dumps counts as too deep)."""
    try:
        return exceeds(json.dumps(value, default=str), limit)
    except RecursionError:
        return True


def check_body(text: str, what: str = "The request body", limit: int = MAX_DEPTH) -> None:
    if exceeds(text, limit):
        raise Invalid(f"{what} nests deeper than {limit} levels, the limit for JSON sent to this "
                      "server; nothing was stored.")


def _deep_spans(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of each container that opens at depth limit + 1, outermost only."""
    spans, depth, start = [], 0, 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in _OPEN:
            if depth == limit:
                start = m.start()
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == limit:
                spans.append((start, m.end()))
    return spans


def load(data: bytes | str) -> Any:
    """The database's JSON loader: the value, with subtrees deeper than MAX_DEPTH as RawJSON."""
    text = bytes(data).decode("utf-8") if isinstance(data, (bytes, bytearray, memoryview)) else data
    if not _maybe_deep(text, MAX_DEPTH):
        return json.loads(text)
    spans = _deep_spans(text, MAX_DEPTH)
    if not spans:
        return json.loads(text)
    raws, parts, at = [], [], 0
    for i, (start, end) in enumerate(spans):
        parts += [text[at:start], json.dumps(f"{_MARK}{i}")]
        raws.append(RawJSON(text[start:end]))
        at = end
    parts.append(text[at:])
    return _swap_marks(json.loads("".join(parts)), raws)


def _swap_marks(value: Any, raws: list[RawJSON]) -> Any:
    def swap(v):
        return raws[int(v[len(_MARK):])] if isinstance(v, str) and v.startswith(_MARK) else v

    value = swap(value)
    stack = [value] if isinstance(value, (dict, list)) else []
    while stack:  # iterative: the reduced value is at most MAX_DEPTH deep, but why recurse
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in list(items):
            if isinstance(v, (dict, list)):
                stack.append(v)
            elif isinstance(v, str) and v.startswith(_MARK):
                node[k] = swap(v)
    return value


class Splicer:
    """Collects RawJSON met while serialising and writes their texts back into the result."""

    def __init__(self):
        self.raws: list[str] = []

    def default(self, value: Any) -> str:
        """A `default=` / `fallback=` hook: RawJSON becomes a marker string."""
        if isinstance(value, RawJSON):
            self.raws.append(value.text)
            return f"{_MARK}{len(self.raws) - 1}"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    def splice(self, text: str) -> str:
        for i, raw in enumerate(self.raws):  # the quotes make each marker unique
            text = text.replace(f'"\\u0000raw:{i}"', raw, 1)
        return text


def dumps(value: Any, **kwargs) -> str:
    """json.dumps that writes RawJSON subtrees back verbatim."""
    splicer = Splicer()
    return splicer.splice(json.dumps(value, default=splicer.default, **kwargs))


def model_json(model, **kwargs) -> str:
    """A pydantic model's JSON (model_dump_json's arguments), RawJSON subtrees verbatim."""
    splicer = Splicer()
    return splicer.splice(model.model_dump_json(fallback=splicer.default, **kwargs))


def ensure_plain(value: Any) -> None:
    """Raise TooDeep if `value` holds a RawJSON subtree (before rendering or executing it)."""
    json.dumps(value, default=refuse_raw)


def refuse_raw(value: Any) -> None:
    """json.dumps `default=` for code that must compute with a value (hashing, rendering)."""
    if isinstance(value, RawJSON):
        raise TooDeep(f"A stored value nests deeper than {MAX_DEPTH} levels (another service wrote it); "
                      "this server returns it as it is but cannot compute with it.")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
