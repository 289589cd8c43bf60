"""`jupyter artifacts replay <ref>… [--timeout S] [--chamber ID] [--kernel NAME]` (API.md, "Replay"):
re-execute notebook versions in this process, against the server's database, with the server's
configuration (kernels, limits), record each replay and print one line per version. Exit 0 when
every replayed version reproduced, 1 otherwise."""

from __future__ import annotations

from traitlets import Float, Unicode

from .cli import _Command
from .errors import Invalid


def describe(replay) -> str:
    """One line: the ref, the verdict and why, the time, the kernel."""
    r = replay
    code = r.counts.code_cells
    if r.status == "reproduced":
        what = f"reproduced ({code} code cell{'s' if code != 1 else ''})"
    elif r.status == "differs":
        cells = [c for c in r.cells if c.verdict == "differs"]
        first = cells[0] if cells else None
        why = f"; first: cell {first.index} ({first.detail or 'outputs differ'})" if first else ""
        what = f"differs in {len(cells)} of {code} code cells{why}"
    else:
        bad = next((c for c in r.cells if c.verdict == "error"), None)
        where = f" in cell {bad.index} ({bad.detail})" if bad is not None and bad.detail else \
            f" in cell {bad.index}" if bad is not None else ""
        what = f"{r.status}{where}" + (f": {r.message}" if r.message else "")
    parts = [what]
    if r.duration_ms is not None:
        parts.append(f"{r.duration_ms / 1000:.1f} s")
    if r.kernel is not None and r.kernel.name:
        version = f" {r.kernel.language_version}" if r.kernel.language_version else ""
        parts.append(f"{r.kernel.name}{version}")
    return f"{r.ref}: {', '.join(parts)}; replay {r.replay_id}"


class ReplayCommand(_Command):
    name = "replay"
    description = ("Re-execute notebook versions and compare their outputs with the stored ones: replay <ref>… "
                   "[--timeout S] [--chamber ID] [--kernel NAME]; exit 0 when every one reproduced.")

    timeout = Float(0.0, config=True, help="Seconds each replay may take (default: the server's replay_timeout_s).")
    chamber = Unicode("", config=True, help="Replay every notebook version pinned in this chamber.")
    kernel = Unicode("", config=True, help="The kernelspec to run the cells in (default: each notebook's own).")
    aliases = {"timeout": "ReplayCommand.timeout", "chamber": "ReplayCommand.chamber",
               "kernel": "ReplayCommand.kernel"}

    async def work(self, ext, db):
        from pydantic import ValidationError

        from .handlers.base import validation_message
        from .models.replays import StartReplay
        from .refs import parse_ref
        from .services.actors import Actor
        from .services.registry import Services
        from .services.versions import resolve

        if not self.extra_args and not self.chamber:
            raise Invalid("Give a notebook version reference (e.g. NB-12@v3) or --chamber ID.")
        try:
            body = StartReplay(timeout_s=self.timeout or None, kernel_name=self.kernel or None)
        except ValidationError as e:
            raise Invalid(validation_message(e, "option")) from None
        services = Services(db, ext.notebook_settings(), replay_settings=ext.replay_settings())
        targets: list[tuple[str, int]] = []
        async with db.connection() as conn:
            for text in self.extra_args:
                found = await resolve(conn, parse_ref(text))
                if found.row is None or found.row["artifact_type"] != "notebook":
                    raise Invalid(f"{text} is not a notebook version.")
                targets.append((found.artifact_id, found.row["version_number"]))
        if self.chamber:
            chamber = await services.chambers.get(self.chamber)
            pins = [(p.artifact_id, p.version_number) for p in chamber.artifacts if p.artifact_type == "notebook"]
            if not pins:
                raise Invalid(f"Chamber {self.chamber} pins no notebook version; there is nothing to replay.")
            targets += pins
        actor = Actor("user", ext.owner, ext.owner)
        reproduced = 0
        for artifact_id, n in dict.fromkeys(targets):  # each version once, in the order given
            replay = await services.replays.run(artifact_id, n, body, actor)
            print(describe(replay), flush=True)
            reproduced += replay.status == "reproduced"
        total = len(dict.fromkeys(targets))
        if total > 1:
            print(f"{reproduced} of {total} versions reproduced.")
        return 0 if reproduced == total else 1
