"""One object holding every area's service, built once per server (or CLI run)."""

from __future__ import annotations

from ..db.pool import Database
from .artifacts import ArtifactService
from .status import StatusService


class Services:
    def __init__(self, db: Database):
        self.db = db
        self.artifacts = ArtifactService(db)
        self.status = StatusService(db)
