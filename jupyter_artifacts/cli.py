"""`jupyter artifacts …`: the same configuration and services as the server, from a shell.

Exit 0 on success; otherwise one sentence on standard error and a non-zero status."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from jupyter_core.application import JupyterApp
from traitlets import Bool, Unicode

from . import __version__, json_limits
from .db.migrate import apply_migrations, latest_version
from .errors import ArtifactsError


def _write(text: str, path: str, what: str) -> None:
    """To `path` (saying so on standard error), or to standard output when none is given."""
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"Wrote {what} to {path}.", file=sys.stderr)
    else:
        sys.stdout.write(text)


class _Command(JupyterApp):
    # Read the server's own config files, so `c.JupyterArtifactsApp.*` applies here too.
    config_file_name = "jupyter_server_config"
    version = __version__

    def _extension(self):
        from .app import JupyterArtifactsApp

        return JupyterArtifactsApp(config=self.config)

    def start(self):
        # The pool's retry warnings are for server logs; here the one-sentence error says it.
        logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
        ext = self._extension()
        db = ext.make_database()

        async def go():
            try:
                return await self.work(ext, db)
            finally:
                await db.close()

        try:
            code = asyncio.run(go())
        except ArtifactsError as e:
            print(f"jupyter artifacts {self.name}: {e.message}", file=sys.stderr)
            code = 1
        finally:
            if getattr(ext, "_embedded_server", None) is not None:
                from .db import embedded

                embedded.stop(ext._embedded_server)
        self.exit(code or 0)

    async def work(self, ext, db) -> int:  # pragma: no cover - overridden
        raise NotImplementedError


class MigrateCommand(_Command):
    name = "migrate"
    description = "Apply pending migrations and backfills (idempotent)."

    async def work(self, ext, db):
        from .db import roles
        from .db.pool import translate_errors

        db.auto_migrate = False
        async with db.connection() as conn:
            with translate_errors():
                applied = await apply_migrations(conn)
                # Every granted role gets what the current schema needs (new tables, say).
                granted = await roles.reapply(conn)
        if applied:
            print(f"Applied migrations {', '.join(f'{v:04d}' for v in applied)}; "
                  f"schema version {latest_version()}.")
        else:
            print(f"Nothing to do: schema version {latest_version()} is current.")
        if granted:
            print(f"Re-applied the grants of {len(granted)} member roles: {', '.join(granted)}.")
        return 0


class StatusCommand(_Command):
    name = "status"
    description = "Database, schema version and the adoption report of an existing database."

    json_output = False
    flags = {"json": ({"StatusCommand": {"json_output": True}}, "Print JSON.")}

    async def work(self, ext, db):
        from .services.registry import Services

        services = Services(db)
        status = await services.status.status()
        if not status.database.ok:
            raise ArtifactsError(status.database.error or "The database is unreachable.")
        report = await services.status.adoption_report()
        if "--json" in sys.argv:
            print(json.dumps({"status": status.model_dump(mode="json"),
                              "adoption_report": report}, default=str, indent=2))
            return 0
        d = status.database
        where = "embedded" if d.embedded else "external"
        print(f"jupyter_artifacts {status.version}")
        print(f"database: ok ({where}, PostgreSQL {d.server_version}), schema version {d.schema_version}"
              f" of {latest_version()}")
        if status.replica is not None:
            r = status.replica
            lag = "unknown" if r.lag_seconds is None else f"{r.lag_seconds:.3f} s"
            print(f"replica: ok, lag {lag}" if r.ok else f"replica: not ok ({r.error})")
        if not report:
            print("adoption report: nothing to report")
        else:
            repaired = sum(1 for r in report if r["repaired"])
            print(f"adoption report: {len(report)} entries ({repaired} repaired, "
                  f"{len(report) - repaired} left as they are)")
            for r in report:
                mark = "repaired" if r["repaired"] else "left"
                print(f"  [{mark}] {r['kind']}: {r['table_name']} {r['row_id']}: {r['detail']}")
        return 0


class ExportCommand(_Command):
    name = "export"
    description = "Write one notebook version as .ipynb (default) or .html: export <ref> [--format] [--output]."

    fmt = Unicode("ipynb", config=True, help="ipynb or html")
    output = Unicode("", config=True, help="File to write (default: standard output).")
    aliases = {"format": "ExportCommand.fmt", "output": "ExportCommand.output"}

    async def work(self, ext, db):
        from .errors import Invalid
        from .refs import parse_ref
        from .services.notebooks import NotebookService

        if len(self.extra_args) != 1:
            raise Invalid("Give one notebook version reference, e.g. NB-12@v3.")
        if self.fmt not in ("ipynb", "html"):
            raise Invalid(f"--format must be ipynb or html, not {self.fmt!r}.")
        ref = parse_ref(self.extra_args[0])
        service = NotebookService(db)
        async with db.connection() as conn:
            from .services.versions import resolve

            found = await resolve(conn, ref)
        n = found.row["version_number"]
        kind, value = await service.version(found.artifact_id, n, "html" if self.fmt == "html" else "json")
        text = value if kind == "html" else json_limits.dumps(value, indent=1, ensure_ascii=False) + "\n"
        _write(text, self.output, f"{found.artifact_id}@v{n}")
        return 0


class BackfillCommand(_Command):
    name = "backfill"
    description = "(Re)create missing processing steps from links and parents; idempotent, resumable."

    async def work(self, ext, db):
        from .services.lineage import LineageService

        report = await LineageService(db).backfill()
        print(f"Created {report.link_steps} link steps and {report.parent_steps} parent (fork) steps; "
              f"links checked up to id {report.links_checked_upto}.")
        return 0


class LineageCommand(_Command):
    name = "lineage"
    description = "The lineage of a version or artifact: lineage <ref> [--format json|prov-json|dot] " \
                  "[--direction ancestors|descendants|both] [--max-depth N]."

    fmt = Unicode("json", config=True, help="json, prov-json or dot")
    direction = Unicode("both", config=True, help="ancestors, descendants or both")
    max_depth = Unicode("5", config=True, help="1..50")
    aliases = {"format": "LineageCommand.fmt", "direction": "LineageCommand.direction",
               "max-depth": "LineageCommand.max_depth"}

    async def work(self, ext, db):
        from pydantic import ValidationError

        from .errors import Invalid
        from .handlers.base import validation_message
        from .lineage_formats import to_dot, to_prov_json
        from .models.lineage import LineageQuery
        from .services.lineage import LineageService

        if len(self.extra_args) != 1:
            raise Invalid("Give one artifact id or version reference, e.g. NB-12@v3.")
        if self.fmt not in ("json", "prov-json", "dot"):
            raise Invalid(f"--format must be json, prov-json or dot, not {self.fmt!r}.")
        try:
            query = LineageQuery(direction=self.direction, max_depth=self.max_depth)
        except ValidationError as e:
            raise Invalid(validation_message(e, "option")) from None
        model = await LineageService(db, ext.lineage_max_edges).lineage(self.extra_args[0], query)
        graph = model.model_dump(mode="python")  # keeps stored RawJSON for json_limits to write
        if self.fmt == "dot":
            sys.stdout.write(to_dot(graph))
        elif self.fmt == "prov-json":
            print(json_limits.dumps(to_prov_json(graph), indent=2, ensure_ascii=False))
        else:
            print(json_limits.model_json(model, indent=2))
        return 0


class DemoCommand(_Command):
    name = "demo"
    description = "Load the demonstration world into an empty database and run its debate."

    if_empty = Bool(False, config=True, help="Do nothing (exit 0) when the database already holds artifacts.")
    flags = {"if-empty": ({"DemoCommand": {"if_empty": True}}, "Skip quietly unless the database is empty.")}

    async def work(self, ext, db):
        from .errors import Conflict
        from .services import demo
        from .services.actors import Actor
        from .services.registry import Services

        if not await demo.is_empty(db):
            if self.if_empty:
                print("The database already holds artifacts; the demonstration was not loaded.")
                return 0
            raise Conflict("The database already holds artifacts; the demonstration loads into an empty one.")
        user = ext.owner
        services = Services(db, ext.notebook_settings())
        await demo.load_world(services, Actor("user", user, user))
        session = await demo.run_scenario(services, user)
        print(f"Loaded {demo.HYPOTHESIS}@v3, {demo.PAPER}@v1, {demo.PERSONA} and {demo.NOTEBOOK}@v2, then ran debate "
              f"{session['id']} (3 rounds, {demo.NOTEBOOK}@v3 appended in its chamber); "
              f"provenance {session['chamber_provenance_hash']}.")
        return 0


class ExportChamberCommand(_Command):
    name = "export-chamber"
    description = "A closed chamber as one JSON bundle: export-chamber <id> [--output FILE]."

    output = Unicode("", config=True, help="File to write (default: standard output).")
    aliases = {"output": "ExportChamberCommand.output"}

    async def work(self, ext, db):
        from .errors import Invalid
        from .services.chamber_bundle import export_bundle

        if len(self.extra_args) != 1:
            raise Invalid("Give one chamber id.")
        text = json_limits.dumps(await export_bundle(db, self.extra_args[0]), indent=1, ensure_ascii=False) + "\n"
        _write(text, self.output, f"chamber {self.extra_args[0]}")
        return 0


class VerifyChamberCommand(_Command):
    name = "verify-chamber"
    description = ("Recompute a closed chamber's provenance hash and every pinned content hash, from the "
                   "database (verify-chamber <id>) or offline from a bundle (verify-chamber BUNDLE.json).")

    def start(self):
        # A bundle needs no database at all: check it before any store is opened.
        if len(self.extra_args) == 1 and self.extra_args[0].endswith(".json"):
            from .errors import ArtifactsError
            from .services.chamber_bundle import verify_bundle

            try:
                with open(self.extra_args[0], encoding="utf-8") as f:
                    bundle = json.load(f)
                problems = verify_bundle(bundle)
            except (OSError, ValueError) as e:
                print(f"jupyter artifacts verify-chamber: cannot read {self.extra_args[0]}: {e}.", file=sys.stderr)
                self.exit(1)
            except ArtifactsError as e:
                print(f"jupyter artifacts verify-chamber: {e.message}", file=sys.stderr)
                self.exit(1)
            self.exit(self._report(problems, bundle))
        super().start()

    async def work(self, ext, db):
        from .errors import Invalid
        from .services.chamber_bundle import export_bundle, verify_bundle

        if len(self.extra_args) != 1:
            raise Invalid("Give one chamber id or a bundle file (.json).")
        bundle = await export_bundle(db, self.extra_args[0])
        return self._report(verify_bundle(bundle), bundle)

    @staticmethod
    def _report(problems: list[str], bundle: dict) -> int:
        if problems:
            print(f"jupyter artifacts verify-chamber: {problems[0]}.", file=sys.stderr)
            return 1
        print(f"Chamber {bundle['chamber']['id']}: {len(bundle['pins'])} pins, provenance {bundle['provenance_hash']} "
              "verified.")
        return 0


class MCPCommand(JupyterApp):
    name = "mcp"
    description = ("Serve the MCP tools over standard input and output, calling a Jupyter server's REST API: "
                   "mcp --url URL --token TOKEN (defaults: $JUPYTER_ARTIFACTS_URL, $JUPYTER_ARTIFACTS_TOKEN).")
    version = __version__

    url = Unicode("", config=True, help="The Jupyter server's URL (default: $JUPYTER_ARTIFACTS_URL).")
    token = Unicode("", config=True, help="Its token (default: $JUPYTER_ARTIFACTS_TOKEN).")
    aliases = {"url": "MCPCommand.url", "token": "MCPCommand.token"}

    def start(self):
        import anyio

        from .mcp_tools.server import serve_stdio

        # Standard output is the MCP wire: nothing else may be printed there.
        anyio.run(serve_stdio, self.url or None, self.token or None)


class ArtifactsCommand(JupyterApp):
    name = "jupyter-artifacts"
    description = "Manage the jupyter_artifacts database."
    version = __version__
    subcommands = {
        "migrate": (MigrateCommand, MigrateCommand.description),
        "status": (StatusCommand, StatusCommand.description),
        "export": (ExportCommand, ExportCommand.description),
        "backfill": (BackfillCommand, BackfillCommand.description),
        "lineage": (LineageCommand, LineageCommand.description),
        "demo": (DemoCommand, DemoCommand.description),
        "export-chamber": (ExportChamberCommand, ExportChamberCommand.description),
        "verify-chamber": (VerifyChamberCommand, VerifyChamberCommand.description),
        "mcp": (MCPCommand, MCPCommand.description),
        "grant": ("jupyter_artifacts.cli_roles.GrantCommand",
                  "Give an existing login role what a single-user server needs (run by the owner)."),
        "revoke": ("jupyter_artifacts.cli_roles.RevokeCommand", "Take back what `grant` gave a role."),
        "replay": ("jupyter_artifacts.cli_replay.ReplayCommand",
                   "Re-execute notebook versions and compare their outputs with the stored ones."),
    }

    def start(self):
        if self.subapp is None:
            print("Give a subcommand: " + ", ".join(sorted(self.subcommands)), file=sys.stderr)
            self.exit(2)
        super().start()


def main(argv=None):
    ArtifactsCommand.launch_instance(argv)


if __name__ == "__main__":
    main()
