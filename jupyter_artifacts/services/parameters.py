"""A step's `parameters`: the caller's own, beside the ones the server records for the operation.

A caller's key that the server also records (`execute`, `cell_index`, …) used to be silently
overwritten in the step; now it is refused by name, before anything runs or is written."""

from __future__ import annotations

from typing import Any

from ..errors import Invalid
from ..hashing import normalize_json

# What each operation records in its step's parameters besides the caller's.
CELL_APPEND = ("rationale", "cell_index", "cell_id", "cell_type", "execute", "execution_status")
COMMIT = ("rationale",)
LINK = ("link_type", "strength", "evidence")


def user_parameters(value: dict[str, Any], recorded: tuple[str, ...], operation: str) -> dict[str, Any]:
    clash = sorted(set(value) & set(recorded))
    if clash:
        names = ", ".join(f"parameters.{k}" for k in clash)
        verb = "is" if len(clash) == 1 else "are"
        raise Invalid(f"{names} {verb} recorded by the server for {operation} (its step records "
                      f"{', '.join(recorded)}); give yours another name, e.g. 'my_{clash[0]}'.")
    return normalize_json(value, "parameters")
