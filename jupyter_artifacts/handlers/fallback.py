"""Unknown routes under the extension's prefixes get a JSON 404 (API.md, "Errors"), not
Jupyter's HTML page: an agent reading `reason` should never have to parse HTML."""

from __future__ import annotations

import re

from tornado import web

from ..errors import NotFound
from .base import ArtifactsHandler

PREFIXES = ("artifacts", "artifact-links", "artifact-types", "notebooks", "chambers", "debates", "debate",
            "personas", "replays", "jupyter_artifacts")
# Registered after every real route, so it only sees what none of them matched.
PATTERN = rf"/api/(?:{'|'.join(re.escape(p) for p in PREFIXES)})(?:/.*)?"


class UnknownRoute(ArtifactsHandler):
    auth_resource = "jupyter_artifacts"

    @web.authenticated
    async def _refuse(self, *args):
        raise NotFound(f"There is no route {self.request.method} {self.request.path}; the routes are listed "
                       "in GET /api/jupyter_artifacts/openapi.json.")

    get = post = put = patch = delete = _refuse
