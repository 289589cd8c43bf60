"""A closed chamber as one JSON bundle (chamber, pins, every pinned version's content,
provenance hash), and its verification from the database or offline from a bundle."""

from __future__ import annotations

from ..db import artifacts as art_store
from ..db import chambers as store
from ..db.pool import Database
from ..errors import Conflict, Invalid, NotFound
from ..hashing import content_hash
from .chambers import chamber_id, provenance_hash
from .versions import hydrate

FORMAT = "jupyter_artifacts.chamber/1"


async def export_bundle(db: Database, cid: str) -> dict:
    cid = chamber_id(cid)
    async with db.connection() as conn:
        chamber = await store.get(conn, cid)
        if chamber is None:
            raise NotFound(f"There is no chamber {cid}.")
        if chamber["closed_at"] is None:
            raise Conflict(f"Chamber {cid} is still open; only a closed chamber has a provenance hash to export.")
        pins = []
        for p in await store.pins(conn, cid):
            row = await hydrate(conn, await art_store.by_number(conn, p["artifact_id"], p["version_number"],
                                                                content=True))
            pins.append({"artifact_id": p["artifact_id"], "version_number": p["version_number"],
                         "content_hash": p["content_hash"], "role": p["role"],
                         "version": None if row is None else {
                             "artifact_type": row["artifact_type"], "title": row["title"],
                             "metadata": row["metadata"], "content": row["content"],
                             "content_hash": row["content_hash"]}})
    return {"format": FORMAT, "chamber": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                          for k, v in chamber.items()},
            "provenance_hash": chamber["provenance_hash"], "pins": pins}


def verify_bundle(bundle: dict) -> list[str]:
    """Problems found, first one first (empty when the bundle checks out). Hashes that an
    adopted database gave its rows (not `sha256:`) cannot be recomputed and are skipped."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise Invalid(f"This is not a chamber bundle (expected format {FORMAT!r}).")
    problems = []
    for p in bundle["pins"]:
        ref = f"{p['artifact_id']}@v{p['version_number']}"
        v = p.get("version")
        if v is None:
            problems.append(f"{ref}: the pinned version is missing")
            continue
        if (p["content_hash"] or "").startswith("sha256:"):
            got = content_hash(v["artifact_type"], v["title"], v["metadata"], v["content"])
            if got != p["content_hash"]:
                problems.append(f"{ref}: its content hashes to {got}, but the chamber pinned {p['content_hash']}")
    recomputed = provenance_hash(bundle["pins"])
    if recomputed != bundle.get("provenance_hash"):
        problems.append(f"the pins hash to {recomputed}, but the chamber's provenance hash is "
                        f"{bundle.get('provenance_hash')}")
    return problems
