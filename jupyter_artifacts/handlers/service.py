"""Routes of the service itself (API.md, "Service")."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models.service import Status
from .base import ArtifactsHandler, Route, api_doc

AUTH_RESOURCE = "jupyter_artifacts:service"


class StatusHandler(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @api_doc("Get the extension's version and database health",
             reply=Status, errors=(),
             operation_id="getStatus", tags=("service",),
             description=(
                 "The extension's version and the database's health (`ok`, server and schema versions), and the "
                 "live-update relay. Answers 200 even when the database is down (then `database.ok` is false)."))
    @web.authenticated
    @authorized
    async def get(self):
        self.reply(await self.services.status.status(self.extensionapp.live_status()))


class OpenAPIHandler(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @api_doc("Get this OpenAPI document", reply=dict, errors=(),
             operation_id="getOpenApi", tags=("service",),
             description=(
                 "This OpenAPI 3.1 document: every route, with its bodies, replies and errors."))
    @web.authenticated
    @authorized
    async def get(self):
        from .openapi import document

        self.reply(document(self.extensionapp.routes()))


routes = [
    Route("/api/jupyter_artifacts/status", StatusHandler),
    Route("/api/jupyter_artifacts/openapi.json", OpenAPIHandler),
]
