"""Fork and split: an exact version (or some of a notebook version's cells) becomes version 1
of a new artifact, linked to its source by a `fork` or `split` step. A notebook fork is a
registered notebook (its cells owned by the new version); a split is a new notebook holding
the chosen cells in the order given, ids and outputs kept, with the source's notebook metadata."""

from __future__ import annotations

import secrets

from ..db import artifacts as store
from ..db.pool import Database
from ..errors import Conflict, Invalid, NotFound, quote
from ..hashing import content_hash, normalize_json
from ..models import branches as m
from ..models.common import Version
from ..notebooks.content import notebook_content
from ..notebooks.format import assemble, skeleton
from ..refs import Ref, parse_ref
from .actors import Actor
from .artifacts import first_version_row, insert_first_version
from .snapshots import write_first_version
from .versions import Resolved, resolve, to_version


def _source_ref(path_ref: str, given: str | None) -> Ref:
    """The version to start from: `from` when given (it must name the path's artifact), else the
    path itself (an id: its latest; `X@vN`: that version)."""
    path = parse_ref(path_ref)
    if given is None:
        return path
    ref = parse_ref(given)
    if path.version is not None and ref != path:
        raise Invalid(f"The path names {path} but `from` names {quote(given)}; give one of them.")
    return ref


async def _source(conn, path_ref: str, given: str | None) -> Resolved:
    ref = _source_ref(path_ref, given)
    found = await resolve(conn, ref, content=True)
    if found.row is None or found.row["version_number"] is None:
        raise NotFound(f"{quote(ref)} names no numbered version.")
    if given is not None:
        path_artifact = (await resolve(conn, parse_ref(path_ref), need_version=False)).artifact_id
        if path_artifact != found.artifact_id:
            raise Invalid(f"`from` names a version of {found.artifact_id}, not of {path_artifact}.")
    return found


def _ref(row: dict) -> str:
    return f"{row['artifact_id']}@v{row['version_number']}"


class ForkService:
    def __init__(self, db: Database):
        self.db = db

    async def fork(self, ref: str, body: m.ForkRequest, actor: Actor) -> Version:
        rationale = normalize_json(body.rationale, "rationale")

        async def work(conn):
            source = (await _source(conn, ref, body.from_)).row
            kind = source["artifact_type"]
            new_id = body.new_id or f"{kind}-{secrets.token_hex(4)}"
            title = normalize_json(body.title or f"{source['title'] or source['artifact_id']} (fork)", "title")
            changelog = rationale or f"forked from {_ref(source)}"
            if kind == "notebook":
                nb = await notebook_content(conn, source)
                if not isinstance(nb, dict):
                    raise Conflict(f"The content of {_ref(source)} is unknown (an adopted legacy version); "
                                   "it cannot be forked.")
                digest = content_hash("notebook", title, source["metadata"], nb)
                row = await write_first_version(conn, artifact_id=new_id, nb=nb, title=title,
                                                metadata=source["metadata"], digest=digest, actor=actor,
                                                changelog=changelog)
            else:
                row = await insert_first_version(conn, first_version_row(
                    new_id, kind, title, source["metadata"], source.get("content"), changelog, actor))
            await self._step(conn, "fork", source, new_id, actor, {"rationale": rationale})
            return row

        return to_version(await self.db.run(work))

    async def split(self, ref: str, body: m.SplitRequest, actor: Actor) -> Version:
        rationale = normalize_json(body.rationale, "rationale")

        async def work(conn):
            found = await _source(conn, ref, body.from_)
            source = found.row
            if source["artifact_type"] != "notebook":
                raise NotFound(f"{found.artifact_id} is not a notebook.")
            nb = await notebook_content(conn, source)
            if not isinstance(nb, dict):
                raise Conflict(f"The content of {_ref(source)} is unknown (an adopted legacy version); "
                               "it cannot be split.")
            count = len(nb["cells"])
            wrong = [i for i in body.cells if i >= count]
            if wrong:
                raise Invalid(f"{_ref(source)} has {count} cell{'s' if count != 1 else ''} (indices 0 to "
                              f"{count - 1}); {', '.join(map(str, wrong[:10]))} "
                              f"{'is' if len(wrong) == 1 else 'are'} out of range.")
            part = assemble(skeleton(nb), [nb["cells"][i] for i in body.cells])
            new_id = body.new_id or f"notebook-{secrets.token_hex(4)}"
            title = normalize_json(body.title or f"{source['title'] or source['artifact_id']} (split)", "title")
            digest = content_hash("notebook", title, source["metadata"], part)
            row = await write_first_version(conn, artifact_id=new_id, nb=part, title=title,
                                            metadata=source["metadata"], digest=digest, actor=actor,
                                            changelog=rationale or f"cells {body.cells} of {_ref(source)}")
            await self._step(conn, "split", source, new_id, actor, {"cells": body.cells, "rationale": rationale})
            return row

        return to_version(await self.db.run(work))

    @staticmethod
    async def _step(conn, kind: str, source: dict, new_id: str, actor: Actor, parameters: dict) -> None:
        await store.insert_step(conn, {
            "source_artifact_id": source["artifact_id"], "source_version_number": source["version_number"],
            "target_artifact_id": new_id, "target_version_number": 1, "step_type": kind, **actor.as_dict(),
            "method": kind, "parameters": parameters})
