"""Capping an executed cell's outputs to a size, keeping valid nbformat and saying what was cut."""

from __future__ import annotations

import json
import re
from typing import Any

import nbformat

from ..json_limits import MAX_DEPTH, value_exceeds

# An output nests at most as deep as it could in a registered notebook's request body
# ({"notebook": {"cells": [{"outputs": [output]}]}}), so whatever an execution stores
# reads back, diffs and re-registers like anything else (json_limits).
OUTPUT_MAX_DEPTH = MAX_DEPTH - 5

_RGX_CARRIAGE_RETURN = re.compile(r"[^\n]*\r(?=[^\n])")
_RGX_BACKSPACE = re.compile(r"[^\n]\x08")
_MIN_STREAM_PIECE = 64  # below this a cut stream is not worth keeping


def json_size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def apply_control_chars(text: str) -> str:
    """`\\r` and `\\b` as a terminal (and JupyterLab) displays them, line by line."""
    if "\x08" in text:
        old = None
        while old != text:
            old, text = text, _RGX_BACKSPACE.sub("", text)
    if "\r" in text:
        text = _RGX_CARRIAGE_RETURN.sub("", text)
    return text


def too_deep(output: Any) -> bool:
    return value_exceeds(output, OUTPUT_MAX_DEPTH)


def too_deep_notice(output: Any) -> dict:
    kind = output.get("output_type", "an") if isinstance(output, dict) else "an"
    return nbformat.v4.new_output(
        "stream", name="stderr",
        text=f"\n[{kind} output not stored: it nests deeper than {OUTPUT_MAX_DEPTH} levels]\n")


def _truncation_notice(omitted: int, original: int, cap: int) -> dict:
    return nbformat.v4.new_output(
        "stream",
        name="stderr",
        text=(
            f"\n[output truncated: {omitted:,} of {original:,} bytes not stored "
            f"(limit {cap:,} bytes)]\n"
        ),
    )


def _cut_text(out: dict, budget: int) -> dict | None:
    """A copy of stream `out` with the longest prefix of its text whose JSON fits in `budget`."""
    text = out["text"]
    base = json_size({**out, "text": ""})
    if base + _MIN_STREAM_PIECE > budget:
        return None
    lo, hi = 0, len(text)
    # JSON of n characters takes at least n bytes, at most 6n (\\uXXXX): start from a tight range.
    hi = min(hi, budget - base)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if base + json_size(text[:mid]) - 2 <= budget:
            lo = mid
        else:
            hi = mid - 1
    if lo < _MIN_STREAM_PIECE and lo < len(text):
        return None
    return {**out, "text": text[:lo]}


def _shrink_error(out: dict, budget: int) -> dict:
    """The error output, its traceback shortened from the front (the last frames matter most)."""
    if json_size(out) <= budget:
        return out
    evalue = out.get("evalue", "")
    if len(evalue) > 2000:
        evalue = evalue[:2000] + "…"
    tb = list(out.get("traceback", []))
    shrunk = {**out, "evalue": evalue, "traceback": tb}
    dropped = 0
    while tb and json_size(shrunk) > budget:
        tb.pop(0)
        dropped += 1
        shrunk["traceback"] = [f"[{dropped} traceback lines not stored]", *tb]
    if json_size(shrunk) > budget:
        shrunk["traceback"] = []
        shrunk["evalue"] = evalue[:200]
    return shrunk


def cap_outputs(outputs: list[dict], cap_bytes: int, *, dropped_bytes: int = 0) -> list[dict]:
    """`outputs` if their JSON fits in `cap_bytes` (and nothing was dropped before), else the first
    outputs that fit (a stream cut to fit), the final error output if any, and a stderr notice
    of how much was left out; the result's JSON fits in `cap_bytes` (for caps of 1 KB or more).

    `dropped_bytes`: outputs already discarded while collecting (counted in the notice)."""
    total = json_size(outputs)
    if total <= cap_bytes and not dropped_bytes:
        return outputs
    original = total + dropped_bytes
    notice_room = json_size(_truncation_notice(10**15, 10**15, cap_bytes)) + 1
    budget = cap_bytes - notice_room - 2  # the list's brackets
    body = list(outputs)
    error = body.pop() if body and body[-1].get("output_type") == "error" else None
    if error is not None:
        error = _shrink_error(error, max(budget // 2, 256))
        budget -= json_size(error) + 1
    kept: list[dict] = []
    used = 0
    for out in body:
        size = json_size(out) + 1
        if used + size <= budget:
            kept.append(out)
            used += size
            continue
        if out.get("output_type") == "stream":
            piece = _cut_text(out, budget - used - 1)
            if piece is not None:
                kept.append(piece)
        break  # keep the first outputs, in order: nothing after the first that did not fit
    if error is not None:
        kept.append(error)
    omitted = max(original - json_size(kept), 0)
    kept.append(_truncation_notice(omitted, original, cap_bytes))
    return kept
