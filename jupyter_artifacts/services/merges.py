"""Three-way merges of notebook versions with nbdime (API.md, "Commit, fork, merge, split").

The head (`local`) and another version (`remote`: of this notebook or of another one, e.g. a
fork) are merged over their nearest common ancestor along processing steps (`base`). No
conflict: the merged notebook becomes the next version, with two `merge` steps (head -> new,
other -> new). Conflicts: a 409 `merge_conflict` carrying the three notebooks and nbdime's
decisions, nothing stored; the caller resolves them and sends `resolved`. A merge that would
change nothing (the other version is already in the head) creates nothing (200)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..db import artifacts as store
from ..db import lineage as lineage_store
from ..db.pool import Database
from ..errors import Conflict, MergeConflict, NoCommonAncestor, NotFound, StaleParent, quote
from ..hashing import normalize_json
from ..models import branches as m
from ..models.notebooks import DiffSummary
from ..notebooks.content import notebook_contents
from ..notebooks.diff import diff_notebooks
from ..notebooks.format import normalize_with_ids, validate_cells
from ..notebooks.merge import decide, inherit_cell_ids, merge_notebooks
from ..refs import parse_bare, parse_ref
from .actors import Actor
from .commits import empty_summary, notebook_of
from .snapshots import canonical_cells, notebook_digest, plan_snapshot, write_next_version
from .versions import resolve, to_version

ANCESTOR_DEPTH = 100_000  # steps walked back from each side looking for a common ancestor
MAX_ATTEMPTS = 3  # the head moved while nbdime merged: merge again on the new head


class HeadMoved(Exception):
    """Another version landed between reading the head and writing the merge on it."""


def ref_of(row: dict) -> str:
    return f"{row['artifact_id']}@v{row['version_number']}"


@dataclass
class Sides:
    head: dict
    other: dict | None  # None when `remote` is an edited copy, not a version
    base: dict
    base_nb: dict
    local_nb: dict
    remote_nb: dict | None


async def _contents(conn, rows: list[dict]) -> list[dict]:
    """The notebooks of several version rows (of any notebooks), reading each chain once."""
    by_artifact: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_artifact.setdefault(row["artifact_id"], []).append(i)
    out: list = [None] * len(rows)
    for idx in by_artifact.values():
        for i, nb in zip(idx, await notebook_contents(conn, [rows[i] for i in idx])):
            out[i] = nb
    for row, nb in zip(rows, out):
        if not isinstance(nb, dict):
            raise Conflict(f"The content of {ref_of(row)} is unknown (an adopted legacy version); "
                           "it cannot take part in a merge.")
    return out


async def _version(conn, text: str, what: str) -> dict:
    found = await resolve(conn, parse_ref(text), content=True)
    row = found.row
    if row is None or row["artifact_type"] != "notebook" or row["version_number"] is None:
        raise NotFound(f"The {what} {quote(text)} names no numbered notebook version.")
    return row


class MergeService:
    def __init__(self, db: Database):
        self.db = db

    async def _sides(self, conn, target, other: str | None, base: str | None, *,
                     parent_version: int | None = None) -> Sides:
        found = await notebook_of(conn, target)
        head = await store.latest(conn, found.artifact_id, content=True)
        if parent_version is not None and parent_version != head["version_number"]:
            raise StaleParent(found.artifact_id, parent_version, head["version_number"])
        other_row = await _version(conn, other, "other version") if other is not None else None
        if base is not None:
            base_row = await _version(conn, base, "base")
        else:
            common = await lineage_store.common_ancestor(
                conn, (head["artifact_id"], head["version_number"]),
                (other_row["artifact_id"], other_row["version_number"]), ANCESTOR_DEPTH)
            if common is None:
                raise NoCommonAncestor(f"{ref_of(head)} and {ref_of(other_row)} have no common ancestor along "
                                       "processing steps; name one with `base`.")
            base_row = await store.by_number(conn, common["artifact_id"], common["version_number"], content=True)
        rows = [base_row, head] + ([other_row] if other_row is not None else [])
        contents = await _contents(conn, rows)
        return Sides(head=head, other=other_row, base=base_row, base_nb=contents[0], local_nb=contents[1],
                     remote_nb=contents[2] if len(contents) > 2 else None)

    async def merge(self, ref: str, body: m.MergeRequest, actor: Actor) -> tuple[m.Committed, int]:
        target = parse_bare(ref)
        rationale = normalize_json(body.rationale, "rationale")
        resolved = None
        if body.resolved is not None:
            resolved = await asyncio.to_thread(normalize_with_ids, body.resolved)
        for _attempt in range(MAX_ATTEMPTS):
            async with self.db.connection() as conn:
                sides = await self._sides(conn, target, body.other, body.base, parent_version=body.parent_version)
            if sides.other["id"] == sides.head["id"]:
                return self._reply(sides.head, empty_summary(), len(sides.local_nb["cells"])), 200
            merged, conflicts = await asyncio.to_thread(self._merged, sides, resolved)
            if merged == sides.local_nb:  # `other` is already in the head: nothing to record
                return self._reply(sides.head, None, len(merged["cells"])), 200
            _, summary = await asyncio.to_thread(diff_notebooks, sides.local_nb, merged)
            try:
                row = await self.db.run(lambda conn, s=sides, nb=merged, c=conflicts: self._write(
                    conn, s, nb, c, actor, rationale, strict=body.parent_version is not None or resolved is not None))
            except HeadMoved:
                continue
            return m.Committed(**to_version(row).model_dump(exclude={"content"}), summary=DiffSummary(**summary)), 201
        raise Conflict("The notebook kept getting new versions while the merge was computed; try again.")

    @staticmethod
    def _merged(sides: Sides, resolved: tuple[dict, list[bool]] | None) -> tuple[dict, int]:
        """(the notebook to store, how many conflicts nbdime found); raises MergeConflict."""
        if resolved is not None:
            nb, carried = resolved
            _, conflicts = decide(sides.base_nb, sides.local_nb, sides.remote_nb)
            return inherit_cell_ids(sides.local_nb, nb, carried), conflicts
        result = merge_notebooks(sides.base_nb, sides.local_nb, sides.remote_nb)
        if result.conflicts:
            raise MergeConflict(
                f"Merging {ref_of(sides.other)} into {ref_of(sides.head)} over {ref_of(sides.base)} conflicts in "
                f"{result.conflicts} place{'s' if result.conflicts != 1 else ''}; nothing was stored. Resolve them "
                f"and send the notebook as `resolved` with parent_version {sides.head['version_number']}.",
                extra=_outcome(sides, result.decisions, result.conflicts).model_dump(mode="json", exclude={"merged"}))
        merged = result.merged
        # nbdime drops a cell id only where both sides changed it; give such a cell one.
        carried = [isinstance(c.get("id"), str) and bool(c["id"]) for c in merged["cells"]]
        return inherit_cell_ids(sides.local_nb, merged, carried) if not all(carried) else merged, 0

    async def _write(self, conn, sides: Sides, nb: dict, conflicts: int, actor: Actor, rationale, *, strict: bool):
        artifact_id = sides.head["artifact_id"]
        await store.lock_artifact(conn, artifact_id)
        head = await store.latest(conn, artifact_id, content=True)
        if head["id"] != sides.head["id"]:
            # A resolution (or a conditional merge) was made against the head it read.
            if strict:
                raise StaleParent(artifact_id, sides.head["version_number"], head["version_number"])
            raise HeadMoved()
        canonicals = await asyncio.to_thread(canonical_cells, nb)
        plan = await plan_snapshot(conn, artifact_id, head, nb, canonicals)
        # nbdime's merge of valid notebooks; the cells it made anew are checked all the same.
        await asyncio.to_thread(validate_cells, nb, [nb["cells"][i] for i in plan.fresh])
        digest = notebook_digest(head["title"], head["metadata"], nb, canonicals)
        row = await write_next_version(conn, artifact_id=artifact_id, parent=head, nb=nb, title=head["title"],
                                       metadata=head["metadata"], digest=digest, actor=actor,
                                       changelog=rationale or f"merged {ref_of(sides.other)}", plan=plan)
        parameters = {"base": ref_of(sides.base), "local": ref_of(head), "remote": ref_of(sides.other),
                      "conflicts": conflicts, "rationale": rationale}
        for source in (head, sides.other):
            await store.insert_step(conn, {
                "source_artifact_id": source["artifact_id"], "source_version_number": source["version_number"],
                "target_artifact_id": artifact_id, "target_version_number": row["version_number"],
                "step_type": "merge", **actor.as_dict(), "method": "nbdime-merge", "parameters": parameters})
        return row

    @staticmethod
    def _reply(head: dict, summary: dict | None, n_cells: int) -> m.Committed:
        summary = summary or {**empty_summary(), "unchanged_count": n_cells}
        return m.Committed(**to_version(head).model_dump(exclude={"content"}), summary=DiffSummary(**summary))

    async def preview(self, ref: str, body: m.MergePreviewRequest) -> m.MergeOutcome:
        """nbdime's merge of `other` (or an edited copy) into the head, stored nowhere."""
        target = parse_ref(ref)
        async with self.db.connection() as conn:
            sides = await self._sides(conn, target, body.other, body.base)
        if body.notebook is not None:
            nb, carried = await asyncio.to_thread(normalize_with_ids, body.notebook)
            sides.remote_nb = inherit_cell_ids(sides.base_nb, nb, carried)
        result = await asyncio.to_thread(merge_notebooks, sides.base_nb, sides.local_nb, sides.remote_nb)
        outcome = _outcome(sides, result.decisions, result.conflicts)
        if not result.conflicts:
            outcome.merged = result.merged
        return outcome


def _outcome(sides: Sides, decisions: list, conflicts: int) -> m.MergeOutcome:
    return m.MergeOutcome(
        base_ref=ref_of(sides.base), local_ref=ref_of(sides.head),
        remote_ref=ref_of(sides.other) if sides.other is not None else None,
        base=sides.base_nb, local=sides.local_nb, remote=sides.remote_nb, merge_decisions=decisions,
        conflicts=conflicts)

