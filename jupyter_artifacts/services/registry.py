"""One object holding every area's service, built once per server (or CLI run)."""

from __future__ import annotations

from ..db.pool import Database
from .artifacts import ArtifactService
from .notebooks import NotebookService, NotebookSettings
from .status import StatusService


class Services:
    def __init__(self, db: Database, notebook_settings: NotebookSettings | None = None):
        self.db = db
        self.artifacts = ArtifactService(db)
        self.notebooks = NotebookService(db, notebook_settings)
        self.status = StatusService(db)
