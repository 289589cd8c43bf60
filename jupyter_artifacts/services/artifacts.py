"""Rules of the artifacts area: immutable versions, tags, lifecycle, links."""

from __future__ import annotations

import secrets

from psycopg import errors as pg_errors

from ..db import artifacts as store
from ..db import notebooks as nb_store
from ..db import type_counts as type_counts_store
from ..db.pool import Database, Retry
from ..errors import Conflict, Invalid, NotFound, StaleParent, quote
from ..hashing import content_hash, normalize_json
from ..models import artifacts as m
from ..models.common import Version, VersionPage
from ..models.notebooks import DiffQuery as NotebookDiffQuery
from ..refs import Ref, parse_bare, parse_ref, version_row_id
from .actors import Actor
from .cursors import decode_cursor, encode_cursor
from .parameters import LINK, user_parameters
from .search import search, search_text
from .versions import Resolved, hydrate, resolve, to_version

# artifact_links.strength is REAL (float4): a non-zero strength below its smallest normal
# value would underflow in PostgreSQL; such a strength is stored (and recorded) as 0.
FLOAT4_MIN_NORMAL = 1.1754943508222875e-38

LINK_STEP = {"derives_from": "derive", "extends": "derive",
             "cites": "cite", "supports": "cite", "contradicts": "cite"}


def link_step_type(link_type: str, source_artifact: str, target_artifact: str) -> str:
    """API.md's mapping: between two versions of one artifact a link is a fork."""
    return "fork" if source_artifact == target_artifact else LINK_STEP[link_type]


def first_version_row(artifact_id: str | None, artifact_type: str, title: str, metadata: dict, content,
                      changelog: str | None, actor: Actor) -> dict:
    """The row of a new artifact's version 1 (normalised, hashed); no database access."""
    artifact_id = artifact_id or f"{artifact_type}-{secrets.token_hex(4)}"
    metadata = normalize_json(metadata, "metadata")
    content = normalize_json(content, "content")
    title = normalize_json(title, "title")
    return {
        "id": artifact_id, "artifact_id": artifact_id, "artifact_type": artifact_type, "title": title,
        "metadata": metadata, "content": content,
        "content_hash": content_hash(artifact_type, title, metadata, content),
        "version_number": 1, "parent_version_id": None, "changelog": normalize_json(changelog, "changelog"),
        "actor_type": actor.actor_type, "actor_id": actor.actor_id, "recorded_by": actor.recorded_by,
    }


async def insert_first_version(conn, row: dict) -> dict:
    """Write a version 1 inside the caller's transaction; 409 when the id is taken."""
    artifact_id = row["artifact_id"]
    if await store.artifact_exists(conn, artifact_id):
        raise Conflict(f"An artifact with the id {artifact_id!r} already exists.")
    await store.lock_artifact(conn, artifact_id)
    inserted = await store.insert_version(conn, row)
    if inserted is None:
        raise Conflict(f"The id {artifact_id!r} is already taken by a version row.")
    return inserted


class ArtifactService:
    def __init__(self, db: Database):
        self.db = db
        self.commits = None  # services.commits.CommitService, set by the registry
        self.notebooks = None  # services.notebooks.NotebookService, likewise

    # -- reads ---------------------------------------------------------------------------

    async def list(self, query: m.ListArtifacts) -> VersionPage:
        text = search_text(query.q)
        if text is not None:
            return await search(self.db, text, query)
        after = decode_cursor(query.cursor) if query.cursor else None
        async with self.db.connection() as conn:
            rows = await store.list_latest(conn, artifact_type=query.type, tag=query.tag, after=after,
                                           limit=query.limit + 1)
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return VersionPage(items=[to_version(r) for r in rows],
                           next_cursor=encode_cursor(rows[-1]) if more else None)

    async def types(self) -> m.ArtifactTypeList:
        async with self.db.connection() as conn:
            rows = await type_counts_store.type_counts(conn)
        return m.ArtifactTypeList(types=[m.ArtifactTypeCount(**r) for r in rows])

    async def get(self, ref: str) -> Version:
        async with self.db.connection() as conn:
            found = await resolve(conn, ref, content=True)
            if found.row is None:
                raise NotFound(f"{found.artifact_id} has no versions.")
            return to_version(await hydrate(conn, found.row), with_content=True)

    async def versions(self, ref: str) -> m.VersionList:
        async with self.db.connection() as conn:
            found = await resolve(conn, ref, need_version=False)
            rows = await store.all_versions(conn, found.artifact_id)
        return m.VersionList(artifact_id=found.artifact_id, versions=[to_version(r) for r in rows],
                             total_versions=len(rows))

    async def version(self, ref: str, n: int) -> Version:
        async with self.db.connection() as conn:
            row = await self._version_row(conn, ref, n, content=True)
            return to_version(await hydrate(conn, row), with_content=True)

    async def _version_row(self, conn, ref: str, n: int, *, content: bool = False, write: bool = False) -> dict:
        # Reads accept any reference and work on its artifact; writes take a bare id.
        found = await resolve(conn, parse_bare(ref) if write else parse_ref(ref), need_version=False)
        row = await store.by_number(conn, found.artifact_id, n, content=content)
        if row is None:
            raise NotFound(f"{found.artifact_id} has no version {n}.")
        return row

    async def diff(self, ref: str, query: m.DiffQuery) -> m.FieldDiff:
        async with self.db.connection() as conn:
            found = await resolve(conn, ref)
            if query.to is None:
                # `X@vN/diff` compares version N with its parent; a bare id, the latest.
                to_n = found.row["version_number"]
            else:
                to_n = query.to
            from_n = query.from_ if query.from_ is not None else max(1, (to_n or 1) - 1)
            old = await hydrate(conn, await self._version_row(conn, found.artifact_id, from_n, content=True))
            new = await hydrate(conn, await self._version_row(conn, found.artifact_id, to_n, content=True))
        fields = {}
        for name in ("artifact_type", "title", "metadata", "content", "changelog"):
            if old.get(name) != new.get(name):
                fields[name] = m.FieldChange(old=old.get(name), new=new.get(name))
        reply = m.FieldDiff(artifact_id=found.artifact_id, from_=from_n, to=to_n,
                            from_ref=f"{found.artifact_id}@v{from_n}", to_ref=f"{found.artifact_id}@v{to_n}",
                            content_changed="content" in fields, fields=fields)
        if new.get("artifact_type") == "notebook" and old.get("artifact_type") == "notebook" and self.notebooks:
            nb = await self.notebooks.diff(found.artifact_id, NotebookDiffQuery.model_validate(
                {"from": from_n, "to": to_n}))
            reply.base, reply.diff, reply.summary = nb.base, nb.diff, nb.summary
        return reply

    async def links(self, ref: str) -> m.LinkList:
        async with self.db.connection() as conn:
            found = await resolve(conn, ref, need_version=False)
            rows = [found.row["id"]] if found.pinned else await store.row_ids_of(conn, found.artifact_id)
            out = await store.links_of(conn, rows, "outgoing")
            inc = await store.links_of(conn, rows, "incoming")
        return m.LinkList(artifact_id=found.artifact_id, outgoing=[m.Link(**r) for r in out],
                          incoming=[m.Link(**r) for r in inc])

    # -- writes --------------------------------------------------------------------------

    async def create(self, body: m.CreateArtifact, actor: Actor) -> Version:
        if body.artifact_type == "notebook":
            raise Invalid("Notebooks are registered with POST /api/notebooks, which stores their cells.")
        row = first_version_row(body.id, body.artifact_type, body.title, body.metadata, body.content,
                                body.changelog, actor)
        return to_version(await self.db.run(lambda conn: insert_first_version(conn, row)), with_content=True)

    async def post_version(self, ref: str, body: m.NewVersion, actor: Actor) -> tuple[Version, int]:
        """POST .../versions: a new version (201); for a notebook whose content is sent, a commit
        (201, or 200 with the head when the notebook is unchanged)."""
        if "content" in body.model_fields_set:
            async with self.db.connection() as conn:
                found = await resolve(conn, parse_bare(ref))
            if found.row is not None and found.row["artifact_type"] == "notebook":
                return await self._commit(ref, body, actor)
        return await self.new_version(ref, body, actor), 201

    async def _commit(self, ref: str, body: m.NewVersion, actor: Actor) -> tuple[Version, int]:
        from .commits import Commit

        commit = Commit(data=body.content, parent_version=body.parent_version, method=body.method,
                        parameters=body.parameters, rationale=body.changelog, title=body.title,
                        metadata=body.metadata, changelog=body.changelog)
        reply, status, _ = await self.commits.commit(ref, commit, actor, body.model_dump(mode="json"))
        return await self.commits.with_content(reply), status

    async def new_version(self, ref: str, body: m.NewVersion, actor: Actor) -> Version:
        target = parse_bare(ref)
        sent = body.model_fields_set
        new_content = normalize_json(body.content, "content") if "content" in sent else None
        new_metadata = normalize_json(body.metadata, "metadata") if body.metadata is not None else None
        parameters = normalize_json(body.parameters, "parameters")

        async def work(conn):
            found = await resolve(conn, target, need_version=False)
            artifact_id = found.artifact_id
            await store.lock_artifact(conn, artifact_id)
            parent = await store.latest(conn, artifact_id, content=True)
            if parent is None or parent["version_number"] is None:
                raise Conflict(f"{artifact_id} has no numbered latest version to build on; "
                               "see `jupyter artifacts status`.")
            if body.parent_version is not None and body.parent_version != parent["version_number"]:
                raise StaleParent(artifact_id, body.parent_version, parent["version_number"])
            n = parent["version_number"] + 1
            title = body.title if body.title is not None else parent["title"]
            metadata = new_metadata if new_metadata is not None else parent["metadata"]
            content = new_content if "content" in sent else parent.get("content")
            hashed = content
            if parent["artifact_type"] == "notebook":
                # New cells come by commit (post_version); this version keeps its parent's.
                if "content" in sent:
                    raise Conflict(f"{artifact_id} became a notebook while this version was being written; "
                                   "send it again.")
                hashed = (await hydrate(conn, parent))["content"]
            row = {
                "id": version_row_id(artifact_id, n), "artifact_id": artifact_id,
                "artifact_type": parent["artifact_type"], "title": title, "metadata": metadata,
                "content": content,
                "content_hash": content_hash(parent["artifact_type"], title, metadata, hashed),
                "version_number": n, "parent_version_id": parent["id"], "changelog": body.changelog,
                "actor_type": actor.actor_type, "actor_id": actor.actor_id, "recorded_by": actor.recorded_by,
            }
            await store.demote_latest(conn, artifact_id)
            try:
                async with conn.transaction():
                    inserted = await store.insert_version(conn, row)
            except pg_errors.UniqueViolation as e:
                # A writer that does not take our lock (another service) got there first.
                raise Retry(f"version {n} of {artifact_id} was written concurrently") from e
            if inserted is None:
                raise Conflict(f"A row with the id {row['id']!r} already exists; {artifact_id} cannot "
                               f"get version {n} under that id.")
            await store.insert_step(conn, {
                "source_artifact_id": artifact_id, "source_version_number": parent["version_number"],
                "target_artifact_id": artifact_id, "target_version_number": n, "step_type": "derive",
                **actor.as_dict(), "method": body.method or "new_version", "parameters": parameters,
            })
            if parent["artifact_type"] == "notebook":
                # The notebooks row points at its latest version (DESIGN.md), as after a cell append.
                notebook_id = await nb_store.notebook_row_id(conn, artifact_id)
                if notebook_id is not None:
                    await nb_store.point_notebook_at(conn, notebook_id, row["id"])
            return await hydrate(conn, inserted)

        return to_version(await self.db.run(work), with_content=True)

    async def tag(self, ref: str, n: int, body: m.TagRequest, actor: Actor) -> tuple[Version, bool]:
        """Returns the version and whether the tag was newly created."""

        async def work(conn):
            row = await self._version_row(conn, ref, n, write=True)
            artifact_id = row["artifact_id"]
            holder = await store.tag_holder(conn, artifact_id, body.tag)
            created = False
            if holder == row["id"]:
                pass
            elif holder is not None:
                if not body.move:
                    other = await store.by_row_id(conn, holder)
                    raise Conflict(f"The tag {quote(body.tag)} already names {artifact_id}@v{other['version_number']}; "
                                   'send {"move": true} to move it.')
                await store.move_tag(conn, artifact_id, body.tag, row["id"], actor.as_dict())
                await store.refresh_version_tag(conn, [holder, row["id"]])
            else:
                if not await store.insert_tag(conn, artifact_id, body.tag, row["id"], actor.as_dict()):
                    raise Retry("the tag was created concurrently")
                await store.refresh_version_tag(conn, [row["id"]])
                created = True
            return await hydrate(conn, await store.by_row_id(conn, row["id"], content=True)), created

        row, created = await self.db.run(work)
        return to_version(row, with_content=True), created

    async def set_lifecycle(self, ref: str, n: int, body: m.LifecyclePatch) -> Version:
        if body.superseded_by is not None and body.lifecycle_state != "superseded":
            raise Invalid("superseded_by is only meaningful with lifecycle_state 'superseded'.")

        async def work(conn):
            row = await self._version_row(conn, ref, n, write=True)
            successor = None
            if body.superseded_by is not None:
                successor = (await resolve(conn, body.superseded_by)).row
                if successor is None:
                    raise NotFound(f"{quote(body.superseded_by)} names no version.")
                if successor["id"] == row["id"]:
                    raise Invalid("A version cannot supersede itself.")
            await store.set_lifecycle(conn, row["id"], body.lifecycle_state,
                                      successor["id"] if successor else None)
            return await hydrate(conn, await store.by_row_id(conn, row["id"], content=True))

        return to_version(await self.db.run(work), with_content=True)

    async def create_link(self, body: m.CreateLink, actor: Actor) -> m.Link:
        source_ref, target_ref = parse_ref(body.source), parse_ref(body.target)
        parameters = user_parameters(body.parameters, LINK, "a link")
        evidence = normalize_json(body.evidence, "evidence")
        strength = body.strength
        if strength is not None and abs(strength) < FLOAT4_MIN_NORMAL:
            strength = 0.0

        async def work(conn):
            # The step names its chamber: an unknown one is a 404 like any unknown id (API.md).
            if body.chamber_id is not None and await nb_store.chamber_state(conn, body.chamber_id) is None:
                raise NotFound(f"There is no chamber {body.chamber_id}.")
            src = await self._exact(conn, source_ref, "source")
            tgt = await self._exact(conn, target_ref, "target")
            if src.row["id"] == tgt.row["id"]:
                raise Invalid("A link needs two different versions; source and target name the same one.")
            link_id = await store.insert_link(conn, src.row["id"], tgt.row["id"], body.link_type,
                                              strength, evidence)
            await store.insert_step(conn, {
                # The link's target is the step's input, its source the output.
                "source_artifact_id": tgt.artifact_id, "source_version_number": tgt.row["version_number"],
                "target_artifact_id": src.artifact_id, "target_version_number": src.row["version_number"],
                "step_type": link_step_type(body.link_type, src.artifact_id, tgt.artifact_id),
                **actor.as_dict(), "method": body.method or body.link_type, "chamber_id": body.chamber_id,
                "parameters": {**parameters, "link_type": body.link_type, "strength": strength,
                               "evidence": evidence},
                "link_id": link_id,
            })
            return await store.link_by_id(conn, link_id)

        return m.Link(**await self.db.run(work))

    @staticmethod
    async def _exact(conn, ref: Ref, side: str) -> Resolved:
        found = await resolve(conn, ref)
        if found.row is None or found.row["version_number"] is None:
            raise NotFound(f"The {side} {quote(ref)} names no numbered version.")
        return found
