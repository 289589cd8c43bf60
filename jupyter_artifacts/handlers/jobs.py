"""Jobs (API.md, "Jobs"): where a `Prefer: respond-async` request's outcome is read."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models.jobs import Job
from .base import ArtifactsHandler, Route, api_doc

AUTH_RESOURCE = "jupyter_artifacts:jobs"


class JobItem(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @api_doc("A job's state: running, or done with the reply the synchronous call would have given, or failed "
             "with its error", reply=Job, errors=(404,), operation_id="getJob", tags=("jobs",))
    @web.authenticated
    @authorized
    async def get(self, job_id: str):
        self.reply(await self.services.jobs.get(job_id, self.username))


routes = [Route("/api/jupyter_artifacts/jobs/{job_id}", JobItem)]
