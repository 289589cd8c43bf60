"""nbformat's own JSON schema of a version 4 notebook, as OpenAPI components (`Notebook` and
`Notebook<Part>`), for the request bodies that take a notebook.

Taken from the installed `nbformat` package (v4.5), loosened only where the server accepts
more than 4.5 itself: any 4.x minor, and cells without an `id` (a notebook is upgraded to 4.5,
ids added, before it is validated)."""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from importlib.resources import files

SCHEMA_FILE = "nbformat.v4.5.schema.json"
PREFIX = "Notebook"
UPGRADED = ("The server accepts any nbformat 4 minor (4.0 to 4.5) and upgrades it to 4.5 before validating it; "
            "cells may come without `id` (one is generated). This is nbformat's own 4.5 JSON schema with those "
            "two constraints relaxed.")


def _name(pointer: str) -> str:
    """`#/definitions/misc/source` -> `NotebookMiscSource`; `code_cell` -> `NotebookCodeCell`."""
    parts = pointer.removeprefix("#/definitions/").split("/")
    return PREFIX + "".join(w.capitalize() for p in parts for w in re.split(r"[_\W]+", p) if w)


def _rewrite(node):
    if isinstance(node, dict):
        out = {k: _rewrite(v) for k, v in node.items() if k not in ("$schema", "id") or not isinstance(v, str)}
        if "$ref" in out:
            out["$ref"] = f"#/components/schemas/{_name(node['$ref'])}"
        if out.get("type") == "array" and "item" in out and "items" not in out:
            # nbformat's `authors` says `item` (a typo, so its entries go unchecked): keep them unchecked.
            item = out.pop("item")
            out["items"] = {"description": f"An entry; nbformat suggests {json.dumps(item, sort_keys=True)}."}
        enum = out.get("enum")
        if enum and len({type(v) for v in enum}) > 1:
            # `[true, false, "auto"]`: one type per alternative, which code generators can follow.
            out.pop("enum")
            out["anyOf"] = [{"type": "boolean"} if isinstance(v, bool) else {"const": v} for v in enum
                            if not isinstance(v, bool) or v is True]
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _described(schema: dict, text: str) -> dict:
    """A `$ref`'d property: description beside the reference (OpenAPI 3.1 allows it)."""
    return schema if "description" in schema else {**schema, "description": text}


@lru_cache(maxsize=1)
def components() -> dict[str, dict]:
    """Every component of the notebook schema, `Notebook` first."""
    raw = json.loads(files("nbformat").joinpath("v4", SCHEMA_FILE).read_text(encoding="utf-8"))
    definitions = raw.pop("definitions")
    raw.pop("$schema", None)
    out = {PREFIX: _rewrite(raw)}
    for name, schema in definitions.items():
        if name == "misc":  # a namespace of small shared definitions, not a definition itself
            for sub, sub_schema in schema.items():
                out[_name(f"#/definitions/misc/{sub}")] = _rewrite(sub_schema)
        else:
            out[_name(f"#/definitions/{name}")] = _rewrite(schema)
    out = copy.deepcopy(out)
    notebook = out[PREFIX]
    notebook["description"] = f"A Jupyter notebook, nbformat 4 JSON. {UPGRADED}"
    minor = notebook["properties"]["nbformat_minor"]
    minor["minimum"] = 0
    minor["description"] = "Notebook format (minor number): any 4.x minor is accepted and upgraded to 5."
    for schema in out.values():
        required = schema.get("required")
        if required and "id" in required and "cell_type" in required:
            schema["required"] = [r for r in required if r != "id"]
        for prop, sub in (schema.get("properties") or {}).items():
            if "description" not in sub:
                sub["description"] = f"nbformat's `{prop}`."
    out[PREFIX + "CellId"]["description"] = ("The cell's id (nbformat 4.5): kept across versions, so an edited "
                                             "cell stays the same cell; generated when omitted.")
    return out
