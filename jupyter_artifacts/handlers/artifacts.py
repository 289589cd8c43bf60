"""Routes of the artifacts area (API.md, "Artifacts")."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models import artifacts as m
from ..models.common import Version, VersionPage
from ..refs import parse_version_number
from .base import ArtifactsHandler, Route, api_doc

AUTH_RESOURCE = "jupyter_artifacts:artifacts"
WRITE_ERRORS = (400, 403, 404, 409, 413)


class Base(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def artifacts(self):
        return self.services.artifacts


class ArtifactsCollection(Base):
    @api_doc("List or search artifacts (their latest versions)", query=m.ListArtifacts, reply=VersionPage,
             operation_id="listArtifacts", tags=("artifacts",),
             description=(
                 "Lists artifacts, one item per artifact: its latest version (without `content`), with `step`, the "
                 "processing step that made it. Filter by `type` (e.g. `hypothesis`) or `tag`. With `q`, a text search "
                 "over ids, titles and content (hypothesis statements, paper text, notebook cell sources), best "
                 "matches first; each item then carries `match`, the field that explains it with a snippet. Paginated: "
                 "pass `next_cursor` back as `cursor`. Reads only."))
    @web.authenticated
    @authorized
    async def get(self):
        self.reply(await self.artifacts.list(self.parse_query(m.ListArtifacts)))

    @api_doc("Create an artifact (its version 1)", body=m.CreateArtifact, reply=Version, status=201,
             errors=(400, 403, 409, 413),
             operation_id="createArtifact", tags=("artifacts",),
             description=(
                 "Creates version 1 (`<id>@v1`) of a new artifact: a hypothesis, paper, dataset, persona or any other "
                 "type except `notebook` (register notebooks with POST /api/notebooks). `content` is any JSON value, "
                 "stored as sent; `content_hash` is computed over type, title, metadata and content. An `id` that "
                 "exists → 409; without `id` one is generated as `<type>-<8 hex>`. The declared actor (`agent_id`, or "
                 "`actor_type` + `actor_id`) is recorded in `created_by`; `recorded_by` is the authenticated "
                 "principal. Retry-safe with an `Idempotency-Key` header: a repeat with the same key and body returns "
                 "the first reply (`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self):
        body = self.parse_body(m.CreateArtifact)
        self.reply(await self.artifacts.create(body, self.actor(body)), 201)


class ArtifactTypes(Base):
    @api_doc("Count artifacts by type",
             reply=m.ArtifactTypeList, errors=(),
             operation_id="listArtifactTypes", tags=("artifacts",),
             description=(
                 "Every artifact type among the latest versions, with how many artifacts have it, most common first. "
                 "Reads only."))
    @web.authenticated
    @authorized
    async def get(self):
        self.reply(await self.artifacts.types())


class ArtifactItem(Base):
    @api_doc("Get a version (the latest for a bare id), with content", reply=Version,
             operation_id="getArtifact", tags=("artifacts",),
             description=(
                 "Returns one version with its `content`: the latest for a bare artifact id (`hypothesis-H-89`), "
                 "exactly version N for a reference (`hypothesis-H-89@v2`). Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.get(ref))


class Versions(Base):
    @api_doc("List every version of an artifact, oldest first", reply=m.VersionList,
             operation_id="listVersions", tags=("artifacts",),
             description=(
                 "Every version of the artifact, oldest first, without `content`, each with `ref`, `parent_ref` and "
                 "the `step` that made it. Not paginated. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.versions(ref))

    @api_doc("Write the next version of an artifact",
             body=m.NewVersion, reply=Version, status=201, errors=WRITE_ERRORS, also={200: Version},
             operation_id="newVersion", tags=("artifacts",),
             description=(
                 "Writes the next version of an artifact from its latest: fields left out carry over (title, content, "
                 "metadata). Records a `derive` processing step (latest → new, `method` default `new_version`). With "
                 "`parent_version`, the write is conditional: if another version was written since, 409 `stale_parent` "
                 "with `current_version` and `current_ref`, and nothing is written. The path takes a bare artifact id "
                 "(`X@vN` → 400). On a notebook, `content` (nbformat JSON) makes this a commit, as POST "
                 "/api/notebooks/{ref}/versions: 200 with the head when the notebook is unchanged. Retry-safe with an "
                 "`Idempotency-Key` header: a repeat with the same key and body returns the first reply "
                 "(`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.NewVersion)
        version, status = await self.artifacts.post_version(ref, body, self.actor(body))
        self.reply(version, status)


class VersionItem(Base):
    @api_doc("Get version N, with content", reply=Version,
             operation_id="getVersion", tags=("artifacts",),
             description=(
                 "Returns exactly version N of the artifact, with `content`. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str, n: str):
        self.reply(await self.artifacts.version(ref, parse_version_number(n)))

    @api_doc("Change a version's lifecycle state", body=m.LifecyclePatch,
             reply=Version, errors=WRITE_ERRORS,
             operation_id="setLifecycle", tags=("artifacts",),
             description=(
                 "Changes a version's `lifecycle_state` (`active`, `deprecated`, `superseded`, `retracted`) and, with "
                 "`superseded`, which version supersedes it. Nothing else of a version can change: content is "
                 "immutable, and any other body field is refused. The path takes a bare artifact id and a version "
                 "number."))
    @web.authenticated
    @authorized
    async def patch(self, ref: str, n: str):
        number = parse_version_number(n)
        self.reply(await self.artifacts.set_lifecycle(ref, number, self.parse_body(m.LifecyclePatch)))


class Tags(Base):
    @api_doc("Tag a version",
             body=m.TagRequest, reply=Version, status=201, errors=WRITE_ERRORS, also={200: Version},
             operation_id="tagVersion", tags=("artifacts",),
             description=(
                 "Gives version N a tag (e.g. `reviewed`). A tag names one version per artifact: if another version "
                 "holds it, 409 unless `move: true`, which moves it here. 201 when the tag was created, 200 when this "
                 "version already held it or it was moved. `version_tag` then shows the version's most recent tag."))
    @web.authenticated
    @authorized
    async def post(self, ref: str, n: str):
        number = parse_version_number(n)
        body = self.parse_body(m.TagRequest)
        version, created = await self.artifacts.tag(ref, number, body, self.actor(body))
        self.reply(version, 201 if created else 200)


class Diff(Base):
    @api_doc("Compare two versions field by field",
             query=m.DiffQuery, reply=m.FieldDiff,
             operation_id="diffArtifact", tags=("artifacts",),
             description=(
                 "Compares two versions field by field (`title`, `content`, `metadata`, `changelog`, …): by default "
                 "the latest against its parent; `from` and `to` pick others. For notebooks, GET "
                 "/api/notebooks/{ref}/diff gives nbdime's cell-level diff. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.diff(ref, self.parse_query(m.DiffQuery)))


class Links(Base):
    @api_doc("List the links in and out of an artifact or version", reply=m.LinkList,
             operation_id="getLinks", tags=("artifacts",),
             description=(
                 "The links in and out of the artifact: of every version for a bare id, of one version for `X@vN`. "
                 "Each link names its ends as `X@vN` (`source`, `target`) and as opaque row ids. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.links(ref))


class LinkCollection(Base):
    @api_doc("Link two exact versions", body=m.CreateLink, reply=m.Link,
             status=201, errors=WRITE_ERRORS,
             operation_id="createLink", tags=("artifacts",),
             description=(
                 "Links two exact versions (`source` → `target`, e.g. a notebook version `derives_from` a dataset, a "
                 "paper version `supports` a hypothesis). References resolve to exact versions (a bare id → its latest "
                 "at this moment). Also writes the link's processing step (`derive` for `derives_from`/`extends`, "
                 "`cite` for `cites`/`supports`/`contradicts`) with the declared actor, optionally in a chamber. "
                 "Retry-safe with an `Idempotency-Key` header: a repeat with the same key and body returns the first "
                 "reply (`Idempotent-Replayed: true`) and writes nothing."))
    @web.authenticated
    @authorized
    async def post(self):
        body = self.parse_body(m.CreateLink)
        self.reply(await self.artifacts.create_link(body, self.actor(body)), 201)


routes = [
    Route("/api/artifacts", ArtifactsCollection),
    Route("/api/artifacts/{ref}", ArtifactItem),
    Route("/api/artifacts/{ref}/versions", Versions),
    Route("/api/artifacts/{ref}/versions/{n}", VersionItem),
    Route("/api/artifacts/{ref}/versions/{n}/tags", Tags),
    Route("/api/artifacts/{ref}/diff", Diff),
    Route("/api/artifacts/{ref}/links", Links),
    Route("/api/artifact-links", LinkCollection),
    Route("/api/artifact-types", ArtifactTypes),
]
