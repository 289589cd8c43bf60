"""Jobs (API.md, "Jobs"): where a `Prefer: respond-async` request's outcome is read."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models.jobs import Job
from .base import ArtifactsHandler, Route, api_doc

AUTH_RESOURCE = "jupyter_artifacts:jobs"


class JobItem(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @api_doc("Get a job's state (poll an asynchronous request)", reply=Job, errors=(404,),
             operation_id="getJob", tags=("jobs",),
             description=(
                 "Polls a job started by a request sent with `Prefer: respond-async` (its 202 reply gave `job_id` "
                 "and `href`). `running` until it ends; then `done` with `result`, the reply body the synchronous "
                 "call would have given (and `http_status`, its status), or `failed` with `error`, the refusal it "
                 "would have given (e.g. 409 `stale_parent`). A job that was cut off (its server stopped) is "
                 "`failed` with nothing half-written. Jobs are their principal's own: another's job is a 404. "
                 "Reads only."))
    @web.authenticated
    @authorized
    async def get(self, job_id: str):
        self.reply(await self.services.jobs.get(job_id, self.username))


routes = [Route("/api/jupyter_artifacts/jobs/{job_id}", JobItem)]
