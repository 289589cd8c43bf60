"""Rules of the notebooks area: registration, versions in three formats, cell append
(all six effects in one transaction), execution in a fresh kernel, diffs."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import json_limits
from ..db import artifacts as store
from ..db import notebooks as nb_store
from ..db.pool import Database
from ..errors import (
    Conflict,
    Invalid,
    NotFound,
    StaleParent,
    TooLarge,
    quote,
)
from ..hashing import content_hash, normalize_json
from ..json_limits import MAX_DEPTH, check_body
from ..models import notebooks as m
from ..notebooks.content import notebook_content, notebook_contents
from ..notebooks.format import (
    assemble,
    make_cell,
    normalize_notebook,
    normalize_with_ids,
    render_key,
    skeleton,
    validate_cell,
    with_own_metadata,
)
from ..notebooks.render import RenderPool
from ..refs import parse_bare, parse_ref, version_row_id
from .actors import Actor
from .appends import CellAppends, HeadMoved, appended
from .parameters import CELL_APPEND, user_parameters
from .snapshots import write_first_version
from .versions import resolve

log = logging.getLogger("jupyter_artifacts")


@dataclass
class NotebookSettings:
    default_kernel: str = "python3"
    max_source_bytes: int = 1024 * 1024
    cell_timeout_s: float = 60.0
    startup_timeout_s: float = 60.0
    output_cap_bytes: int = 1_000_000
    max_concurrent_executions: int = 2
    max_reexecutions: int = 3
    export_dir: str | None = None
    render_cache_bytes: int = 256 * 1024 * 1024
    execution_cwd: str | None = None
    kernel_env: dict = field(default_factory=dict)


class NotebookService:
    def __init__(self, db: Database, settings: NotebookSettings | None = None):
        self.db = db
        self.settings = settings or NotebookSettings()
        self._executions = asyncio.Semaphore(self.settings.max_concurrent_executions)
        self._background: set[asyncio.Task] = set()
        self.renderer = RenderPool()
        self.appends = CellAppends(db)

    @property
    def executions(self) -> asyncio.Semaphore:
        """The kernels this server runs at once (executed appends and replays share it)."""
        return self._executions

    # -- registration ------------------------------------------------------------------------

    async def register(self, body: m.RegisterNotebook, actor: Actor, contents_manager=None) -> m.Registered:
        path = None
        if body.path is not None:
            path = body.path.strip("/")
            data = await self.read_contents(contents_manager, path)
        else:
            data = body.notebook
        nb = normalize_notebook(data)
        title = body.title or nb["metadata"].get("title") or (Path(path).stem if path else None)
        notebook_id = body.id or f"notebook-{secrets.token_hex(4)}"
        title = normalize_json(title or notebook_id, "title")
        metadata = normalize_json(body.metadata, "metadata")
        digest = content_hash("notebook", title, metadata, nb)

        async def work(conn):
            await write_first_version(conn, artifact_id=notebook_id, nb=nb, title=title, metadata=metadata,
                                      digest=digest, actor=actor, changelog="registered", path=path)

        await self.db.run(work)
        return m.Registered(notebook_id=notebook_id, version_number=1, content_hash=digest,
                           cell_count=len(nb["cells"]))

    @staticmethod
    async def read_contents(contents_manager, path: str) -> dict:
        """The notebook at `path` in the server's contents, as JSON (held to the body limits)."""
        path = path.strip("/")
        if contents_manager is None:
            raise Invalid("This server has no contents manager to read notebooks from.")
        if any(part in ("", "..") for part in path.split("/")):
            raise Invalid(f"{quote(path)} is not a path inside the server's contents.")
        try:
            model = await _maybe_await(contents_manager.get(path, content=True, type="notebook"))
        except Exception as e:  # the contents manager speaks tornado's HTTPError
            status = getattr(e, "status_code", None)
            if status == 404:
                raise NotFound(f"There is no notebook at {quote(path)} in the server's contents.") from None
            # The contents manager's message names the server's own paths: log it, don't send it.
            log.info("jupyter_artifacts: reading %s failed: %s", path, e)
            raise Invalid(f"The notebook at {quote(path)} cannot be read as a notebook "
                          f"({type(e).__name__}; the server's log says more).") from None
        try:
            text = json.dumps(model["content"])
        except RecursionError:
            text = "[" * (MAX_DEPTH + 1)
        # Held to the same limit as a notebook sent in a body ({"notebook": ...}).
        check_body(text, f"The notebook at {quote(path)}", limit=MAX_DEPTH - 1)
        return json.loads(text)

    # -- reads -------------------------------------------------------------------------------

    async def info(self, ref: str) -> m.NotebookInfo:
        async with self.db.connection() as conn:
            found = await self._notebook(conn, ref)
            latest = found.row
            versions = await store.all_versions(conn, found.artifact_id)
            count = await nb_store.cell_count(conn, found.artifact_id, latest["version_number"])
        return m.NotebookInfo(notebook_id=found.artifact_id, title=latest["title"] or found.artifact_id,
                              latest_version=latest["version_number"], version_count=len(versions),
                              content_hash=latest["content_hash"], cell_count=count)

    async def version(self, ref: str, n: int, fmt: str) -> tuple[str, Any]:
        """("json", notebook) or ("html", text)."""
        async with self.db.connection() as conn:
            found = await self._notebook(conn, ref)
            row = await store.by_number(conn, found.artifact_id, n, content=True)
            if row is None:
                raise NotFound(f"{found.artifact_id} has no version {n}.")
            nb = await notebook_content(conn, row)
            if nb is None:
                raise NotFound(f"The content of {found.artifact_id}@v{n} is unknown (an adopted legacy version).")
        if fmt != "html":
            return "json", with_own_metadata(nb, found.artifact_id, n, row["content_hash"])
        key = render_key(nb)
        # The render cache is written as it is read (a hit's recency): the primary's, even
        # when the version itself came from a read replica.
        async with self.db.connection(routed=False) as conn:
            html = await nb_store.cached_render(conn, key)
            await conn.commit()
        if html is None:
            html = await self.renderer.render(nb)
            if self.settings.render_cache_bytes > 0:
                async with self.db.connection(routed=False) as conn:
                    await nb_store.store_render(conn, key, html, self.settings.render_cache_bytes)
                    await conn.commit()
        return "html", html

    async def diff(self, ref: str, query: m.DiffQuery) -> m.NotebookDiff:
        from ..notebooks.diff import diff_notebooks

        async with self.db.connection() as conn:
            found = await self._notebook(conn, ref)
            to_n = query.to or found.row["version_number"]
            from_n = query.from_ or max(1, to_n - 1)
            base, remote = await self._contents(conn, found.artifact_id, from_n, to_n)
        diff, summary = await asyncio.to_thread(diff_notebooks, base, remote, ignore_outputs=query.ignore_outputs)
        return m.NotebookDiff(notebook_id=found.artifact_id, from_=from_n, to=to_n, base=base, diff=diff,
                              summary=m.DiffSummary(**summary))

    async def diff_copy(self, ref: str, body: m.DiffCopy) -> m.NotebookDiff:
        """A version against an edited copy, normalised and with cell ids as a commit keeps them."""
        from ..notebooks.diff import diff_notebooks
        from ..notebooks.merge import inherit_cell_ids

        async with self.db.connection() as conn:
            found = await self._notebook(conn, ref)
            from_n = body.from_ or found.row["version_number"]
            (base,) = await self._contents(conn, found.artifact_id, from_n)

        def compute():
            nb, carried = normalize_with_ids(body.notebook)
            return diff_notebooks(base, inherit_cell_ids(base, nb, carried), ignore_outputs=body.ignore_outputs)

        diff, summary = await asyncio.to_thread(compute)
        return m.NotebookDiff(notebook_id=found.artifact_id, from_=from_n, to=None, base=base, diff=diff,
                              summary=m.DiffSummary(**summary))

    async def _contents(self, conn, artifact_id: str, *numbers: int) -> list[dict]:
        rows = []
        for n in numbers:
            row = await store.by_number(conn, artifact_id, n, content=True)
            if row is None:
                raise NotFound(f"{artifact_id} has no version {n}.")
            rows.append(row)
        contents = await notebook_contents(conn, rows)
        for n, nb in zip(numbers, contents):
            if nb is None:
                raise NotFound(f"The content of {artifact_id}@v{n} is unknown (an adopted legacy version).")
        return contents

    @staticmethod
    async def _notebook(conn, ref):
        """The notebook artifact a reference names, with its latest version (or the one named)."""
        found = await resolve(conn, parse_ref(ref) if isinstance(ref, str) else ref)
        if found.row is None or found.row["artifact_type"] != "notebook":
            raise NotFound(f"{found.artifact_id} is not a notebook.")
        return found

    # -- cell append -------------------------------------------------------------------------

    async def append(self, ref: str, body: m.AppendCell, actor: Actor) -> m.Appended:
        target = parse_bare(ref)
        size = len(body.source.encode("utf-8", "surrogatepass"))
        if size > self.settings.max_source_bytes:
            raise TooLarge(f"The cell's source is {size} bytes; the limit is {self.settings.max_source_bytes}.")
        source = normalize_json(body.source, "source")
        parameters = user_parameters(body.parameters, CELL_APPEND, "a cell append")
        cell = make_cell(body.cell_type, source, metadata=normalize_json(body.metadata, "metadata"),
                         cell_id=body.cell_id)
        validate_cell(cell)

        if body.idempotency_key and body.execute:  # a repeat must not run the cell again
            async with self.db.connection() as conn:
                found = await self._notebook(conn, target)
                earlier = await nb_store.idempotent_reply(conn, found.artifact_id, body.idempotency_key)
            if earlier is not None:
                return m.Appended(**appended(earlier, found.artifact_id, body.idempotency_key))

        for _attempt in range(self.settings.max_reexecutions + 1):
            execution: dict = {"status": "not_requested"}
            expected = None
            if body.execute:
                async with self.db.connection() as conn:
                    found = await self._notebook(conn, target)
                    head = await store.latest(conn, found.artifact_id, content=True)
                    if body.parent_version is not None and body.parent_version != head["version_number"]:
                        raise StaleParent(found.artifact_id, body.parent_version, head["version_number"])
                    nb = await notebook_content(conn, head)
                if nb is None:
                    raise Conflict(f"{found.artifact_id}@v{head['version_number']} has unknown content (an adopted "
                                   "legacy version); cells cannot be appended to it.")
                expected = head["version_number"]
                json_limits.ensure_plain(nb)  # TooDeep before a kernel starts, not after
                # The kernel runs with no database connection or lock held.
                result = await self._execute(assemble(skeleton(nb), nb["cells"] + [cell]))
                cell = normalize_json({**cell, "outputs": result.outputs, "execution_count": result.execution_count},
                                      "outputs")
                validate_cell(cell)
                execution = {"status": result.status, "duration_ms": result.duration_ms,
                             "ename": result.ename, "evalue": result.evalue}
            try:
                reply = await self.appends.write(target, body, cell, execution, parameters, actor, expected)
                break
            except HeadMoved:
                continue
        else:
            raise Conflict("The notebook kept getting new versions while the cell executed; try again.")
        if self.settings.export_dir:
            self._spawn(self._export(reply["notebook_id"], reply["version_number"]))
        return m.Appended(**reply)

    async def _execute(self, nb: dict):
        from ..notebooks.execute import (
            ExecutionLimits,
            UnknownKernel,
            execute_appended_cell,
        )

        limits = ExecutionLimits(cell_timeout_s=self.settings.cell_timeout_s,
                                 startup_timeout_s=self.settings.startup_timeout_s,
                                 output_cap_bytes=self.settings.output_cap_bytes)
        kernel = (nb.get("metadata", {}).get("kernelspec") or {}).get("name") or self.settings.default_kernel
        async with self._executions:
            try:
                return await asyncio.to_thread(execute_appended_cell, nb, kernel_name=kernel, limits=limits,
                                               cwd=self.settings.execution_cwd,
                                               extra_env=dict(self.settings.kernel_env))
            except UnknownKernel as e:
                raise Invalid(f"The notebook's kernel cannot be started: {str(e).rstrip('.')}.") from None

    # -- export ------------------------------------------------------------------------------

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _export(self, notebook_id: str, n: int) -> None:
        """Write <export_dir>/<id>/v<N>.ipynb and .html; a failure here never undoes the version."""
        try:
            await self.export_files(notebook_id, n, Path(self.settings.export_dir))
        except Exception:
            log.exception("jupyter_artifacts: exporting %s@v%s failed (the version itself is committed)",
                          notebook_id, n)

    async def export_files(self, notebook_id: str, n: int, root: Path) -> tuple[Path, Path]:
        _, nb = await self.version(notebook_id, n, "json")
        _, html = await self.version(notebook_id, n, "html")
        folder = root / notebook_id
        ipynb_path, html_path = folder / f"v{n}.ipynb", folder / f"v{n}.html"

        def write():
            folder.mkdir(parents=True, exist_ok=True)
            ipynb_path.write_text(json_limits.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            html_path.write_text(html, encoding="utf-8")

        await asyncio.to_thread(write)
        async with self.db.connection() as conn:
            row_id = await nb_store.notebook_row_id(conn, notebook_id)
            if row_id:
                await nb_store.set_export_paths(conn, row_id, version_row_id(notebook_id, n),
                                                str(ipynb_path), str(html_path))
                await conn.commit()
        return ipynb_path, html_path

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        self.renderer.close()


async def _maybe_await(value):
    return await value if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future) else value
