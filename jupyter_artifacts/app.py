"""The Jupyter server extension: configuration, the store, the services and the routes."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Float, Integer, Type, Unicode, default

from .db import embedded
from .db.listen import ChangeListener
from .db.pool import Database
from .db.replica import split_urls
from .handlers import artifacts as artifacts_handlers
from .handlers import branches as branch_handlers
from .handlers import chambers as chamber_handlers
from .handlers import debates as debate_handlers
from .handlers import fallback
from .handlers import jobs as job_handlers
from .handlers import lineage as lineage_handlers
from .handlers import notebooks as notebook_handlers
from .handlers import replays as replay_handlers
from .handlers import service as service_handlers
from .handlers.base import Route
from .models.service import LiveStatus
from .services.actors import default_owner
from .services.live import SCHEMA_ID, LiveUpdates
from .services.notebooks import NotebookSettings
from .services.registry import Services
from .services.replays import ReplaySettings

ENV_DATABASE_URL = "JUPYTER_ARTIFACTS_DATABASE_URL"
ENV_READ_DATABASE_URL = "JUPYTER_ARTIFACTS_READ_DATABASE_URL"
EVENT_SCHEMA = Path(__file__).parent / "event_schemas" / "change" / "v1.yaml"
ROUTE_MODULES = (artifacts_handlers, lineage_handlers, notebook_handlers, branch_handlers, chamber_handlers,
                 debate_handlers, service_handlers, job_handlers, replay_handlers)


class JupyterArtifactsApp(ExtensionApp):
    name = "jupyter_artifacts"
    description = "Versioned research artifacts over PostgreSQL."
    load_other_extensions = True

    database_url = Unicode(
        None, allow_none=True, config=True,
        help=f"PostgreSQL URL shared by every server of a team. The environment variable "
             f"{ENV_DATABASE_URL} overrides it. With neither, a private embedded PostgreSQL is "
             f"started in the Jupyter data directory.")
    read_database_url = Unicode(
        None, allow_none=True, config=True,
        help=f"PostgreSQL URL of a streaming replica of database_url that serves reads (lists, search, "
             f"versions, diffs, lineage, chambers, debates); writes and live updates stay on the primary. "
             f"The environment variable {ENV_READ_DATABASE_URL} overrides it. Without it, a database_url "
             f"with several hosts reads from a standby among them (target_session_attrs=prefer-standby).")
    read_your_writes_timeout = Float(
        0.5, config=True,
        help="Seconds a read right after the same user's write waits for the replica to replay that "
             "write before the primary serves it.")
    replica_max_lag = Float(
        10.0, config=True,
        help="Seconds of replication lag beyond which reads leave the replica for the primary.")
    embedded_data_dir = Unicode(
        "", config=True, help="Data directory of the embedded PostgreSQL (default: "
                              "<jupyter data dir>/jupyter_artifacts/pgdata).")
    auto_migrate = Bool(True, config=True, help="Apply pending migrations on first use of the database.")
    pool_min_size = Integer(1, config=True, help="Connections kept open.")
    pool_max_size = Integer(10, config=True, help="Most connections this server opens.")
    pool_timeout = Float(10.0, config=True,
                         help="Seconds a request waits for a connection before answering 503.")
    statement_timeout_ms = Integer(30_000, config=True, help="PostgreSQL statement_timeout of requests.")
    lock_timeout_ms = Integer(10_000, config=True, help="PostgreSQL lock_timeout of requests.")
    idle_in_transaction_timeout_ms = Integer(
        60_000, config=True, help="PostgreSQL idle_in_transaction_session_timeout.")
    max_write_retries = Integer(
        8, config=True, help="Attempts of a write that loses a race (serialization failure, deadlock).")
    max_request_bytes = Integer(16 * 1024 * 1024, config=True,
                                help="Largest request body accepted; larger ones get 413.")
    default_kernel = Unicode("python3", config=True,
                             help="Kernel for notebooks whose metadata names none (and for adopted ones).")
    max_source_bytes = Integer(1024 * 1024, config=True,
                               help="Largest source of an appended cell; larger ones get 413.")
    cell_timeout = Float(60.0, config=True, help="Seconds each cell may run when an append executes.")
    kernel_startup_timeout = Float(60.0, config=True, help="Seconds a kernel may take to start.")
    output_cap_bytes = Integer(1_000_000, config=True,
                               help="Largest size of an executed cell's outputs; the rest is cut with a note.")
    max_concurrent_executions = Integer(2, config=True, help="Kernels this server runs at once for appends.")
    replay_timeout_s = Float(600.0, config=True,
                             help="Seconds a replay of a notebook version may take when the request names no timeout_s.")
    replay_max_timeout_s = Float(3600.0, config=True,
                                 help="Largest timeout_s a replay request may ask for; more is refused (400).")
    kernel_env = Dict(config=True, help="Extra environment variables for execution kernels (nothing of the "
                                        "server's own environment is passed on but an allow-list).")
    export_dir = Unicode(None, allow_none=True, config=True,
                         help="If set, every appended version is also written as <dir>/<id>/v<N>.ipynb and .html.")
    render_cache_bytes = Integer(
        256 * 1024 * 1024, config=True,
        help="Size of the shared HTML render cache (in the database); the least recently served renders "
             "are evicted beyond it. 0 caches nothing.")
    lineage_max_edges = Integer(2000, config=True,
                                help="Most edges one lineage reply holds; beyond it the reply says truncated.")
    owner = Unicode(
        config=True,
        help="Who `recorded_by` names for requests made with the server's shared token or password "
             "(jupyter_server's own identity providers know no users). Default: the OS user running "
             "the server. Under JupyterHub or another identity provider with users, their username "
             "is recorded instead.")
    live_updates = Bool(
        True, config=True,
        help="Relay every change to the shared database (whoever made it) to subscribed browsers as "
             "jupyter_server events, through one LISTEN connection per server. Off: views update only "
             "when they re-fetch.")
    store_class = Type(Database, klass=Database, config=True,
                       help="The store class (swap it to instrument or replace the database layer).")

    @default("owner")
    def _default_owner(self) -> str:
        return default_owner()

    def effective_database_url(self) -> str | None:
        return os.environ.get(ENV_DATABASE_URL) or self.database_url or None

    def make_database(self) -> Database:
        url = self.effective_database_url()
        read_url = os.environ.get(ENV_READ_DATABASE_URL) or self.read_database_url or None
        if url:
            url, read_url = split_urls(url, read_url)
        self._embedded_server = None

        def start_embedded() -> str:
            server, uri = embedded.start(self.embedded_data_dir or None)
            self._embedded_server = server
            return uri

        def revive_embedded() -> None:
            if self._embedded_server is not None:
                embedded.revive(self._embedded_server)

        return self.store_class(
            url or start_embedded, min_size=self.pool_min_size, max_size=self.pool_max_size,
            pool_timeout_s=self.pool_timeout, statement_timeout_ms=self.statement_timeout_ms,
            lock_timeout_ms=self.lock_timeout_ms,
            idle_in_transaction_timeout_ms=self.idle_in_transaction_timeout_ms,
            auto_migrate=self.auto_migrate, max_retries=self.max_write_retries, embedded=url is None,
            revive=None if url else revive_embedded, read_url=read_url,
            read_your_writes_timeout_s=self.read_your_writes_timeout, replica_max_lag_s=self.replica_max_lag)

    def notebook_settings(self) -> NotebookSettings:
        return NotebookSettings(
            default_kernel=self.default_kernel, max_source_bytes=self.max_source_bytes,
            cell_timeout_s=self.cell_timeout, startup_timeout_s=self.kernel_startup_timeout,
            output_cap_bytes=self.output_cap_bytes, max_concurrent_executions=self.max_concurrent_executions,
            export_dir=self.export_dir, kernel_env=dict(self.kernel_env),
            render_cache_bytes=self.render_cache_bytes,
            execution_cwd=getattr(self.serverapp, "root_dir", None) if self.serverapp else None)

    def replay_settings(self) -> ReplaySettings:
        return ReplaySettings(default_timeout_s=min(self.replay_timeout_s, self.replay_max_timeout_s),
                              max_timeout_s=self.replay_max_timeout_s)

    def initialize_settings(self):
        self.db = self.make_database()
        self.services = Services(self.db, self.notebook_settings(), lineage_max_edges=self.lineage_max_edges,
                                 replay_settings=self.replay_settings())
        # Registered at load: a schema registered after a browser subscribed never reaches it.
        self.serverapp.event_logger.register_event_schema(EVENT_SCHEMA)
        self.live = LiveUpdates(lambda event: self.serverapp.event_logger.emit(schema_id=SCHEMA_ID, data=event))
        self.listener = ChangeListener(self.db, self.live.deliver, self.live.resync)

    def live_status(self) -> LiveStatus:
        return LiveStatus(enabled=self.live_updates and self.listener.started,
                          listening=self.listener.connected.is_set(),
                          announcements=self.live.delivered, events=self.live.sent)

    async def _start_jupyter_server_extension(self, serverapp):
        # Runs once the server's loop does (not under pytest-jupyter, whose servers never start).
        if self.live_updates:
            self.listener.start()

    def routes(self) -> list[Route]:
        return [r for module in ROUTE_MODULES for r in module.routes]

    def initialize_handlers(self):
        self.handlers.extend((r.pattern, r.handler) for r in self.routes())
        from .handlers import mcp_http  # JSON-RPC, not REST: served, but not in the OpenAPI document

        self.handlers.extend((r.pattern, r.handler) for r in mcp_http.routes)
        self.handlers.append((fallback.PATTERN, fallback.UnknownRoute))

    async def stop_extension(self):
        await self.listener.stop()
        self.live.close()
        await self.services.jobs.close()
        await self.services.replays.close()
        await self.services.notebooks.close()
        await self.db.close()
        if getattr(self, "_embedded_server", None) is not None:
            embedded.stop(self._embedded_server)
            self._embedded_server = None
