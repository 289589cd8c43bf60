"""One object holding every area's service, built once per server (or CLI run)."""

from __future__ import annotations

from ..db.pool import Database
from .artifacts import ArtifactService
from .chambers import ChamberService
from .debates import DebateService
from .lineage import LineageService, check_steps
from .notebooks import NotebookService, NotebookSettings
from .status import StatusService


class Services:
    def __init__(self, db: Database, notebook_settings: NotebookSettings | None = None,
                 lineage_max_edges: int = 2000):
        self.db = db
        db.on_ready.append(check_steps)
        self.artifacts = ArtifactService(db)
        self.lineage = LineageService(db, lineage_max_edges)
        self.chambers = ChamberService(db)
        self.debates = DebateService(db)
        self.notebooks = NotebookService(db, notebook_settings)
        self.status = StatusService(db)
