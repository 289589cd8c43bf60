"""One method per route (API.md), shared by Client and AsyncClient.

Each method checks its arguments against the route's own request model, describes the
request as a `Call` and returns `self._send(call)`: the reply model for Client, an
awaitable of it for AsyncClient. Body fields are keyword arguments named as in the REST
body (`from_` for `from`); a misspelt one raises `Invalid` before anything is sent."""

from __future__ import annotations

from typing import Any

from ..models import artifacts as a
from ..models import branches as b
from ..models import chambers as c
from ..models import debates as d
from ..models import lineage as li
from ..models import notebooks as nb
from ..models import replays as rp
from ..models.common import Version, VersionPage
from ..models.jobs import Job, JobAccepted
from ..models.service import Status
from .calls import TEXT, Call, as_entries, body, present, query
from .calls import path as api
from .errors import Invalid
from .refs import Ref, ref_text


def _write(method: str, route: str, model: type, fields: dict, reply: Any) -> Call:
    """A write whose body is `model`. An explicit `idempotency_key=` (to make a write retry-safe
    across processes, not only within this call) is the header, and stays in the body where
    the body has that field; otherwise the call gets a fresh key."""
    in_body = "idempotency_key" in model.model_fields
    key = fields.get("idempotency_key") if in_body else fields.pop("idempotency_key", None)
    return Call(method, route, body=body(model, fields), has_body=True, reply=reply, idempotency_key=key)


def _pinned(ref: Any, n: int | None, what: str) -> tuple[str, int]:
    """(artifact id, version number) of a route that names one version (`X@vN`, or X and n)."""
    r = Ref(ref_text(ref))
    number = n if n is not None else r.version
    if number is None:
        raise Invalid(400, "invalid", f"{what} needs one version: give a ref like {r.artifact_id}@v2 (or n=2).")
    return r.artifact_id, number


def _head(ref: Any, fields: dict, field: str = "parent_version") -> str:
    """The bare id a write path takes. A ref that pins a version (`X@vN`, or a reply such as a
    Version) means "on top of that version": it becomes `parent_version=N` (the write is then
    refused with `StaleParent` if N is no longer the latest), or `from` for a split."""
    r = Ref(ref_text(ref))
    if r.version is not None and field not in fields and not (field == "from_" and "from" in fields):
        fields[field] = r.version if field == "parent_version" else str(r)
    return r.artifact_id


class Methods:
    """The API's operations; subclasses provide `_send(call)` and `_iterate(make_call)`."""

    def _send(self, call: Call) -> Any:  # pragma: no cover - Client / AsyncClient
        raise NotImplementedError

    def _iterate(self, make_call) -> Any:  # pragma: no cover - Client / AsyncClient
        raise NotImplementedError

    # -- service ----------------------------------------------------------------------------

    def status(self) -> Status:
        """Extension version and database health (answers even while the database is down)."""
        return self._send(Call("GET", api("jupyter_artifacts", "status"), reply=Status))

    def get_job(self, job_id: str) -> Job:
        """A job's state: `running`, `done` (with `result`) or `failed` (with `error`)."""
        return self._send(Call("GET", api("jupyter_artifacts", "jobs", job_id), reply=Job))

    def wait_job(self, job: JobAccepted | Job | str, reply: Any = None) -> Any:
        """Wait for a job (from `append_cell(..., wait=False)`): its result as the synchronous call
        would have replied (parsed as `reply`, else by the job's kind), or that call's exception."""
        job_id = job if isinstance(job, str) else job.job_id
        return self._send(Call("GET", api("jupyter_artifacts", "jobs", job_id), reply=reply, job=True))

    def openapi(self) -> dict:
        """The server's OpenAPI document."""
        return self._send(Call("GET", api("jupyter_artifacts", "openapi.json")))

    # -- artifacts --------------------------------------------------------------------------

    def _search(self, **kw) -> Call:
        return Call("GET", api("artifacts"), params=query(a.ListArtifacts, present(**kw)), reply=VersionPage)

    def search_artifacts(self, q: str | None = None, type: str | None = None, tag: str | None = None,
                         limit: int | None = None, cursor: str | None = None) -> VersionPage:
        """One page of the latest versions; with `q`, a search, best matches first (items carry `match`)."""
        return self._send(self._search(q=q, type=type, tag=tag, limit=limit, cursor=cursor))

    def iter_artifacts(self, q: str | None = None, type: str | None = None, tag: str | None = None,
                       limit: int | None = None):
        """Every matching latest version, across pages (`limit` per page)."""
        return self._iterate(lambda cursor: self._search(q=q, type=type, tag=tag, limit=limit, cursor=cursor))

    def artifact_types(self) -> a.ArtifactTypeList:
        return self._send(Call("GET", api("artifact-types"), reply=a.ArtifactTypeList))

    def get_version(self, ref: Any) -> Version:
        """The version a ref names (the latest for a bare id), with its content."""
        return self._send(Call("GET", api("artifacts", ref), reply=Version))

    def list_versions(self, ref: Any) -> a.VersionList:
        """Every version of the artifact, oldest first."""
        return self._send(Call("GET", api("artifacts", Ref(ref_text(ref)).artifact_id, "versions"),
                               reply=a.VersionList))

    def diff_versions(self, ref: Any, from_: int | None = None, to: int | None = None) -> a.FieldDiff:
        """Field by field, version `from_` against `to` (default: the ref's version against its parent)."""
        params = query(a.DiffQuery, present(from_=from_, to=to))
        return self._send(Call("GET", api("artifacts", ref, "diff"), params=params, reply=a.FieldDiff))

    def create_artifact(self, artifact_type: str | None = None, title: str | None = None, **fields) -> Version:
        """Version 1 of a new artifact: `id?, artifact_type, title, content?, metadata?, changelog?, agent_id?`."""
        fields = {**present(artifact_type=artifact_type, title=title), **fields}
        return self._send(_write("POST", api("artifacts"), a.CreateArtifact, fields, Version))

    def new_version(self, ref: Any, **fields) -> Version:
        """The next version from the latest (omitted fields carry over); `parent_version=` makes it
        conditional (`StaleParent`)."""
        return self._send(_write("POST", api("artifacts", _head(ref, fields), "versions"), a.NewVersion, fields,
                                 Version))

    def tag_version(self, ref: Any, tag: str | None = None, n: int | None = None, **fields) -> Version:
        """Tag one version (`X@vN`); `move=True` moves a tag another version holds."""
        artifact_id, number = _pinned(ref, n, "tag_version")
        fields = {**present(tag=tag), **fields}
        return self._send(_write("POST", api("artifacts", artifact_id, "versions", number, "tags"),
                                 a.TagRequest, fields, Version))

    def set_lifecycle(self, ref: Any, lifecycle_state: str | None = None, n: int | None = None,
                      **fields) -> Version:
        """Mark one version `active`, `deprecated`, `superseded` (with `superseded_by`) or `retracted`."""
        artifact_id, number = _pinned(ref, n, "set_lifecycle")
        fields = {**present(lifecycle_state=lifecycle_state), **fields}
        return self._send(_write("PATCH", api("artifacts", artifact_id, "versions", number),
                                 a.LifecyclePatch, fields, Version))

    def create_link(self, source: Any = None, target: Any = None, link_type: str | None = None,
                    **fields) -> a.Link:
        """Link two exact versions (`derives_from`, `cites`, `extends`, `supports`, `contradicts`)."""
        ends = {k: ref_text(v) for k, v in present(source=source, target=target).items()}
        fields = {**ends, **present(link_type=link_type), **fields}
        return self._send(_write("POST", api("artifact-links"), a.CreateLink, fields, a.Link))

    def get_links(self, ref: Any) -> a.LinkList:
        """Links in and out of every version of the artifact (of one version for `X@vN`)."""
        return self._send(Call("GET", api("artifacts", ref, "links"), reply=a.LinkList))

    def get_lineage(self, ref: Any, direction: str | None = None, max_depth: int | None = None,
                    format: str | None = None) -> li.LineageGraph | li.ProvDocument:
        """The processing-step graph around a version (or every version of a bare id)."""
        params = query(li.LineageQuery, present(direction=direction, max_depth=max_depth, format=format))
        reply = li.ProvDocument if format == "prov-json" else li.LineageGraph
        return self._send(Call("GET", api("artifacts", ref, "lineage"), params=params, reply=reply))

    def fork_artifact(self, ref: Any, **fields) -> Version:
        """Version 1 of a new artifact from a version (`from_`, default the ref's version or latest)."""
        route = api("artifacts", _head(ref, fields, "from_"), "fork")
        return self._send(_write("POST", route, b.ForkRequest, fields, Version))

    # -- notebooks --------------------------------------------------------------------------

    def register_notebook(self, notebook: dict | None = None, path: str | None = None, id: str | None = None,
                          title: str | None = None, **fields) -> nb.Registered:
        """Version 1 of a notebook from nbformat JSON, or from a `path=` in the server's contents."""
        fields = {**present(notebook=notebook, path=path, id=id, title=title), **fields}
        return self._send(_write("POST", api("notebooks"), nb.RegisterNotebook, fields, nb.Registered))

    def get_notebook(self, ref: Any) -> nb.NotebookInfo:
        """A notebook's latest version number, version count and cell count."""
        return self._send(Call("GET", api("notebooks", ref), reply=nb.NotebookInfo))

    def export_notebook(self, ref: Any, n: int | None = None, format: str = "json") -> dict | str:
        """One version's notebook: nbformat JSON (`json`, `ipynb`) or nbconvert's HTML (`html`, a str)."""
        artifact_id, number = _pinned(ref, n, "export_notebook")
        params = query(nb.VersionFormat, {"format": format})
        return self._send(Call("GET", api("notebooks", artifact_id, "versions", number), params=params,
                               reply=TEXT if format == "html" else None))

    def notebook_diff(self, ref: Any, from_: int | None = None, to: int | None = None,
                      ignore_outputs: bool | None = None) -> nb.NotebookDiff:
        """nbdime's diff of two versions of a notebook, with the base notebook and a cell summary."""
        params = query(nb.DiffQuery, present(from_=from_, to=to, ignore_outputs=ignore_outputs))
        return self._send(Call("GET", api("notebooks", ref, "diff"), params=params, reply=nb.NotebookDiff))

    def diff_notebook_copy(self, ref: Any, notebook: dict | None = None, **fields) -> nb.NotebookDiff:
        """nbdime's diff of a version (`from_`, default the latest) against an edited copy; stores nothing."""
        data = body(nb.DiffCopy, {**present(notebook=notebook), **fields})
        return self._send(Call("POST", api("notebooks", ref, "diff"), body=data, has_body=True,
                               reply=nb.NotebookDiff))

    def append_cell(self, notebook_id: Any, source: str | None = None, *, wait: bool = True,
                    **fields) -> nb.Appended | JobAccepted:
        """Append a cell as the notebook's next version. With `execute=True` it runs as a job that
        this call waits for (or, with `wait=False`, returns as accepted, to pass to `wait_job`)."""
        fields = {**present(source=source), **fields}
        route = api("notebooks", _head(notebook_id, fields), "cells")
        data = body(nb.AppendCell, fields)
        runs = bool(data.get("execute"))
        return self._send(Call("POST", route, body=data, has_body=True,
                               reply=nb.Appended, idempotency_key=data.get("idempotency_key"), job=runs,
                               wait=wait))

    def commit_notebook(self, notebook_id: Any, notebook: dict | None = None, **fields) -> b.Committed:
        """Record an edited notebook (or `path=`) as the next version; `parent_version=` makes it conditional."""
        fields = {**present(notebook=notebook), **fields}
        route = api("notebooks", _head(notebook_id, fields), "versions")
        return self._send(_write("POST", route, b.CommitNotebook, fields,
                                 b.Committed))

    def merge_notebook(self, notebook_id: Any, other: Any = None, **fields) -> b.Committed:
        """nbdime's three-way merge of `other` into the head; conflicts raise `MergeConflict`."""
        fields = {**present(other=None if other is None else ref_text(other)), **fields}
        return self._send(_write("POST", api("notebooks", _head(notebook_id, fields), "merge"), b.MergeRequest, fields,
                                 b.Committed))

    def preview_merge(self, notebook_id: Any, other: Any = None, **fields) -> b.MergeOutcome:
        """What merging `other` (or an edited `notebook=` made from `base=`) would give; stores nothing."""
        fields = {**present(other=None if other is None else ref_text(other)), **fields}
        data = body(b.MergePreviewRequest, fields)
        return self._send(Call("POST", api("notebooks", notebook_id, "merge-preview"), body=data, has_body=True,
                               reply=b.MergeOutcome))

    def split_notebook(self, notebook_id: Any, cells: list[int] | None = None, **fields) -> Version:
        """Version 1 of a new notebook holding the chosen cells of a version, in the order given."""
        fields = {**present(cells=cells), **fields}
        return self._send(_write("POST", api("notebooks", _head(notebook_id, fields, "from_"), "split"), b.SplitRequest, fields,
                                 Version))

    # -- replays ----------------------------------------------------------------------------

    def replay_version(self, notebook_id: Any, version_number: int | None = None, *, wait: bool = True,
                       wait_s: float | None = None, **fields) -> rp.Replay | rp.ReplayAccepted:
        """Replay one version (`NB-12@v3`, or an id and `version_number`): every code cell re-executed in a
        fresh kernel and the outputs judged. Waits for the verdict (at most `wait_s` seconds, else the client's
        `job_timeout`) and returns the replay, still `running` if it had not finished by then (`get_replay` it
        later); `wait=False` returns the 202 (`replay_id`, `href`). `timeout_s=`, `kernel_name=`, `agent_id=`."""
        artifact_id, number = _pinned(notebook_id, version_number, "replay_version")
        call = _write("POST", api("notebooks", artifact_id, "versions", number, "replay"), rp.StartReplay, fields,
                      rp.Replay)
        call.replay, call.wait, call.wait_s = True, wait, wait_s
        return self._send(call)

    def get_replay(self, replay_id: Any) -> rp.Replay:
        """A replay: `running` (with `progress`) or its verdict, per cell, with kernel and environment."""
        replay_id = getattr(replay_id, "replay_id", replay_id)
        return self._send(Call("GET", api("replays", replay_id), reply=rp.Replay))

    def _replays(self, ref: Any, n: int | None, **kw) -> Call:
        artifact_id, number = _pinned(ref, n, "list_replays")
        return Call("GET", api("notebooks", artifact_id, "versions", number, "replays"),
                    params=query(rp.ReplaysQuery, present(**kw)), reply=rp.ReplayPage)

    def list_replays(self, ref: Any, n: int | None = None, limit: int | None = None,
                     cursor: str | None = None) -> rp.ReplayPage:
        """One page of a version's replays, newest first."""
        return self._send(self._replays(ref, n, limit=limit, cursor=cursor))

    def iter_replays(self, ref: Any, n: int | None = None, limit: int | None = None):
        """Every replay of a version, newest first, across pages."""
        return self._iterate(lambda cursor: self._replays(ref, n, limit=limit, cursor=cursor))

    def latest_replays(self, notebook_id: Any) -> rp.LatestReplays:
        """The newest replay of each version of a notebook."""
        return self._send(Call("GET", api("notebooks", Ref(ref_text(notebook_id)).artifact_id, "replays"),
                               reply=rp.LatestReplays))

    def replay_diff(self, replay_id: Any) -> rp.ReplayDiff:
        """nbdime's diff of the version's stored notebook against the replayed one."""
        replay_id = getattr(replay_id, "replay_id", replay_id)
        return self._send(Call("GET", api("replays", replay_id, "diff"), reply=rp.ReplayDiff))

    # -- chambers ---------------------------------------------------------------------------

    def create_chamber(self, name: str | None = None, purpose: str | None = None, **fields) -> c.Chamber:
        """Open a chamber (`debate`, `experiment_design`, `persona_workspace`, `showcase_review`)."""
        fields = {**present(name=name, purpose=purpose), **fields}
        return self._send(_write("POST", api("chambers"), c.CreateChamber, fields, c.Chamber))

    def _chambers(self, **kw) -> Call:
        return Call("GET", api("chambers"), params=query(c.ListChambers, present(**kw)), reply=c.ChamberPage)

    def list_chambers(self, purpose: str | None = None, status: str | None = None, limit: int | None = None,
                      cursor: str | None = None) -> c.ChamberPage:
        return self._send(self._chambers(purpose=purpose, status=status, limit=limit, cursor=cursor))

    def iter_chambers(self, purpose: str | None = None, status: str | None = None, limit: int | None = None):
        return self._iterate(lambda cursor: self._chambers(purpose=purpose, status=status, limit=limit,
                                                           cursor=cursor))

    def get_chamber(self, chamber_id: str) -> c.Chamber:
        return self._send(Call("GET", api("chambers", chamber_id), reply=c.Chamber))

    def pull_into_chamber(self, chamber_id: str, entries: list) -> c.Chamber:
        """Pin exact versions, all or nothing: entries are refs (`"P-77@v1"`) or
        `{artifact_id, version_number?, role?}` (role default `reference`)."""
        data = body(c.PullRequest, as_entries(entries))
        return self._send(Call("POST", api("chambers", chamber_id, "pull"), body=data, has_body=True,
                               reply=c.Chamber))

    def close_chamber(self, chamber_id: str, result: dict | None = None, **fields) -> c.Chamber:
        """Close the chamber (optionally with a result artifact) and take its provenance hash."""
        fields = {**present(result=result), **fields}
        return self._send(_write("POST", api("chambers", chamber_id, "close"), c.CloseChamber, fields, c.Chamber))

    def persona_workspace(self, persona_id: Any, create: bool = True, **fields) -> c.Chamber:
        """Open (or return the open) workspace chamber of a persona; `create=False` only reads it."""
        route = api("personas", persona_id, "workspace")
        if not create:
            return self._send(Call("GET", route, reply=c.Chamber))
        return self._send(_write("POST", route, c.OpenWorkspace, fields, c.Chamber))

    # -- debates ----------------------------------------------------------------------------

    def open_debate(self, target_artifact_id: Any = None, topic: str | None = None, **fields) -> d.Session:
        """A debate pinned to its target's version (`X@vN`, or the latest), with a debate chamber;
        `pull=` lists what else it looks at (refs or pull entries)."""
        if "pull" in fields:
            fields["pull"] = as_entries(fields["pull"])
        target = None if target_artifact_id is None else ref_text(target_artifact_id)
        fields = {**present(target_artifact_id=target, topic=topic), **fields}
        return self._send(_write("POST", api("debates"), d.CreateDebate, fields, d.Session))

    def _debates(self, **kw) -> Call:
        return Call("GET", api("debates"), params=query(d.ListDebates, present(**kw)), reply=d.SessionPage)

    def list_debates(self, status: str | None = None, target: Any = None, limit: int | None = None,
                     cursor: str | None = None) -> d.SessionPage:
        target = None if target is None else ref_text(target)
        return self._send(self._debates(status=status, target=target, limit=limit, cursor=cursor))

    def iter_debates(self, status: str | None = None, target: Any = None, limit: int | None = None):
        target = None if target is None else ref_text(target)
        return self._iterate(lambda cursor: self._debates(status=status, target=target, limit=limit, cursor=cursor))

    def get_debate(self, session_id: str) -> d.Session:
        """A debate session with its rounds."""
        return self._send(Call("GET", api("debates", session_id), reply=d.Session))

    def post_round(self, session_id: str, content: str | None = None, **fields) -> d.Round:
        """A round by `actor_id` (a persona unless `actor_type=`); `X@vN` tokens in `prompt` and
        `content` cite versions; `evidence=` adds refs or entries."""
        if "evidence" in fields:
            fields["evidence"] = as_entries(fields["evidence"])
        fields = {**present(content=content), **fields}
        return self._send(_write("POST", api("debates", session_id, "rounds"), d.CreateRound, fields, d.Round))

    def close_debate(self, session_id: str, verdict: str | None = None, **fields) -> d.Session:
        """Close the debate and its chamber; the session then carries `chamber_provenance_hash`."""
        fields = {**present(verdict=verdict), **fields}
        return self._send(_write("POST", api("debates", session_id, "close"), d.CloseDebate, fields, d.Session))

    def debate_artifacts(self, session_id: str) -> d.DebateArtifacts:
        """Every version the debate pinned, pulled or cited, one entry per version."""
        return self._send(Call("GET", api("debates", session_id, "artifacts"), reply=d.DebateArtifacts))
