"""Routes of the lineage area (API.md, "Lineage")."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models.lineage import LineageGraph, LineageQuery, ProvDocument
from .base import ArtifactsHandler, Route, api_doc

AUTH_RESOURCE = "jupyter_artifacts:lineage"


class Lineage(ArtifactsHandler):
    auth_resource = AUTH_RESOURCE

    @api_doc("Walk the processing steps around a version",
             query=LineageQuery, reply=LineageGraph | ProvDocument,
             operation_id="getLineage", tags=("lineage",),
             description=(
                 "Walks the processing steps between exact versions from the artifact (every version for a bare id, "
                 "one for `X@vN`): `ancestors` (inputs), `descendants` (outputs) or `both`, up to `max_depth` steps. "
                 "Edges are steps (`cell_append`, `cite`, `derive`, `merge`, `split`, `fork`) with their actor, method "
                 "and parameters; `source` is the input, `target` the output. `format=prov-json` gives the same graph "
                 "as a W3C PROV-JSON document. Reads only."))
    @web.authenticated
    @authorized
    async def get(self, ref: str):
        query = self.parse_query(LineageQuery)
        graph = await self.services.lineage.lineage(ref, query)
        if query.format == "prov-json":
            from ..lineage_formats import to_prov_json

            # Python mode keeps stored RawJSON parameters for the reply to write verbatim.
            self.reply(to_prov_json(graph.model_dump(mode="python")))
        else:
            self.reply(graph)


routes = [Route("/api/artifacts/{ref}/lineage", Lineage)]
