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
    @api_doc("List the latest version of each artifact (each with `step`); with `q`, search them, best first, "
             "each item with `match`", query=m.ListArtifacts, reply=VersionPage,
             operation_id="listArtifacts", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def get(self):
        self.reply(await self.artifacts.list(self.parse_query(m.ListArtifacts)))

    @api_doc("Create an artifact (its version 1)", body=m.CreateArtifact, reply=Version, status=201,
             errors=(400, 403, 409, 413),
             operation_id="createArtifact", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def post(self):
        body = self.parse_body(m.CreateArtifact)
        self.reply(await self.artifacts.create(body, self.actor(body)), 201)


class ArtifactTypes(Base):
    @api_doc("Artifact types of the latest versions, with how many of each, most common first",
             reply=m.ArtifactTypeList, errors=(),
             operation_id="listArtifactTypes", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def get(self):
        self.reply(await self.artifacts.types())


class ArtifactItem(Base):
    @api_doc("The version named (latest for a bare id), with content", reply=Version,
             operation_id="getArtifact", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.get(ref))


class Versions(Base):
    @api_doc("Every version, oldest first", reply=m.VersionList,
             operation_id="listVersions", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.versions(ref))

    @api_doc("Create the next version from the latest; omitted fields carry over. A notebook's `content` is a "
             "commit (as POST /api/notebooks/{id}/versions; 200 with the head when nothing changed)",
             body=m.NewVersion, reply=Version, status=201, errors=WRITE_ERRORS, also={200: Version},
             operation_id="newVersion", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def post(self, ref: str):
        body = self.parse_body(m.NewVersion)
        version, status = await self.artifacts.post_version(ref, body, self.actor(body))
        self.reply(version, status)


class VersionItem(Base):
    @api_doc("One version, with content", reply=Version,
             operation_id="getVersion", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def get(self, ref: str, n: str):
        self.reply(await self.artifacts.version(ref, parse_version_number(n)))

    @api_doc("Change a version's lifecycle (its content is immutable)", body=m.LifecyclePatch,
             reply=Version, errors=WRITE_ERRORS,
             operation_id="setLifecycle", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def patch(self, ref: str, n: str):
        number = parse_version_number(n)
        self.reply(await self.artifacts.set_lifecycle(ref, number, self.parse_body(m.LifecyclePatch)))


class Tags(Base):
    @api_doc("Tag a version (201 when created, 200 when it already held the tag or it was moved)",
             body=m.TagRequest, reply=Version, status=201, errors=WRITE_ERRORS, also={200: Version},
             operation_id="tagVersion", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def post(self, ref: str, n: str):
        number = parse_version_number(n)
        body = self.parse_body(m.TagRequest)
        version, created = await self.artifacts.tag(ref, number, body, self.actor(body))
        self.reply(version, 201 if created else 200)


class Diff(Base):
    @api_doc("Field-by-field difference between two versions (default: latest against its parent)",
             query=m.DiffQuery, reply=m.FieldDiff,
             operation_id="diffArtifact", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.diff(ref, self.parse_query(m.DiffQuery)))


class Links(Base):
    @api_doc("Links in and out of an artifact (every version) or of one version", reply=m.LinkList,
             operation_id="getLinks", tags=("artifacts",))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        self.reply(await self.artifacts.links(ref))


class LinkCollection(Base):
    @api_doc("Link two exact versions and record its processing step", body=m.CreateLink, reply=m.Link,
             status=201, errors=WRITE_ERRORS,
             operation_id="createLink", tags=("artifacts",))
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
