"""Health of the store and the adoption report."""

from __future__ import annotations

from .. import __version__
from ..db.migrate import current_version
from ..db.pool import Database
from ..db.replica import current_lsn
from ..errors import ArtifactsError
from ..models.service import DatabaseStatus, LiveStatus, ReplicaStatus, Status


class StatusService:
    def __init__(self, db: Database):
        self.db = db

    async def status(self, live: LiveStatus | None = None) -> Status:
        """Never fails: a database that cannot answer is reported with `ok: false`."""
        replica = self.db.replica
        primary_lsn = None
        try:
            async with self.db.connection(routed=False) as conn:
                cur = await conn.execute("SELECT current_setting('server_version') AS v")
                server_version = (await cur.fetchone())["v"]
                schema = await current_version(conn)
                if replica is not None:
                    primary_lsn = await current_lsn(conn)
            db = DatabaseStatus(ok=True, server_version=server_version, schema_version=schema,
                                embedded=self.db.embedded)
        except ArtifactsError as e:
            db = DatabaseStatus(ok=False, embedded=self.db.embedded, error=e.message)
        extra = {}
        if replica is not None:
            ok, lag, error = await replica.status(primary_lsn)
            extra["replica"] = ReplicaStatus(ok=ok, lag_seconds=lag, error=error)
        return Status(version=__version__, database=db, live=live, **extra)

    async def adoption_report(self) -> list[dict]:
        async with self.db.connection() as conn:
            cur = await conn.execute("""
                SELECT kind, table_name, row_id, artifact_id, detail, repaired, recorded_at
                  FROM jupyter_artifacts_adoption_report ORDER BY id""")
            return await cur.fetchall()
