"""content_hash and provenance hashes exactly as API.md defines them.

The hash covers the values the server stores and returns, so JSON is first brought to
the form it has after a round trip through PostgreSQL's jsonb: exponent-form floats
(integral, since Python only writes them for |x| >= 1e16) come back as exact integers,
-0.0 as 0.0. Values jsonb cannot hold (NaN, Infinity, NUL characters, lone
surrogates) are refused before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from decimal import Decimal
from typing import Any

from .errors import Invalid
from .json_limits import refuse_raw


def canonical(value: Any) -> bytes:
    return canonical_text(value).encode()


def sha256_ref(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


def content_hash(artifact_type: str, title: str, metadata: dict, content: Any) -> str:
    return sha256_ref({"artifact_type": artifact_type, "title": title,
                       "metadata": metadata, "content": content})


def canonical_text(value: Any) -> str:
    # A stored subtree deeper than the write limit (RawJSON) cannot be hashed: TooDeep (409).
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=refuse_raw)


def notebook_hash(title: str, metadata: dict, skeleton: dict, cells_json: str) -> str:
    """content_hash of a notebook version from its skeleton and its cells' canonical JSON
    texts joined by commas: the same bytes as canonical() of the whole, without parsing
    and re-serialising every earlier cell on each append."""
    return NotebookHasher(title, metadata, skeleton, cells_json).digest


class NotebookHasher:
    """The content_hash of a notebook version, kept open after its last cell: SHA-256 of
    canonical() of the whole is fed in document order, and the cells come first in it (sorted
    keys: `{"artifact_type":"notebook","content":{"cells":[`), so the state after the cells
    is a prefix the next version shares. `plus(cell)` is the version with one cell more:
    an append hashes its own cell and the closing bytes (skeleton, metadata, title), never
    the earlier cells again. `cells_json`: the cells' canonical JSON joined by commas."""

    __slots__ = ("_empty", "_state", "_tail")

    def __init__(self, title: str, metadata: dict, skeleton: dict, cells_json: str = ""):
        marker = f"cells-{uuid.uuid4().hex}"
        payload = {"artifact_type": "notebook", "title": title, "metadata": metadata,
                   "content": {**skeleton, "cells": marker}}
        head, tail = canonical_text(payload).split(json.dumps(marker), 1)
        self._state = hashlib.sha256(f"{head}[{cells_json}".encode())
        self._tail = f"]{tail}".encode()
        self._empty = not cells_json

    def plus(self, cell_json: str) -> NotebookHasher:
        """The hash of this notebook with one more cell (its canonical JSON) at the end."""
        more = object.__new__(NotebookHasher)
        more._state = self._state.copy()
        more._state.update(cell_json.encode() if self._empty else f",{cell_json}".encode())
        more._tail, more._empty = self._tail, False
        return more

    @property
    def digest(self) -> str:
        closed = self._state.copy()
        closed.update(self._tail)
        return "sha256:" + closed.hexdigest()


def _check_text(s: str, where: str) -> str:
    if "\x00" in s:
        raise Invalid(f"{where} contains a NUL character, which cannot be stored.")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(f"{where} contains an unpaired surrogate, which is not valid Unicode.") from None
    return s


# Only these escapes can make json.loads produce a string PostgreSQL refuses.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


def check_strings(text: str, value: Any, where: str = "The request body") -> None:
    """Refuse NUL characters and unpaired surrogates anywhere in a parsed JSON body (`text` is
    its source; only \\u escapes can produce them, so most bodies need no walk)."""
    if not _SUSPECT_ESCAPE.search(text):
        return
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            _check_text(v, where)
        elif isinstance(v, dict):
            for k, item in v.items():
                _check_text(k, where)
                stack.append(item)
        elif isinstance(v, list):
            stack.extend(v)


def normalize_json(value: Any, where: str = "value") -> Any:
    """Return `value` as PostgreSQL's jsonb will give it back, or raise Invalid."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid(f"{where} contains {value!r}, which JSON cannot represent.")
        if value == 0:
            return 0.0
        r = repr(value)
        if "e+" in r:  # jsonb prints the exact decimal, which reads back as an int
            return int(Decimal(r))
        return value
    if isinstance(value, str):
        return _check_text(value, where)
    if isinstance(value, list):
        return [normalize_json(v, where) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise Invalid(f"{where} has a non-string object key {k!r}.")
            out[_check_text(k, where)] = normalize_json(v, where)
        return out
    raise Invalid(f"{where} holds a {type(value).__name__}, which is not JSON.")
