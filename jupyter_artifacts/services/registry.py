"""One object holding every area's service, built once per server (or CLI run)."""

from __future__ import annotations

from ..db.pool import Database
from .artifacts import ArtifactService
from .chambers import ChamberService
from .commits import CommitService
from .debates import DebateService
from .forks import ForkService
from .idempotency import Idempotency
from .jobs import Jobs
from .lineage import LineageService, check_steps
from .merges import MergeService
from .notebooks import NotebookService, NotebookSettings
from .replays import ReplayService, ReplaySettings
from .status import StatusService


class Services:
    def __init__(self, db: Database, notebook_settings: NotebookSettings | None = None,
                 lineage_max_edges: int = 2000, replay_settings: ReplaySettings | None = None):
        self.db = db
        db.on_ready.append(check_steps)
        self.artifacts = ArtifactService(db)
        self.lineage = LineageService(db, lineage_max_edges)
        self.chambers = ChamberService(db)
        self.debates = DebateService(db)
        self.notebooks = NotebookService(db, notebook_settings)
        self.replays = ReplayService(db, self.notebooks, replay_settings)
        self.status = StatusService(db)
        self.commits = CommitService(db)
        self.merges = MergeService(db)
        self.forks = ForkService(db)
        self.idempotency = Idempotency(db)
        self.jobs = Jobs(db)
        # A notebook's new content through the artifacts route is a commit (API.md).
        self.artifacts.commits = self.commits
        # ... and its diff carries nbdime's notebook diff too.
        self.artifacts.notebooks = self.notebooks
