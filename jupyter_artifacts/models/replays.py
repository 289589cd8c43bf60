"""Requests and replies of replays (API.md, "Replay"): a notebook version re-executed in a fresh
kernel and its outputs compared with the stored ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from .common import ActorFields, CreatedBy, Page
from .notebooks import DiffSummary

KERNEL_NAME = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$"
ReplayStatus = Literal["running", "reproduced", "differs", "failed", "timeout"]


class StartReplay(ActorFields):
    timeout_s: float | None = Field(None, ge=1, description=(
        "Seconds the whole replay may take, kernel start to last cell (default: the server's `replay_timeout_s`, "
        "600 unless configured; at most its `replay_max_timeout_s`, 3600 unless configured). When it passes, the "
        "kernel and every process it started are killed and the replay ends `timeout`. Each cell may also run at "
        "most the server's `cell_timeout`."))
    kernel_name: str | None = Field(None, pattern=KERNEL_NAME, description=(
        "The kernelspec to run the cells in, e.g. `python3` (default: the notebook's own `metadata.kernelspec.name`, "
        "else the server's `default_kernel`). One that is not installed → 400 naming the installed ones."))


class ReplayAccepted(BaseModel):
    """202: the replay runs in the background; poll `href` (or wait for the `replay` live event)."""

    replay_id: str = Field(description="The replay's id (a UUID).")
    status: Literal["running"] = Field(description="Always `running` in this reply.")
    href: str = Field(description=(
        "Where to read the replay: the path of `GET /api/replays/{replay_id}` with the server's base_url (also sent "
        "as the `Location` header)."))


class ReplayCell(BaseModel):
    index: int = Field(description="The cell's index in the notebook (0 is the first cell).")
    cell_id: str | None = Field(description="The cell's nbformat id, if it has one.")
    verdict: Literal["same", "differs", "error", "skipped"] = Field(description=(
        "`same`: the replayed outputs equal the stored ones after the normalisers; `differs`: they do not; "
        "`error`: the cell raised where its stored outputs hold no such error (or timed out, or the kernel died "
        "in it); `skipped`: not compared (a markdown or raw cell, an `nbval-skip` cell, a cell after a timeout)."))
    detail: str | None = Field(None, description=(
        "A short sentence on the verdict, e.g. `text differs`, `image differs (pixels)`, `raised ZeroDivisionError: "
        "division by zero`, `timed out`, `outputs ignored (nbval-ignore-output)`; null when there is nothing to add."))


class ReplayCounts(BaseModel):
    code_cells: int = Field(description="How many code cells the version holds.")
    same: int = Field(description="Cells whose verdict is `same`.")
    differs: int = Field(description="Cells whose verdict is `differs`.")
    error: int = Field(description="Cells whose verdict is `error`.")
    skipped: int = Field(description="Cells whose verdict is `skipped` (non-code cells included).")


class ReplayKernel(BaseModel):
    name: str | None = Field(description="The kernelspec the cells ran in, e.g. `python3`.")
    language: str | None = Field(None, description="The kernel's language, e.g. `python`.")
    language_version: str | None = Field(None, description="The language's version the kernel reported, e.g. `3.11.9`.")


class ReplayEnvironment(BaseModel):
    python: str | None = Field(None, description="The Python version the cells ran under (`sys.version`).")
    packages_hash: str | None = Field(None, description=(
        "`sha256:<hex>` of the sorted `name==version` lines of `packages`: equal hashes, equal installed packages."))
    packages: list[str] = Field(default_factory=list, description=(
        "The installed distributions as `name==version`, sorted."))
    source: Literal["kernel", "server"] | None = Field(None, description=(
        "`kernel`: asked of the kernel itself after the cells ran; `server`: the server's own interpreter (a "
        "kernel that cannot be asked)."))


class ReplayProgress(BaseModel):
    done: int = Field(description="Code cells run so far.")
    total: int = Field(description="Code cells to run.")


class Replay(BaseModel):
    """One replay of one notebook version, running or finished. A replay never creates a version."""

    replay_id: str = Field(description="The replay's id (a UUID).")
    ref: str = Field(description="The version replayed, `<notebook_id>@v<N>`.")
    notebook_id: str = Field(description="The notebook's id.")
    version_number: int = Field(description="N of the version replayed.")
    status: ReplayStatus = Field(description=(
        "`running` until it ends; `reproduced`: every code cell `same`; `differs`: a cell's outputs differ; "
        "`failed`: a cell raised where the stored outputs hold no such error (or the kernel died, or the server "
        "running the replay stopped); `timeout`: `timeout_s` passed and the whole process tree was killed. "
        "Precedence: timeout, then failed, then differs."))
    cells: list[ReplayCell] = Field(description="Every cell's verdict, in notebook order (empty while running).")
    counts: ReplayCounts = Field(description="The verdicts counted (zeros while running).")
    duration_ms: int | None = Field(None, description="Wall time of the replay, kernel start to teardown; null while running.")
    kernel: ReplayKernel | None = Field(None, description="The kernel the cells ran in; null while running.")
    environment: ReplayEnvironment | None = Field(None, description=(
        "The environment the cells ran in; null while running."))
    message: str | None = Field(None, description="A sentence for `failed` and `timeout` (null otherwise).")
    progress: ReplayProgress = Field(description="How far a running replay got.")
    timeout_s: float = Field(description="The limit this replay ran under, in seconds.")
    created_at: datetime = Field(description="When the replay was started (ISO 8601 UTC).")
    finished_at: datetime | None = Field(None, description="When it ended; null while running.")
    recorded_by: str | None = Field(description="The authenticated principal that started it.")
    created_by: CreatedBy = Field(description="On whose behalf it was started, and who sent it.")


class ReplayPage(BaseModel):
    items: list[Replay] = Field(description="Replays of the version, newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class LatestReplays(BaseModel):
    notebook_id: str = Field(description="The notebook's id.")
    items: list[Replay] = Field(description="The newest replay of each version that has one, by version number.")


class ReplayDiff(BaseModel):
    replay_id: str = Field(description="The replay's id.")
    ref: str = Field(description="The version replayed, `<notebook_id>@v<N>`.")
    base: dict[str, Any] = Field(description=(
        "The version's stored notebook (as in the version object's `content`)."))
    diff: list[Any] = Field(description=(
        "`nbdime.diff_notebooks(base, replayed)` as JSON, where `replayed` is `base` with the replayed outputs and "
        "execution counts in the code cells that ran."))
    summary: DiffSummary = Field(description="Cells added, removed and modified (a replay only modifies).")


class ReplaysQuery(Page):
    pass
