"""Judging a replay: does each code cell say again what its stored outputs say?

`judge(stored_nb, run)` compares, cell by cell, the stored outputs of a notebook version with the
outputs of its replay (replay_run.ReplayRun), after normalisation (normalise.py): streams of one
name merged, text normalised, execution counts, output metadata, `transient` and display ids
ignored, a cell's result and a display() of the same data alike, images compared by pixels when
their bytes differ (images.py). A stored error counts as the same when the same error (name and
normalised message) recurs.

Verdicts per code cell: "same", "differs", "error" (the cell raised, or timed out, or the kernel
died in it, where the stored outputs hold no such error), "skipped" (not run: nbval-skip, or after
the cell that stopped the replay). Status: "timeout" > "failed" > "differs" > "reproduced".
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass

from .images import compare_images
from .normalise import (
    MARKUP_MIMES,
    Normaliser,
    compile_declared,
    declared_in,
    nbval_marker,
    normalise_text,
)
from .outputs import apply_control_chars

__all__ = ["CellVerdict", "declared_normalisers", "judge", "replayed_notebook"]

IMAGE_MIMES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
_MAX_DETAIL = 300


@dataclass
class CellVerdict:
    index: int
    cell_id: str | None
    verdict: str  # "same" | "differs" | "error" | "skipped"
    detail: str | None  # a short sentence: "image differs (pixels)", "raised ZeroDivisionError: ..."

    def as_dict(self) -> dict:
        return asdict(self)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _canonical(outputs: list[dict], declared) -> list[tuple]:
    """Outputs as comparable tuples: (kind, key, value); images kept raw for pixel comparison."""
    merged: list[list] = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            name, text = out.get("name"), _text(out.get("text", ""))
            if merged and merged[-1][0] == "stream" and merged[-1][1] == name:
                merged[-1][2] += text
            else:
                merged.append(["stream", name, text])
        elif kind in ("display_data", "execute_result", "update_display_data"):
            data = {}
            for mime, value in (out.get("data") or {}).items():
                if mime in IMAGE_MIMES:
                    data[mime] = ("image", value)
                elif isinstance(value, str | list):
                    data[mime] = ("text", normalise_text(_text(value), declared, markup=mime in MARKUP_MIMES))
                else:
                    dumped = json.dumps(value, sort_keys=True, ensure_ascii=False)
                    data[mime] = ("text", normalise_text(dumped, declared))
            # A value shown as the cell's result or through display() reads the same: one kind.
            merged.append(["display", None, data])
        elif kind == "error":
            merged.append(["error", out.get("ename"), normalise_text(str(out.get("evalue", "")), declared)])
        else:
            merged.append([kind, None, json.dumps(out, sort_keys=True)])
    result = []
    for kind, key, value in merged:
        if kind == "stream":
            value = normalise_text(apply_control_chars(value), declared)
            if not value:
                continue  # a stream of blanks only (a trailing newline flushed apart)
        result.append((kind, key, value))
    return result


def _label(item: tuple) -> str:
    kind, key, value = item
    if kind == "stream":
        return f"{key} text"
    if kind == "display":
        return f"display ({', '.join(sorted(value)) or 'no data'})"
    return kind


def _compare_one(a: tuple, b: tuple) -> list[str]:
    """Why two canonical outputs differ ([] when they do not)."""
    if a[0] != b[0] or (a[0] == "stream" and a[1] != b[1]):
        return [f"output kind differs ({_label(a)} stored, {_label(b)} replayed)"]
    kind = a[0]
    if kind == "stream":
        return [] if a[2] == b[2] else [f"text differs ({a[1]})"]
    if kind == "error":
        return [] if a[1:] == b[1:] else [f"error differs ({a[1]} stored, {b[1]} replayed)"]
    if kind == "display":
        da, db = a[2], b[2]
        if set(da) != set(db):
            why = f"output kind differs ({', '.join(sorted(da))} stored, {', '.join(sorted(db))} replayed)"
            return [why]
        reasons = []
        for mime in sorted(da):
            (ka, va), (_, vb) = da[mime], db[mime]
            if ka == "image":
                why = compare_images(va, vb)
                if why is not None:
                    reasons.append(f"image differs ({why})")
            elif va != vb:
                reasons.append(f"text differs ({mime})")
        return reasons
    return [] if a == b else [f"{kind} output differs"]


def compare_outputs(stored: list[dict], replayed: list[dict], declared=()) -> str | None:
    """None when the outputs are the same after normalisation, else a short sentence why not."""
    a, b = _canonical(stored, declared), _canonical(replayed, declared)
    reasons: list[str] = []
    for x, y in zip(a, b, strict=False):
        for why in _compare_one(x, y):
            if why not in reasons:
                reasons.append(why)
    if len(a) != len(b):
        extra = b[len(a):] if len(b) > len(a) else a[len(b):]
        side = "replayed" if len(b) > len(a) else "stored"
        reasons.insert(0, f"{len(a)} outputs stored, {len(b)} replayed (only {side}: "
                          f"{', '.join(_label(x) for x in extra[:3])})")  # fmt: skip
    if not reasons:
        return None
    # Text before images: an image often differs only in rendering, text rarely does.
    reasons.sort(key=lambda r: r.startswith("image"))
    return "; ".join(reasons)[:_MAX_DETAIL]


def _stored_error(outputs: list[dict]) -> dict | None:
    for out in outputs or []:
        if out.get("output_type") == "error":
            return out
    return None


def _cell_verdict(index: int, cell: dict, run, declared) -> CellVerdict:
    cell_id = cell.get("id")

    def verdict(kind: str, detail: str | None) -> CellVerdict:
        return CellVerdict(index, cell_id, kind, detail[:_MAX_DETAIL] if detail else detail)

    marker = nbval_marker(cell)
    if marker == "skip":
        return verdict("skipped", "not run (nbval-skip)")
    if index == run.failed_cell_index:
        if run.status == "timeout":
            return verdict("error", "timed out")
        return verdict("error", _short(run.message or "the kernel died", 200))
    replayed = run.outputs[index] if index < len(run.outputs) else None
    if replayed is None:
        if run.failed_cell_index is not None:
            return verdict("skipped", f"not run (the replay stopped at cell {run.failed_cell_index})")
        if run.status == "kernel_error":
            return verdict("skipped", "not run (the kernel did not start)")
        return verdict("skipped", "not run")
    reply = (run.replies[index] if index < len(run.replies) else None) or {"status": "ok"}
    stored = cell.get("outputs") or []
    stored_error = _stored_error(stored)
    if reply.get("status") == "error":
        ename, evalue = reply.get("ename") or "Error", str(reply.get("evalue") or "")
        recurred = stored_error is not None and stored_error.get("ename") == ename and (
            normalise_text(str(stored_error.get("evalue", "")), declared)
            == normalise_text(evalue, declared))
        if not recurred:
            return verdict("error", _short(f"raised {ename}: {evalue}" if evalue else f"raised {ename}", 200))
    elif stored_error is not None:
        return verdict("differs", f"the stored error {stored_error.get('ename')} did not recur")
    if marker == "ignore":
        return verdict("same", "outputs ignored (nbval-ignore-output)")
    why = compare_outputs(stored, replayed, declared)
    return verdict("same", None) if why is None else verdict("differs", why)


def judge(stored_nb: dict, run, extra_normalisers=()) -> tuple[str, list[CellVerdict]]:
    """(status, one CellVerdict per code cell) for a replay `run` of `stored_nb`.

    `extra_normalisers`: declared [{"pattern", "replace"}] (see `declared_normalisers`), applied
    to text after the built-in ones. Status: "reproduced" (every code cell same, or skipped by
    nbval-skip), "differs", "failed" (a cell raised anew, or the kernel failed), "timeout"."""
    declared: tuple[Normaliser, ...] = compile_declared(list(extra_normalisers or ()))
    verdicts = [
        _cell_verdict(i, cell, run, declared)
        for i, cell in enumerate(stored_nb.get("cells") or [])
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    ]
    if run.status == "timeout":
        status = "timeout"
    elif run.status != "ok" or any(v.verdict == "error" for v in verdicts):
        status = "failed"
    elif any(v.verdict == "differs" for v in verdicts):
        status = "differs"
    else:
        status = "reproduced"
    return status, verdicts


def replayed_notebook(stored_nb: dict, run) -> dict:
    """The stored notebook with the replayed outputs and execution counts in the code cells that
    ran (the remote side of nbdime's diff against the stored one)."""
    nb = copy.deepcopy(stored_nb)
    for i, cell in enumerate(nb.get("cells") or []):
        if cell.get("cell_type") != "code" or i >= len(run.outputs) or run.outputs[i] is None:
            continue
        cell["outputs"] = copy.deepcopy(run.outputs[i])
        reply = run.replies[i] if i < len(run.replies) else None
        cell["execution_count"] = (reply or {}).get("execution_count")
    return nb


def declared_normalisers(version_metadata: dict | None, nb: dict) -> list[dict]:
    """The normalisers a version (its metadata) and its notebook (metadata.replay) declare,
    validated: [{"pattern", "replace"}]; ValueError with a sentence when one is invalid."""
    found = []
    for where, metadata in (("version metadata", version_metadata),
                            ("notebook metadata", (nb or {}).get("metadata"))):  # fmt: skip
        try:
            found += declared_in(metadata or {})
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
    compile_declared(found)  # at most MAX_DECLARED in all
    return found
