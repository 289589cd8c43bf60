"""Invariants under random operations (issue 12): a hypothesis state machine drives one real
server over REST and, after every step, checks the database and the API against API.md and
DESIGN.md ("Invariants the tests must hold").

Rules: create artifacts; new versions (with and without `parent_version`, stale or ahead);
tags (new, repeated, conflicting, `move`); lifecycle changes; links between versions (in
chambers too); notebook registration and cell appends (with and without `parent_version`,
new and repeated idempotency keys, in chambers, never executed: kernels are too slow here);
chambers (open, pull, close, pulls into closed ones); debates (open, rounds citing versions
as `X@vN` and bare pinned ids in their text, close, rounds after close); concurrent appends
(with one shared idempotency key too) and pulls racing a close; reads (versions, notebooks as
ipynb, diffs, lineage, chambers, debates). About one request in four is wrong on purpose in
one or two ways (unknown ids and versions, stale parents, bad ids, closed chambers, schema
errors), and a rule of its own sends malformed JSON and bodies nested deeper than 64 levels.

The machine models what it made (artifacts and their versions, tags, chambers and their pins,
debates, idempotency keys), so it knows the right answer to each request: a success with the
exact reply and rows it promises, or one of the refusals that apply. After every step, over
every row of the schema:

* per artifact: versions 1..N without gaps or duplicates, a linear parent chain, exactly one
  latest (the highest); a version never changes (lifecycle and tags aside), nor does a cell;
* every version's content_hash recomputes (API.md's formula) from its GET reply;
* every link has exactly one processing step; every step names existing versions; every
  version after the first has the step that made it; version_tag is the most recent tag;
* a closed chamber never changes and its provenance hash recomputes from its pins; every pin,
  session target and round reference carries the content_hash of the version it names, and
  a round's references are pinned in its debate's chamber; num_rounds counts the rounds;
* refused requests (4xx) change nothing (no row of any table written) and nothing answers 5xx;
  successful writes add exactly the rows they promise; a repeated idempotency key returns
  the first reply and changes nothing;
* the database agrees with the model (versions, hashes, lifecycles, tags, pins, open/closed).

Driving the async `api` fixture from hypothesis's synchronous machine: the test function is
synchronous, so pytest-jupyter calls it as it is, with its server on `jp_asyncio_loop` (not
running between calls). Each request is `jp_asyncio_loop.run_until_complete(api(...))`
(`asyncio.gather` for concurrent ones), which runs the loop, and so the server, for exactly
as long as the request takes. The machine class is made inside the test, bound to the fixtures.

One server and one schema serve every example of a run: a fresh schema per example would
need a fresh server (its pool is bound to the schema), and emptying the tables would fight
the triggers that keep closed chambers closed. Each example names its artifacts with a
prefix of its own instead (chambers and generated ids are unique anyway), so examples never
meet through ids, while the checks keep covering every row earlier examples left: the
server works on a database that is not empty, as it would in use.

Profiles: by default 40 examples of up to 30 steps (under a minute); JUPYTER_ARTIFACTS_STATE_MACHINE=long
runs 400 examples of up to 40 steps (about twenty minutes on two cores). JUPYTER_ARTIFACTS_STATE_MACHINE_REPORT=1
prints how often each route answered each status (run pytest with -s).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from branch_rules import BranchRules
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

MAX_DEPTH = 64  # API.md: bodies nested deeper than this are refused (jupyter_artifacts.json_limits)

PROFILES = {
    "default": {"max_examples": 40, "stateful_step_count": 30},
    "long": {"max_examples": 400, "stateful_step_count": 40},
}
PROFILE = os.environ.get("JUPYTER_ARTIFACTS_STATE_MACHINE", "default")

TABLES = ("artifacts", "artifact_tags", "artifact_links", "processing_steps", "notebooks", "notebook_cells",
          "notebook_append_requests", "notebook_snapshots", "chambers", "chamber_artifacts", "debate_sessions",
          "debate_rounds")
REASONS = {400: "invalid", 404: "not_found", 413: "too_large"}
UNKNOWN_UUID = "00000000-0000-4000-8000-00000000dead"
KINDS = ("hypothesis", "paper", "dataset", "persona")
TAGS = ("reviewed", "gold", "v-final", "x.1")
ROLES = ("input", "reference", "workbench")
LINK_TYPES = ("derives_from", "cites", "extends", "supports", "contradicts")
FILLERS = ("see", "and", "then", "ünïcödé", "🔗", "3.5", "x@v", "a@b.com", "e.g.", "--", "_", "@v2")
SEPARATORS = (" ", ", ", " (", ") ", "; ", " — ", " 🔗 ", "\n")


# -- what the API promises, written out independently of the server's code -----------------

def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


def expected_hash(version: dict) -> str:
    return sha256({k: version[k] for k in ("artifact_type", "title", "metadata", "content")})


def provenance(pins: list[dict]) -> str:
    entries = sorted(({k: p[k] for k in ("artifact_id", "version_number", "content_hash", "role")} for p in pins),
                     key=lambda e: (e["artifact_id"], e["version_number"]))
    return sha256(entries)


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: numbers compare as decimals (jsonb gives 1e20 back as
    100000000000000000000 and -0.0 as 0), so the server's normalisation is no difference."""
    def exact(x):
        return json.loads(json.dumps(x), parse_float=Decimal, parse_int=Decimal)
    return exact(a) == exact(b)


def row_id(artifact_id: str, n: int) -> str:
    return artifact_id if n == 1 else f"{artifact_id}@v{n}"


def nested_text(depth: int) -> str:
    """JSON text of `depth` containers (objects and lists, alternating) around 1."""
    opens = "".join('{"k": ' if i % 2 == 0 else "[" for i in range(depth))
    closes = "".join("}" if i % 2 == 0 else "]" for i in reversed(range(depth)))
    return opens + "1" + closes


def nested(depth: int) -> Any:
    return json.loads(nested_text(depth))


# -- strategies --------------------------------------------------------------------------

CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TEXT = st.text(CHARS, max_size=12)
TITLES = st.text(CHARS, min_size=1, max_size=16).filter(lambda t: t.strip())
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6)
METADATA = st.dictionaries(TEXT, JSON, max_size=2)


# -- the model -------------------------------------------------------------------------------

@dataclass
class Version:
    row_id: str
    title: str
    metadata: dict
    content: Any               # what GET returns as `content` (artifacts other than notebooks)
    cells: list | None         # notebooks: [(cell_type, source)] of this version
    content_hash: str
    lifecycle: str = "active"
    superseded_by: str | None = None


@dataclass
class Artifact:
    kind: str
    versions: list[Version] = field(default_factory=list)

    @property
    def latest(self) -> int:
        return len(self.versions)


@dataclass
class Chamber:
    purpose: str
    pins: dict = field(default_factory=dict)  # (artifact_id, n) -> role, in pinning order
    closed: bool = False
    owner: tuple | None = None
    debate: str | None = None


@dataclass
class Debate:
    chamber: str
    target: tuple
    rounds: set = field(default_factory=set)
    closed: bool = False


@dataclass
class Expect:
    """What a write may answer: `ok` statuses, or a refusal among `refuse` ((status, reason))."""

    ok: tuple = ()
    refuse: tuple = ()


class Failure(AssertionError):
    pass


class ArtifactsMachine(BranchRules, RuleBasedStateMachine):
    """The test binds it to its server in a subclass: `env` = (api, sql, loop, shared)."""

    env: tuple
    examples = itertools.count(1)

    def __init__(self):
        super().__init__()
        self.api, self.sql, self.loop, self.shared = self.env
        self.prefix = f"sm{next(self.examples)}x{uuid.uuid4().hex[:6]}-"
        self.names = itertools.count(1)
        self.artifacts: dict[str, Artifact] = {}
        self.tags: dict[tuple, int] = {}           # (artifact_id, tag) -> version number
        self.chambers: dict[str, Chamber] = {}
        self.debates: dict[str, Debate] = {}
        self.keys: dict[tuple, dict] = {}          # (notebook, idempotency_key) -> first reply (appends)
        self.key_bodies: dict[tuple, dict] = {}    # ... -> the body that first used it
        self.commit_keys: dict[tuple, tuple] = {}  # the same, of commits: (body, first reply, status)
        self.steps: list[tuple] = []               # ((aid, n), (aid, n), step_type) this example wrote
        self.log: list[str] = []
        self.before: dict | None = None
        self.failed = False
        # What earlier examples left broken (a failed one) is known: this example is judged on its own.
        self.shared["reported"].update((what, key) for what, key, _ in self.violations(verify=False))

    # -- plumbing ------------------------------------------------------------------------

    def fail(self, message: str):
        self.failed = True
        raise Failure(message + "\n-- requests of this example:\n" + "\n".join(self.log[-40:]))

    def check(self, condition, message):
        if not condition:
            self.fail(message() if callable(message) else message)

    def call(self, method: str, path: str, body: Any = None, *, raw: str | None = None, params=None):
        reply = self.loop.run_until_complete(self.api(method, path, body, params=params, raw=raw))
        shown = raw if raw is not None else json.dumps(body, ensure_ascii=False) if body is not None else ""
        self.log.append(f"{method} {path}{'?' + str(params) if params else ''} {shown[:300]} -> "
                        f"{reply.status} {reply.text[:200]}")
        self.count(method, path, reply)
        self.check(reply.status < 500, lambda: f"{method} {path} answered {reply.status}: {reply.text[:1000]}")
        return reply

    def call_together(self, requests: list[tuple]) -> list:
        """Send (method, path, body) requests concurrently; replies in the same order."""
        replies = self.loop.run_until_complete(asyncio.gather(*(self.api(m, p, b) for m, p, b in requests)))
        for (method, path, body), reply in zip(requests, replies):
            self.log.append(f"{method} {path} {json.dumps(body, ensure_ascii=False)[:300]} -> (together) "
                            f"{reply.status} {reply.text[:200]}")
            self.count(method, path, reply)
            self.check(reply.status < 500, f"{method} {path} answered {reply.status}: {reply.text[:1000]}")
        return replies

    def snapshot(self) -> dict:
        """Row counts per table, and a transaction id of its own: every row that is inserted or
        updated later (even to the same values) has a newer xmin, whoever writes it."""
        xid = self.sql("SELECT xid(pg_current_xact_id())::text AS x")[0]["x"]
        counts = self.sql(" UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in TABLES))
        return {"xid": xid, "counts": {r["t"]: r["n"] for r in counts}}

    def changes(self, before: dict) -> dict:
        """Per table, since `before`: (change of the row count, rows written)."""
        rows = self.sql(" UNION ALL ".join(
            f"SELECT '{t}' AS t, count(*) AS n, count(*) FILTER (WHERE age(x.xmin) < age(%(x)s::xid)) AS w "
            f"FROM {t} x" for t in TABLES), {"x": before["xid"]})
        return {r["t"]: (r["n"] - before["counts"][r["t"]], r["w"]) for r in rows}

    def check_unchanged(self, what: str):
        """Nothing was inserted, updated or deleted since the last write began."""
        changed = {t: c for t, c in self.changes(self.before).items() if c != (0, 0)}
        self.check(not changed, lambda: f"{what}, but changed (rows added, rows written) {changed}")

    def write(self, method: str, path: str, body: Any = None, *, expect: Expect, raw: str | None = None):
        """Send a write; a refusal must be one of `expect.refuse` and change nothing, a
        success one of `expect.ok`. `self.before` keeps the snapshot for `deltas()`."""
        self.before = self.snapshot()
        r = self.call(method, path, body, raw=raw)
        if r.status >= 400:
            reason = (r.json or {}).get("reason")
            self.check((r.status, reason) in expect.refuse,
                       lambda: f"{method} {path}: expected {expect}, got {r.status} {r.text[:500]}")
            self.check(isinstance((r.json or {}).get("message"), str), f"{method} {path}: error without a message")
            self.check_unchanged(f"{method} {path} was refused ({r.status})")
        else:
            self.check(r.status in expect.ok,
                       lambda: f"{method} {path}: expected {expect}, got {r.status} {r.text[:500]}")
        return r

    def count(self, method: str, path: str, reply):
        """For the coverage report: the route, the status and the reason of a refusal."""
        reason = reply.json.get("reason", "") if reply.status >= 400 and isinstance(reply.json, dict) else ""
        self.shared["seen"][(method, self.route(path), f"{reply.status} {reason}".strip())] += 1

    @staticmethod
    def route(path: str) -> str:
        """The route of a path, for the coverage report: ids replaced by `{}`."""
        keep = ("versions", "tags", "cells", "pull", "close", "rounds", "lineage", "diff", "artifacts", "fork", "merge",
                "split")
        return "/".join(p if i < 2 or p in keep else "{}" for i, p in enumerate(path.split("/")))

    def deltas(self, **expected: int):
        """The last write added exactly these rows (every other table: none)."""
        got = {t: added for t, (added, _) in self.changes(self.before).items()}
        want = {t: expected.get(t, 0) for t in TABLES}
        self.check(got == want, lambda: f"row counts changed by {got}, expected {want}")

    def new_id(self, tag: str) -> str:
        return f"{self.prefix}{tag}{next(self.names)}"

    def pick(self, data, items, label=None):
        return data.draw(st.sampled_from(list(items)), label=label)

    def pick_version(self, data) -> tuple[str, int]:
        aid = self.pick(data, self.artifacts)
        return aid, data.draw(st.integers(1, self.artifacts[aid].latest))

    def pick_chamber(self, data) -> str:
        """Mostly an open chamber (when there is one); closed ones too, to be refused."""
        open_ = [c for c, m in self.chambers.items() if not m.closed]
        closed_too = self.sometimes(data, "closed ones too?")
        return self.pick(data, open_ if open_ and not closed_too else self.chambers, "chamber")

    def pick_to_close(self, data, chambers) -> str:
        """A chamber to close: mostly not a debate's (closing a debate's chamber by the chambers
        route, which API.md allows, leaves the debate stuck: see close_debate), so debates live on."""
        plain = [c for c in chambers if self.chambers[c].debate is None]
        debates_too = self.rarely(data, "a debate's chamber too?")
        return self.pick(data, plain if plain and not debates_too else chambers, "chamber")

    def ref(self, data, aid: str, n: int) -> str:
        """A reference to version n: `X@vN`, or the bare id when n is the latest."""
        if n == self.artifacts[aid].latest and data.draw(st.booleans()):
            return aid
        return f"{aid}@v{n}"

    def version(self, aid: str, n: int) -> Version:
        return self.artifacts[aid].versions[n - 1]

    def notebooks(self):
        return [a for a, art in self.artifacts.items() if art.kind == "notebook"]

    def check_version_reply(self, v: dict, aid: str, n: int):
        """A version object (with content) against the model and API.md's hash formula."""
        mv = self.version(aid, n)
        self.check(v["ref"] == f"{aid}@v{n}" and v["artifact_id"] == aid and v["version_number"] == n
                   and v["id"] == mv.row_id, lambda: f"{aid}@v{n}: wrong identity {v}")
        self.check(v["parent_version_id"] == (None if n == 1 else self.version(aid, n - 1).row_id),
                   lambda: f"{aid}@v{n}: parent {v['parent_version_id']}")
        self.check(v["content_hash"] == expected_hash(v) == mv.content_hash,
                   lambda: f"{aid}@v{n}: content_hash {v['content_hash']} does not recompute "
                           f"({expected_hash(v)}) or moved from {mv.content_hash}")
        self.check(v["title"] == mv.title and same_json(v["metadata"], mv.metadata),
                   lambda: f"{aid}@v{n}: title/metadata {v['title']!r} {v['metadata']!r}, model {mv}")
        if mv.cells is None:
            self.check(same_json(v["content"], mv.content),
                       lambda: f"{aid}@v{n}: content {v['content']!r} != {mv.content!r}")
        else:
            cells = [(c["cell_type"], c["source"]) for c in v["content"]["cells"]]
            self.check(cells == mv.cells, lambda: f"{aid}@v{n}: cells {cells} != {mv.cells}")
            self.check(v["content"]["nbformat"] == 4 and v["content"]["nbformat_minor"] == 5
                       and "jupyter_artifacts" not in v["content"]["metadata"], f"{aid}@v{n}: not nbformat 4.5")
        self.check(v["lifecycle_state"] == mv.lifecycle and v["superseded_by"] == mv.superseded_by,
                   lambda: f"{aid}@v{n}: lifecycle {v['lifecycle_state']} {v['superseded_by']}, model {mv}")
        self.check(v["is_latest"] == (n == self.artifacts[aid].latest), f"{aid}@v{n}: is_latest {v['is_latest']}")
        tags = sorted(t for (a, t), holder in self.tags.items() if a == aid and holder == n)
        self.check(sorted(v["tags"]) == tags, lambda: f"{aid}@v{n}: tags {v['tags']}, model {tags}")

    @staticmethod
    def sometimes(data, label: str) -> bool:
        """True for about one draw in three or four (hypothesis's early examples stay near the
        smallest choices). The smallest choice is always the plain, right request: hypothesis
        starts from it and shrinks toward it, so a counterexample shows only what matters."""
        return data.draw(st.integers(0, 4), label=label) >= 3

    @staticmethod
    def rarely(data, label: str) -> bool:
        return data.draw(st.integers(0, 4), label=label) == 4

    def faults(self, data, possible) -> set:
        """Most requests are right; about one in four is wrong on purpose, in one way (or two)."""
        possible = list(possible)
        if not possible or not self.sometimes(data, "faulty?"):
            return set()

        chosen = {self.pick(data, possible, "fault")}
        if len(possible) > 1 and self.rarely(data, "second fault?"):
            chosen.add(self.pick(data, possible, "fault"))
        return chosen

    @staticmethod
    def expect(refuse: set, *ok: int) -> Expect:
        """Refused with one of `refuse` when any applies, otherwise one of `ok`."""
        return Expect(refuse=tuple(refuse)) if refuse else Expect(ok=ok)

    # -- every example starts with a little of everything ------------------------------------

    @initialize(data=st.data())
    def seed(self, data):
        for _ in range(data.draw(st.integers(1, 3), label="seed artifacts")):
            self.do_create_artifact(data, set())
        self.do_register_notebook(data, set())
        self.do_open_chamber(data, set())
        self.do_open_debate(data, set())

    # -- artifacts -------------------------------------------------------------------------

    @rule(data=st.data())
    def create_artifact(self, data):
        self.do_create_artifact(data, self.faults(data, ["duplicate", "notebook_type"]))

    def do_create_artifact(self, data, faults):
        kind = self.pick(data, KINDS, "kind")
        body: dict = {"artifact_type": kind, "title": data.draw(TITLES, label="title")}
        content = self.pick(data, ["json"] * 4 + ["none", "deepest"], "content")
        if content == "json":
            body["content"] = data.draw(JSON, label="content")
        elif content == "deepest":
            body["content"] = nested(MAX_DEPTH - 1)  # the body is then exactly MAX_DEPTH deep: accepted
        if data.draw(st.booleans(), label="metadata?"):
            body["metadata"] = data.draw(METADATA, label="metadata")
        if data.draw(st.booleans(), label="agent?"):
            body["agent_id"] = "agent-7"
        if not self.rarely(data, "generated id?"):
            body["id"] = self.new_id(kind[0])
        refuse = set()
        if "duplicate" in faults:
            body["id"] = self.pick(data, self.artifacts, "duplicate of")
            refuse.add((409, "conflict"))
        if "notebook_type" in faults:
            body["artifact_type"] = "notebook"  # notebooks are registered with POST /api/notebooks
            refuse.add((400, "invalid"))
        r = self.write("POST", "api/artifacts", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        self.deltas(artifacts=1)
        v = r.json
        aid = v["artifact_id"]
        self.check(aid == body.get("id", aid) and (aid in body.values() or aid.startswith(f"{kind}-")),
                   f"created {aid} for {body.get('id')}")
        self.check(aid not in self.artifacts, f"{aid} created twice")
        self.check(body["title"] == v["title"] and same_json(body.get("metadata", {}), v["metadata"])
                   and same_json(body.get("content"), v["content"]), lambda: f"create returned {v}")
        self.artifacts[aid] = Artifact(kind, [Version(aid, v["title"], v["metadata"], v["content"], None,
                                                      v["content_hash"])])
        self.check_version_reply(v, aid, 1)

    @rule(data=st.data())
    def new_version(self, data):
        aid = self.pick(data, self.artifacts, "artifact")
        art = self.artifacts[aid]
        parent = self.version(aid, art.latest)
        faults = self.faults(data, ["stale", "ahead", "pinned_path", "unknown"]
                             + (["notebook_content"] if art.kind == "notebook" else []))
        if "stale" in faults and art.latest == 1:
            faults.add("ahead")  # no version before the latest: a parent ahead of it is stale too
        body: dict = {}
        if data.draw(st.booleans(), label="title?"):
            body["title"] = data.draw(TITLES, label="title")
        if data.draw(st.booleans(), label="metadata?"):
            body["metadata"] = data.draw(METADATA, label="metadata")
        if art.kind != "notebook" and data.draw(st.booleans(), label="content?") or "notebook_content" in faults:
            body["content"] = data.draw(JSON, label="content")
        if data.draw(st.booleans(), label="changelog?"):
            body["changelog"] = data.draw(TEXT, label="changelog")
        if data.draw(st.booleans(), label="parent_version?"):
            body["parent_version"] = art.latest
        refuse = set()
        if "stale" in faults and art.latest > 1:
            body["parent_version"] = data.draw(st.integers(1, art.latest - 1), label="stale parent")
            refuse.add((409, "stale_parent"))
        if "ahead" in faults:
            body["parent_version"] = art.latest + data.draw(st.integers(1, 3), label="parent ahead")
            refuse.add((409, "stale_parent"))
        if "notebook_content" in faults:
            refuse.add((400, "invalid"))  # a notebook's cells change by cell append only
        target = aid
        if "unknown" in faults:
            target = self.new_id("ghost")
            refuse = {(404, "not_found")}
        if "pinned_path" in faults:
            target = f"{target}@v{art.latest}"
            refuse = {(400, "invalid")}  # write paths take a bare id, whatever else is wrong
        r = self.write("POST", f"api/artifacts/{target}/versions", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        self.deltas(artifacts=1, processing_steps=1)
        n = art.latest + 1
        self.record((aid, n - 1), (aid, n), "derive")
        art.versions.append(Version(
            row_id(aid, n), body.get("title", parent.title), body.get("metadata", parent.metadata),
            body.get("content", parent.content), parent.cells, r.json["content_hash"]))
        self.check_version_reply(r.json, aid, n)

    @rule(data=st.data())
    def tag(self, data):
        aid, n = self.pick_version(data)
        faults = self.faults(data, ["bad_tag", "unknown_version", "pinned_path"])
        tag = self.pick(data, TAGS, "tag")
        move = data.draw(st.booleans(), label="move?")
        body = {"tag": "bad tag" if "bad_tag" in faults else tag, **({"move": True} if move else {})}
        number = self.artifacts[aid].latest + 1 if "unknown_version" in faults else n
        target = f"{aid}@v1" if "pinned_path" in faults else aid
        holder = self.tags.get((aid, tag))
        refuse = ({(400, "invalid")} if {"bad_tag", "pinned_path"} & faults else set()) \
            | ({(404, "not_found")} if "unknown_version" in faults else set())
        if refuse or holder is None or holder == n or move:
            expect = self.expect(refuse, 201 if holder is None else 200)
        else:
            expect = Expect(refuse=((409, "conflict"),))  # another version holds it: only with move
        r = self.write("POST", f"api/artifacts/{target}/versions/{number}/tags", body, expect=expect)
        if r.status >= 400:
            return
        self.deltas(artifact_tags=1 if holder is None else 0)
        self.tags[(aid, tag)] = n
        self.check_version_reply(r.json, aid, n)
        if holder != n:  # created or moved now: the version's most recent tag (re-tagging changes nothing)
            self.check(r.json["version_tag"] == tag,
                       lambda: f"version_tag {r.json['version_tag']} after tagging {tag}")

    @rule(data=st.data())
    def lifecycle(self, data):
        aid, n = self.pick_version(data)
        state = self.pick(data, ["active", "deprecated", "superseded", "retracted"], "state")
        faults = self.faults(data, ["self", "unknown_successor", "successor_elsewhere", "unknown_version",
                                    "bad_state", "content"])
        body: dict = {"lifecycle_state": state}
        successor = None
        if state == "superseded" and data.draw(st.booleans(), label="successor?"):
            successor = self.pick_version(data)
            if successor == (aid, n):
                successor = None  # a version cannot supersede itself: a fault below
            else:
                body["superseded_by"] = self.ref(data, *successor)
        refuse = set()
        if "self" in faults:
            body |= {"lifecycle_state": "superseded", "superseded_by": f"{aid}@v{n}"}
            refuse.add((400, "invalid"))
        if "unknown_successor" in faults:
            body |= {"lifecycle_state": "superseded",
                     "superseded_by": f"{aid}@v{self.artifacts[aid].latest + 2}"}
            refuse.add((404, "not_found"))
        if "successor_elsewhere" in faults:
            body |= {"lifecycle_state": self.pick(data, ["active", "deprecated", "retracted"], "state"),
                     "superseded_by": f"{aid}@v1"}
            refuse.add((400, "invalid"))  # superseded_by goes with `superseded` only
        if "bad_state" in faults:
            body["lifecycle_state"] = "lost"
            refuse.add((400, "invalid"))
        if "content" in faults:
            body["content"] = {"x": 1}  # versions are immutable: refused, not ignored
            refuse.add((400, "invalid"))
        number = n
        if "unknown_version" in faults:
            number = self.artifacts[aid].latest + 1
            refuse.add((404, "not_found"))
        r = self.write("PATCH", f"api/artifacts/{aid}/versions/{number}", body, expect=self.expect(refuse, 200))
        if r.status != 200:
            return
        self.deltas()
        mv = self.version(aid, n)
        mv.lifecycle = state
        mv.superseded_by = row_id(*successor) if successor else None
        self.check_version_reply(r.json, aid, n)
        self.check((r.json["deprecated_at"] is None) == (state == "active"),
                   lambda: f"deprecated_at {r.json['deprecated_at']} in state {state}")

    @rule(data=st.data())
    def link(self, data):
        src, tgt = self.pick_version(data), self.pick_version(data)
        faults = self.faults(data, ["same_version", "unknown_version", "unknown_artifact", "bad_ref", "bad_type",
                                    "unknown_chamber", "malformed_chamber"])
        if src == tgt and "same_version" not in faults:
            return
        body: dict = {"source": self.ref(data, *src), "target": self.ref(data, *tgt),
                      "link_type": self.pick(data, LINK_TYPES, "link_type")}
        if data.draw(st.booleans(), label="strength?"):
            body["strength"] = data.draw(st.floats(0, 1), label="strength")
        if data.draw(st.booleans(), label="details?"):
            body |= {"agent_id": "linker", "method": "m", "evidence": data.draw(TEXT, label="evidence"),
                     "parameters": data.draw(METADATA, label="parameters")}
        closed_chamber = False
        if self.chambers and self.sometimes(data, "chamber?"):
            body["chamber_id"] = self.pick_chamber(data)
            closed_chamber = self.chambers[body["chamber_id"]].closed
        refuse = set()
        if "same_version" in faults:
            body["target"] = f"{src[0]}@v{src[1]}"
            refuse.add((400, "invalid"))
        if "unknown_version" in faults:
            body["target"] = f"{tgt[0]}@v{self.artifacts[tgt[0]].latest + 1}"
            refuse.add((404, "not_found"))
        if "unknown_artifact" in faults:
            body["source"] = self.new_id("ghost")
            refuse.add((404, "not_found"))
        if "bad_ref" in faults:
            body["source"] = "../" + src[0]
            refuse.add((400, "invalid"))
        if "bad_type" in faults:
            body["link_type"] = "likes"
            refuse.add((400, "invalid"))
        if "unknown_chamber" in faults:
            body["chamber_id"] = UNKNOWN_UUID  # API.md: an unknown id anywhere in a request -> 404
            refuse.add((404, "not_found"))
        if "malformed_chamber" in faults:
            body["chamber_id"] = "-" * 36
            refuse.add((400, "invalid"))
        if refuse:
            expect = Expect(refuse=tuple(refuse))
        elif closed_chamber:
            # API.md does not say whether a step may name a closed chamber: either answer (the
            # chamber itself must not change: checked after every step).
            expect = Expect(ok=(201,), refuse=((409, "closed"),))
        else:
            expect = Expect(ok=(201,))
        r = self.write("POST", "api/artifact-links", body, expect=expect)
        if r.status != 201:
            return
        self.deltas(artifact_links=1, processing_steps=1)
        # The link's target is its step's input (API.md's mapping of a link to a step).
        same = src[0] == tgt[0]
        self.record(tgt, src, "fork" if same else "derive" if body["link_type"] in ("derives_from", "extends")
                    else "cite")
        link = r.json
        self.check(link["source"] == f"{src[0]}@v{src[1]}" and link["target"] == f"{tgt[0]}@v{tgt[1]}"
                   and link["source_id"] == row_id(*src) and link["target_id"] == row_id(*tgt)
                   and link["processing_step_id"], lambda: f"link {link} for {src} -> {tgt}")
        if "strength" in body:  # stored as REAL: float4's precision, and 0 below its smallest normal value
            self.check(abs(link["strength"] - body["strength"]) <= 1e-6,
                       lambda: f"link strength {link['strength']} for {body['strength']}")

    # -- notebooks ---------------------------------------------------------------------------

    @rule(data=st.data())
    def register_notebook(self, data):
        self.do_register_notebook(data, self.faults(data, ["duplicate", "invalid_nbformat", "two_sources"]))

    def do_register_notebook(self, data, faults):
        cells = data.draw(st.lists(st.tuples(st.sampled_from(["code", "markdown", "raw"]), TEXT), max_size=3),
                          label="cells")
        minor = self.pick(data, [4, 5], "nbformat_minor")
        nb_cells = []
        for i, (cell_type, source) in enumerate(cells):
            lines = data.draw(st.booleans(), label="source as lines?")
            cell: dict = {"cell_type": cell_type, "metadata": {},
                          "source": source.splitlines(keepends=True) if lines else source}
            if cell_type == "code":
                cell |= {"outputs": [], "execution_count": None}
            if minor == 5:
                cell["id"] = f"cell-{i}"
            nb_cells.append(cell)
        nb = {"nbformat": 4, "nbformat_minor": minor, "cells": nb_cells,
              "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
        body: dict = {"notebook": nb}
        if data.draw(st.booleans(), label="title?"):
            body["title"] = data.draw(TITLES, label="title")
        if not self.rarely(data, "generated id?"):
            body["id"] = self.new_id("nb")
        refuse = set()
        if "duplicate" in faults:
            body["id"] = self.pick(data, self.artifacts, "duplicate of")
            refuse.add((409, "conflict"))
        if "invalid_nbformat" in faults:
            nb["cells"] = self.pick(data, ["nope", [{"cell_type": "code"}]], "bad cells")
            refuse.add((400, "invalid"))
        if "two_sources" in faults:
            body["path"] = "x.ipynb"
            refuse.add((400, "invalid"))
        r = self.write("POST", "api/notebooks", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        self.deltas(artifacts=1, notebooks=1, notebook_cells=len(cells))
        reg = r.json
        aid = reg["notebook_id"]
        self.check(reg["version_number"] == 1 and reg["cell_count"] == len(cells) and aid not in self.artifacts
                   and aid == body.get("id", aid) and (aid in body.values() or aid.startswith("notebook-")),
                   lambda: f"registered {reg}")
        got = self.call("GET", f"api/artifacts/{aid}")
        self.check(got.status == 200, f"GET {aid} after registering: {got.status}")
        self.artifacts[aid] = Artifact("notebook", [Version(aid, body.get("title", aid), {}, None, cells,
                                                            reg["content_hash"])])
        self.check_version_reply(got.json, aid, 1)

    @precondition(lambda self: self.notebooks())
    @rule(data=st.data())
    def append_cell(self, data):
        aid = self.pick(data, self.notebooks(), "notebook")
        art = self.artifacts[aid]
        mine = [k for (a, k) in self.keys if a == aid]
        faults = self.faults(data, ["stale", "ahead", "unknown_chamber", "pinned_path", "not_a_notebook",
                                    "bad_cell_type", "too_large"])
        if "stale" in faults and art.latest == 1:
            faults.add("ahead")
        cell_type = self.pick(data, ["code", "markdown", "raw"], "cell_type")
        body: dict = {"source": data.draw(TEXT, label="source"), "cell_type": cell_type}
        if data.draw(st.booleans(), label="details?"):
            body |= {"agent_id": "ed-lein", "method": "m", "parameters": data.draw(METADATA, label="parameters"),
                     "rationale": data.draw(TEXT, label="rationale")}
        if data.draw(st.booleans(), label="parent_version?"):
            body["parent_version"] = art.latest
        chamber = None
        if self.chambers and self.sometimes(data, "chamber?"):
            chamber = body["chamber_id"] = self.pick_chamber(data)
        key_mode = self.pick(data, ["none", "none", "new"] + (["repeat", "repeat"] if mine else []), "key")
        if key_mode == "new":
            body["idempotency_key"] = uuid.uuid4().hex
        elif key_mode == "repeat":
            key = self.pick(data, mine, "repeated key")
            first = self.key_bodies[(aid, key)]
            if data.draw(st.booleans(), label="same body?"):
                # API.md: the same key and body return the first result and create nothing.
                r = self.write("POST", f"api/notebooks/{aid}/cells", first, expect=Expect(ok=(200, 201)))
                self.check_unchanged("a repeated idempotency key")
                self.check(r.json == self.keys[(aid, key)],
                           lambda: f"a repeated idempotency key answered {r.json}, first {self.keys[(aid, key)]}")
            else:
                # ... and the same key with another body is refused, changing nothing.
                other = {**body, "idempotency_key": key}
                if other == first:
                    other["source"] = first["source"] + "#"
                self.write("POST", f"api/notebooks/{aid}/cells", other,
                           expect=Expect(refuse=((422, "idempotency_mismatch"),)))
            return
        refuse = set()
        if chamber and self.chambers[chamber].closed:
            refuse.add((409, "closed"))
        if "stale" in faults and art.latest > 1:
            body["parent_version"] = data.draw(st.integers(1, art.latest - 1), label="stale parent")
            refuse.add((409, "stale_parent"))
        if "ahead" in faults:
            body["parent_version"] = art.latest + 1
            refuse.add((409, "stale_parent"))
        if "unknown_chamber" in faults:
            chamber = body["chamber_id"] = UNKNOWN_UUID
            refuse.discard((409, "closed"))
            refuse.add((404, "not_found"))
        target = aid
        # Refused before the key is looked at: the request itself is wrong.
        early = set()
        if "pinned_path" in faults:
            target = f"{aid}@v{art.latest}"
            early.add((400, "invalid"))
        if "bad_cell_type" in faults:
            body["cell_type"] = "heading"
            early.add((400, "invalid"))
        if "too_large" in faults:
            body["source"] = "x" * (1024 * 1024 + 1)
            early.add((413, "too_large"))
        if "not_a_notebook" in faults and len(self.notebooks()) < len(self.artifacts):
            target = self.pick(data, [a for a, x in self.artifacts.items() if x.kind != "notebook"], "not a notebook")
            early.add((404, "not_found"))
        if early:
            self.write("POST", f"api/notebooks/{target}/cells", body, expect=Expect(refuse=tuple(early)))
            return
        r = self.write("POST", f"api/notebooks/{target}/cells", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        self.deltas(artifacts=1, notebook_cells=1, artifact_links=1, processing_steps=1,
                    notebook_append_requests=1 if "idempotency_key" in body else 0,
                    chamber_artifacts=1 if chamber else 0)
        a = r.json
        n = art.latest + 1
        parent = self.version(aid, art.latest)
        self.check(a["notebook_id"] == aid and a["version_number"] == n and a["new_artifact_id"] == row_id(aid, n)
                   and a["parent_artifact_id"] == parent.row_id and a["cell_index"] == len(parent.cells)
                   and a["cell_type"] == cell_type and a["execution"] == {"status": "not_requested"}
                   and a["processing_step_id"], lambda: f"append replied {a}")
        art.versions.append(Version(row_id(aid, n), parent.title, parent.metadata, None,
                                    parent.cells + [(cell_type, body["source"])], a["content_hash"]))
        self.record((aid, n - 1), (aid, n), "cell_append")
        if chamber:
            self.chambers[chamber].pins.setdefault((aid, n), "workbench")
        if "idempotency_key" in body:
            self.keys[(aid, body["idempotency_key"])] = a
            self.key_bodies[(aid, body["idempotency_key"])] = body

    # -- chambers ----------------------------------------------------------------------------

    @rule(data=st.data())
    def open_chamber(self, data):
        self.do_open_chamber(data, self.faults(data, ["bad_purpose", "half_owner", "blank_name"]))

    def do_open_chamber(self, data, faults):
        purpose = self.pick(data, ["debate", "experiment_design", "showcase_review", "persona_workspace"], "purpose")
        body: dict = {"name": data.draw(TITLES, label="name"), "purpose": purpose}
        owner = None
        if purpose == "persona_workspace" or data.draw(st.booleans(), label="owner?"):
            owner = ("persona", self.prefix + self.pick(data, ["ada", "bob"], "owner"))
            body |= {"owner_actor_type": owner[0], "owner_actor_id": owner[1]}
        refuse = set()
        if purpose == "persona_workspace" and any(c.owner == owner and c.purpose == purpose and not c.closed
                                                  for c in self.chambers.values()):
            refuse.add((409, "conflict"))  # one open workspace per owner
        if "bad_purpose" in faults:
            body["purpose"] = "party"
            refuse = {(400, "invalid")}
        if "half_owner" in faults:
            body.pop("owner_actor_id", None)
            body["owner_actor_type"] = "agent"
            refuse = {(400, "invalid")}
        if "blank_name" in faults:
            body["name"] = ""
            refuse = {(400, "invalid")}
        r = self.write("POST", "api/chambers", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        self.deltas(chambers=1)
        c = r.json
        self.check(c["artifacts"] == [] and c["closed_at"] is None and c["provenance_hash"] is None
                   and c["purpose"] == purpose, lambda: f"new chamber {c}")
        self.chambers[c["id"]] = Chamber(purpose, owner=owner)

    def pull_entries(self, data) -> tuple[list, list]:
        """Entries for a pull (or a debate's `pull`) and the pins they make: [(aid, n, role)]."""
        entries, pins = [], []
        for _ in range(data.draw(st.integers(1, 3), label="entries")):
            aid, n = self.pick_version(data)
            form = self.pick(data, ["ref", "number", "bare"], "entry form")
            if form == "number":
                entry = {"artifact_id": aid, "version_number": n}
            elif form == "bare":
                n = self.artifacts[aid].latest
                entry = {"artifact_id": aid}
            else:
                entry = {"artifact_id": f"{aid}@v{n}"}
            role = "reference"
            if data.draw(st.booleans(), label="role?"):
                role = entry["role"] = self.pick(data, ROLES, "role")
            entries.append(entry)
            pins.append((aid, n, role))
        return entries, pins

    def bad_entry(self, data, kind: str) -> tuple[dict, tuple]:
        aid = self.pick(data, self.artifacts, "artifact")
        latest = self.artifacts[aid].latest
        return {
            "unknown": ({"artifact_id": self.new_id("ghost")}, (404, "not_found")),
            "unknown_version": ({"artifact_id": f"{aid}@v{latest + 4}"}, (404, "not_found")),
            "mismatch": ({"artifact_id": f"{aid}@v1", "version_number": latest + 1}, (400, "invalid")),
            "bad_ref": ({"artifact_id": f"../{aid}"}, (400, "invalid")),
            "bad_role": ({"artifact_id": aid, "role": "owner"}, (400, "invalid")),
        }[kind]

    def check_chamber_reply(self, c: dict, cid: str):
        model = self.chambers[cid]
        got = {(p["artifact_id"], p["version_number"]): p["role"] for p in c["artifacts"]}
        self.check(got == model.pins, lambda: f"chamber {cid} pins {got}, model {model.pins}")
        for p in c["artifacts"]:
            self.check(p["content_hash"] == self.version(p["artifact_id"], p["version_number"]).content_hash,
                       lambda p=p: f"pin {p} carries another hash than its version")
        self.check((c["closed_at"] is not None) == model.closed, f"chamber {cid}: closed_at {c['closed_at']}")
        if model.closed:
            self.check(c["provenance_hash"] == provenance(c["artifacts"]),
                       lambda: f"chamber {cid}: provenance_hash {c['provenance_hash']} does not recompute")
        else:
            self.check(c["provenance_hash"] is None, f"open chamber {cid} has a provenance hash")

    @precondition(lambda self: self.chambers)
    @rule(data=st.data())
    def pull(self, data):
        cid = self.pick_chamber(data)
        faults = self.faults(data, ["unknown", "unknown_version", "mismatch", "bad_ref", "bad_role",
                                    "unknown_chamber", "malformed_chamber", "empty"])
        entries, pins = self.pull_entries(data)
        refuse = set()
        if self.chambers[cid].closed:
            refuse.add((409, "closed"))
        for kind in faults & {"unknown", "unknown_version", "mismatch", "bad_ref", "bad_role"}:
            entry, refusal = self.bad_entry(data, kind)  # one bad entry: nothing is pinned
            entries.insert(data.draw(st.integers(0, len(entries)), label="at"), entry)
            refuse.add(refusal)
        if "empty" in faults:
            entries = []
            refuse = {(400, "invalid")}
        if "unknown_chamber" in faults:
            cid = UNKNOWN_UUID
            refuse = {r for r in refuse if r[0] == 400} | {(404, "not_found")}
        if "malformed_chamber" in faults:
            cid = "not-a-uuid"
            refuse = {r for r in refuse if r[0] == 400} | {(400, "invalid")}
        r = self.write("POST", f"api/chambers/{cid}/pull", entries, expect=self.expect(refuse, 200))
        if r.status != 200:
            return
        model = self.chambers[cid]
        added = 0
        for aid, n, role in pins:
            if (aid, n) not in model.pins:  # pinned once; its first role stays
                model.pins[(aid, n)] = role
                added += 1
        self.deltas(chamber_artifacts=added)
        self.check_chamber_reply(r.json, cid)

    @precondition(lambda self: self.chambers)
    @rule(data=st.data())
    def close_chamber(self, data):
        cid = self.pick_to_close(data, self.chambers)
        faults = self.faults(data, ["unknown_chamber", "malformed_chamber", "notebook_result"])
        body: dict = {}
        if data.draw(st.booleans(), label="result?"):
            body["result"] = {"artifact_type": "analysis", "title": data.draw(TITLES, label="title"),
                              "content": data.draw(JSON, label="content")}
        refuse = set()
        if self.chambers[cid].closed:
            refuse.add((409, "closed"))
        if "notebook_result" in faults:
            body["result"] = {"artifact_type": "notebook", "title": "nb"}
            refuse.add((400, "invalid"))
        if "unknown_chamber" in faults:
            cid = UNKNOWN_UUID
            refuse = {r for r in refuse if r[0] == 400} | {(404, "not_found")}
        if "malformed_chamber" in faults:
            cid = "not-a-uuid"
            refuse = {(400, "invalid")}
        r = self.write("POST", f"api/chambers/{cid}/close", body, expect=self.expect(refuse, 200))
        if r.status != 200:
            return
        c = r.json
        model = self.chambers[cid]
        model.closed = True
        if "result" in body:
            self.deltas(artifacts=1, chamber_artifacts=1)
            res = c["result_artifact_id"]
            self.check(res and res.startswith("analysis-") and res not in self.artifacts, f"result {res}")
            got = self.call("GET", f"api/artifacts/{res}")
            self.check(got.status == 200, f"GET the result {res}: {got.status}")
            v = got.json
            self.check(same_json(v["content"], body["result"]["content"]) and v["title"] == body["result"]["title"],
                       lambda: f"result {v}")
            self.artifacts[res] = Artifact("analysis", [Version(res, v["title"], v["metadata"], v["content"], None,
                                                                 v["content_hash"])])
            self.check_version_reply(v, res, 1)
            model.pins[(res, 1)] = "workbench"  # created and pinned before the hash is taken
        else:
            self.deltas()
            self.check(c["result_artifact_id"] is None, f"result {c['result_artifact_id']} without a result")
        self.check_chamber_reply(c, cid)

    @precondition(lambda self: self.chambers)
    @rule(data=st.data())
    def read_chamber(self, data):
        cid = self.pick(data, self.chambers, "chamber")
        r = self.call("GET", f"api/chambers/{cid}")
        self.check(r.status == 200, f"GET chamber {cid}: {r.status}")
        self.check_chamber_reply(r.json, cid)

    # -- debates -----------------------------------------------------------------------------

    @rule(data=st.data())
    def open_debate(self, data):
        self.do_open_debate(data, self.faults(data, ["unknown_target", "unknown_version", "blank_topic",
                                                     "duplicate_id", "unknown_pull", "bad_pull"]))

    def do_open_debate(self, data, faults):
        aid, n = self.pick_version(data)
        body: dict = {"target_artifact_id": self.ref(data, aid, n), "topic": data.draw(TITLES, label="topic")}
        pins = []
        if data.draw(st.booleans(), label="pull?"):
            body["pull"], pins = self.pull_entries(data)
        if data.draw(st.booleans(), label="id?"):
            body["id"] = self.new_id("deb")
        if data.draw(st.booleans(), label="debate_type?"):
            body["debate_type"] = "review"
        refuse = set()
        if "unknown_target" in faults:
            body["target_artifact_id"] = self.new_id("ghost")
            refuse.add((404, "not_found"))
        if "unknown_version" in faults:
            body["target_artifact_id"] = f"{aid}@v{self.artifacts[aid].latest + 1}"
            refuse.add((404, "not_found"))
        if "blank_topic" in faults:
            body["topic"] = ""
            refuse.add((400, "invalid"))
        if "duplicate_id" in faults and self.debates:
            body["id"] = self.pick(data, self.debates, "duplicate of")
            refuse.add((409, "conflict"))
        for kind in faults & {"unknown_pull", "bad_pull"}:
            entry, refusal = self.bad_entry(data, "unknown" if kind == "unknown_pull" else "bad_role")
            body.setdefault("pull", []).append(entry)
            refuse.add(refusal)
        r = self.write("POST", "api/debates", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        s = r.json
        self.check(s["target_artifact_id"] == aid and s["target_artifact_version"] == n
                   and s["target_content_hash"] == self.version(aid, n).content_hash and s["closed_at"] is None
                   and s["num_rounds"] == 0 and s["id"] == body.get("id", s["id"]),
                   lambda: f"debate {s} on {aid}@v{n}")
        chamber = Chamber("debate", debate=s["id"])
        chamber.pins[(aid, n)] = "input"
        for p_aid, p_n, role in pins:
            chamber.pins.setdefault((p_aid, p_n), role)
        self.deltas(debate_sessions=1, chambers=1, chamber_artifacts=len(chamber.pins))
        self.chambers[s["chamber_id"]] = chamber
        self.debates[s["id"]] = Debate(s["chamber_id"], (aid, n))
        c = self.call("GET", f"api/chambers/{s['chamber_id']}").json
        self.check(c["purpose"] == "debate" and c["parent_session_id"] == s["id"], lambda: f"debate chamber {c}")
        self.check_chamber_reply(c, s["chamber_id"])

    def round_text(self, data, pinned_before: dict) -> tuple[str, list]:
        """A text citing versions, and the references API.md makes of it: [(aid, n, offset)]."""
        # Offsets count characters, not bytes: text before a citation is often not ASCII.
        text, refs = self.pick(data, ["", "", "🔗 ", "ünïcödé: ", "— "], "lead-in"), []
        for i in range(data.draw(st.integers(0, 5), label="pieces")):
            if i:
                text += self.pick(data, SEPARATORS, "separator")
            kind = self.pick(data, ["version", "version", "bare", "missing", "zero", "leading_zero", "filler",
                                    "ghost"], "piece")
            if kind == "filler":
                text += self.pick(data, FILLERS, "filler")
                continue
            if kind == "ghost":
                text += self.new_id("ghost") + "@v1"
                continue
            aid, n = self.pick_version(data)
            start = len(text)  # in characters (code points), not bytes
            if kind == "version":
                text += f"{aid}@v{n}"
                refs.append((aid, n, start))
            elif kind == "leading_zero":
                text += f"{aid}@v0{n}"
                refs.append((aid, n, start))
            elif kind == "bare":
                text += aid
                pinned = [m for (a, m) in pinned_before if a == aid]
                if pinned:
                    refs.append((aid, max(pinned), start))  # the pinned version (the highest pinned)
            elif kind == "missing":
                text += f"{aid}@v{self.artifacts[aid].latest + 5}"  # no such version: ignored
            else:
                text += f"{aid}@v0"
            text += self.pick(data, ["", "", ".", ":", "-", ".:-"], "trailing")  # dropped from the token
        return text, refs

    @precondition(lambda self: self.debates)
    @rule(data=st.data())
    def debate_round(self, data):
        sid = self.pick(data, self.debates, "debate")
        debate = self.debates[sid]
        chamber = self.chambers[debate.chamber]
        faults = self.faults(data, ["unknown_debate", "bad_id", "duplicate_round", "unknown_evidence",
                                    "no_actor", "bad_actor_type"])
        prompt, prompt_refs = self.round_text(data, dict(chamber.pins))
        content, content_refs = self.round_text(data, dict(chamber.pins))
        body: dict = {"actor_id": self.prefix + self.pick(data, ["ada", "bob"], "actor"), "content": content}
        if prompt or data.draw(st.booleans(), label="prompt?"):
            body["prompt"] = prompt
        if data.draw(st.booleans(), label="actor_type?"):
            body["actor_type"] = self.pick(data, ["agent", "persona", "user"], "actor_type")
        evidence = []
        for _ in range(data.draw(st.integers(0, 2), label="evidence")):
            aid, n = self.pick_version(data)
            if data.draw(st.booleans(), label="evidence version?"):
                body.setdefault("evidence", []).append({"artifact_id": aid, "version_number": n})
            else:
                n = self.artifacts[aid].latest
                body.setdefault("evidence", []).append({"artifact_id": aid})
            evidence.append((aid, n))
        number = None
        if self.sometimes(data, "round_number?"):
            number = body["round_number"] = max(debate.rounds, default=0) + data.draw(st.integers(1, 3), label="+")
        expected = ([{"artifact_id": a, "version_number": n, "role": "input", "cited_at_offset_chars": o}
                     for a, n, o in prompt_refs]
                    + [{"artifact_id": a, "version_number": n, "role": "output", "cited_at_offset_chars": o}
                       for a, n, o in content_refs]
                    + [{"artifact_id": a, "version_number": n, "role": "evidence", "cited_at_offset_chars": -1}
                       for a, n in evidence])
        refuse = set()
        if debate.closed:
            refuse.add((409, "closed"))
        elif chamber.closed and expected:
            refuse.add((409, "closed"))  # its chamber was closed by the chambers route: nothing to pull into
        if "duplicate_round" in faults and debate.rounds:
            body["round_number"] = self.pick(data, sorted(debate.rounds), "duplicate round")
            refuse.add((409, "conflict"))
        if "unknown_evidence" in faults:
            body.setdefault("evidence", []).append({"artifact_id": self.new_id("ghost")})
            refuse.add((404, "not_found"))
        if "no_actor" in faults:
            del body["actor_id"]
            refuse = {(400, "invalid")}
        if "bad_actor_type" in faults:
            body["actor_type"] = "robot"
            refuse = {(400, "invalid")}
        if "unknown_debate" in faults:
            sid = self.new_id("deb")
            refuse = {r for r in refuse if r[0] == 400} | {(404, "not_found")}
        if "bad_id" in faults:
            sid = "-bad"
            refuse = {(400, "invalid")}
        r = self.write("POST", f"api/debates/{sid}/rounds", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        got = r.json
        refs = [{k: x[k] for k in ("artifact_id", "version_number", "role", "cited_at_offset_chars")}
                for x in got["referenced_artifacts"]]
        self.check(refs == expected, lambda: f"round references {refs}, expected {expected} "
                                             f"(prompt {prompt!r}, content {content!r})")
        for x in got["referenced_artifacts"]:
            self.check(x["content_hash"] == self.version(x["artifact_id"], x["version_number"]).content_hash,
                       lambda x=x: f"reference {x} carries another hash than its version")
        n = number or max(debate.rounds, default=0) + 1
        self.check(got["round_number"] == n, lambda: f"round number {got['round_number']}, expected {n}")
        debate.rounds.add(n)
        added = 0
        for e in expected:  # every referenced version is pulled in as `reference` (first role stays)
            if (e["artifact_id"], e["version_number"]) not in chamber.pins:
                chamber.pins[(e["artifact_id"], e["version_number"])] = "reference"
                added += 1
        tag = f"debate-{sid}-input"
        new_tags = 0
        for e in expected:  # the tag moves to the most recently referenced version of each notebook
            if self.artifacts[e["artifact_id"]].kind == "notebook":
                new_tags += (e["artifact_id"], tag) not in self.tags
                self.tags[(e["artifact_id"], tag)] = e["version_number"]
        self.deltas(debate_rounds=1, chamber_artifacts=added, artifact_tags=new_tags)

    @precondition(lambda self: self.debates)
    @rule(data=st.data())
    def close_debate(self, data):
        sid = self.pick(data, self.debates, "debate")
        faults = self.faults(data, ["unknown_debate", "bad_id"])
        body = {"verdict": data.draw(TEXT, label="verdict")} if data.draw(st.booleans(), label="verdict?") else {}
        debate = self.debates[sid]
        if "bad_id" in faults:
            sid, expect = "-bad", Expect(refuse=((400, "invalid"),))
        elif "unknown_debate" in faults:
            sid, expect = self.new_id("deb"), Expect(refuse=((404, "not_found"),))
        elif debate.closed:
            expect = Expect(refuse=((409, "closed"),))
        elif self.chambers[debate.chamber].closed:
            # Its chamber was closed by the chambers route: API.md does not say; either answer.
            expect = Expect(ok=(200,), refuse=((409, "closed"),))
        else:
            expect = Expect(ok=(200,))
        r = self.write("POST", f"api/debates/{sid}/close", body, expect=expect)
        if r.status != 200:
            return
        self.deltas()
        s = r.json
        debate.closed = True
        self.chambers[debate.chamber].closed = True
        c = self.call("GET", f"api/chambers/{debate.chamber}").json
        self.check_chamber_reply(c, debate.chamber)
        self.check(s["closed_at"] and s["chamber_provenance_hash"] == c["provenance_hash"]
                   and s["verdict"] == body.get("verdict"), lambda: f"closed debate {s}, its chamber {c}")

    @precondition(lambda self: self.debates)
    @rule(data=st.data())
    def read_debate(self, data):
        sid = self.pick(data, self.debates, "debate")
        debate = self.debates[sid]
        s = self.call("GET", f"api/debates/{sid}").json
        self.check(s["num_rounds"] == len(debate.rounds)
                   and sorted(r["round_number"] for r in s["rounds"]) == sorted(debate.rounds)
                   and (s["closed_at"] is not None) == debate.closed, lambda: f"debate {s}")
        union = self.call("GET", f"api/debates/{sid}/artifacts").json
        want = {debate.target} | set(self.chambers[debate.chamber].pins)
        for rnd in s["rounds"]:
            want |= {(x["artifact_id"], x["version_number"]) for x in rnd["referenced_artifacts"]}
        got = [(x["artifact_id"], x["version_number"]) for x in union["artifacts"]]
        self.check(sorted(got) == sorted(want) and len(got) == len(set(got)),
                   lambda: f"debate {sid} artifacts {got}, expected {sorted(want)}")
        self.check(union["chamber_provenance_hash"] == s["chamber_provenance_hash"], "union provenance hash")

    @precondition(lambda self: self.notebooks())
    @rule(data=st.data())
    def append_together(self, data):
        """Concurrent appends to one notebook all succeed, versions N+1..N+k without gaps; with one
        shared idempotency key exactly one version is made and every caller gets its reply."""
        aid = self.pick(data, self.notebooks(), "notebook")
        art = self.artifacts[aid]
        k = data.draw(st.integers(2, 4), label="appenders")
        key = uuid.uuid4().hex if self.sometimes(data, "shared key?") else None
        bodies = [{"source": data.draw(TEXT, label="source"),
                   "cell_type": self.pick(data, ["code", "markdown"], "cell_type")} for _ in range(k)]
        if key:  # one client retrying the same request: one body, one key
            bodies = [{**bodies[0], "idempotency_key": key}] * k
        self.before = self.snapshot()
        replies = self.call_together([("POST", f"api/notebooks/{aid}/cells", b) for b in bodies])
        self.check(all(r.status in ((200, 201) if key else (201,)) for r in replies),
                   lambda: f"concurrent appends answered {[(r.status, r.text[:200]) for r in replies]}")
        made = sorted({r.json["version_number"] for r in replies})
        want = [art.latest + 1] if key else list(range(art.latest + 1, art.latest + k + 1))
        self.check(made == want, lambda: f"concurrent appends made versions {made}, expected {want}")
        if key:
            self.check(all(r.json == replies[0].json for r in replies),
                       lambda: f"one idempotency key, different replies: {[r.json for r in replies]}")
        self.deltas(artifacts=len(want), notebook_cells=len(want), artifact_links=len(want),
                    processing_steps=len(want), notebook_append_requests=1 if key else 0)
        by_version = {r.json["version_number"]: (r, b) for r, b in zip(replies, bodies)}
        for n in want:
            r, b = by_version[n]
            parent = art.versions[-1]
            self.check(r.json["cell_index"] == len(parent.cells) and r.json["parent_artifact_id"] == parent.row_id,
                       lambda r=r: f"concurrent append {r.json}")
            art.versions.append(Version(row_id(aid, n), parent.title, parent.metadata, None,
                                        parent.cells + [(b["cell_type"], b["source"])], r.json["content_hash"]))
            self.record((aid, n - 1), (aid, n), "cell_append")
        if key:
            self.keys[(aid, key)] = replies[0].json
            self.key_bodies[(aid, key)] = bodies[0]

    @precondition(lambda self: any(not c.closed for c in self.chambers.values()))
    @rule(data=st.data())
    def pull_while_closing(self, data):
        """Pulls racing a close: each lands before it (200, pinned, in the hash) or is refused after it
        (409 closed, nothing pinned)."""
        cid = self.pick_to_close(data, [c for c, m in self.chambers.items() if not m.closed])
        pulls = [self.pull_entries(data) for _ in range(data.draw(st.integers(1, 3), label="pulls"))]
        requests = [("POST", f"api/chambers/{cid}/pull", entries) for entries, _ in pulls]
        at = data.draw(st.integers(0, len(requests)), label="close at")
        requests.insert(at, ("POST", f"api/chambers/{cid}/close", {}))
        self.before = self.snapshot()
        replies = self.call_together(requests)
        close = replies.pop(at)
        self.check(close.status == 200, lambda: f"close racing pulls: {close.status} {close.text[:300]}")
        model = self.chambers[cid]
        offered: dict = {}  # a version new to the chamber -> the roles the pulls that landed gave it first
        for (_, pins), r in zip(pulls, replies):
            self.check(r.status == 200 or (r.status, r.json["reason"]) == (409, "closed"),
                       lambda r=r: f"pull racing a close: {r.status} {r.text[:300]}")
            if r.status == 200:
                first: dict = {}
                for aid, n, role in pins:
                    first.setdefault((aid, n), role)
                for key, role in first.items():
                    if key not in model.pins:
                        offered.setdefault(key, set()).add(role)
        got = {(p["artifact_id"], p["version_number"]): p["role"] for p in close.json["artifacts"]}
        # Concurrent pulls land in some order: a version's role is the one of the pull that pinned it first.
        self.check(set(got) == set(model.pins) | set(offered)
                   and all(got[k] == role for k, role in model.pins.items())
                   and all(got[k] in roles for k, roles in offered.items()),
                   lambda: f"closed while pulling: pins {got}, before {model.pins}, landed {offered}")
        model.pins.update({k: got[k] for k in offered})
        model.closed = True
        self.deltas(chamber_artifacts=len(offered))
        self.check_chamber_reply(close.json, cid)

    # -- wrong on purpose --------------------------------------------------------------------

    @rule(data=st.data())
    def wrong_on_purpose(self, data):
        """Too deep bodies, malformed JSON, bad ids, unknown versions: a clear 4xx that changes nothing."""
        aid = self.pick(data, self.artifacts, "artifact")
        latest = self.artifacts[aid].latest
        nb = self.pick(data, self.notebooks(), "notebook") if self.notebooks() else aid
        cid = self.pick(data, self.chambers, "chamber") if self.chambers else UNKNOWN_UUID
        sid = self.pick(data, self.debates, "debate") if self.debates else "deb-1"
        if data.draw(st.booleans(), label="too deep?"):
            # Nested deeper than MAX_DEPTH levels, on any write route: 400 naming the limit, nothing stored.
            deep = nested_text(self.pick(data, [MAX_DEPTH, MAX_DEPTH + 1, 300, 3000], "depth"))
            method, path, raw = self.pick(data, [
                ("POST", "api/artifacts", '{"artifact_type": "paper", "title": "t", "content": %s}' % deep),
                ("POST", f"api/artifacts/{aid}/versions", '{"metadata": {"m": %s}}' % deep),
                ("POST", f"api/artifacts/{aid}/versions/1/tags", '{"tag": "gold", "extra": %s}' % deep),
                ("PATCH", f"api/artifacts/{aid}/versions/1", '{"lifecycle_state": "retracted", "x": %s}' % deep),
                ("POST", "api/artifact-links", '{"source": "%s", "target": "%s", "link_type": "cites", '
                                               '"parameters": %s}' % (aid, nb, deep)),
                ("POST", f"api/notebooks/{nb}/cells", '{"source": "1", "parameters": %s}' % deep),
                ("POST", "api/notebooks", '{"notebook": {"nbformat": 4, "nbformat_minor": 5, "cells": [], '
                                          '"metadata": {"x": %s}}}' % deep),
                ("POST", "api/chambers", '{"name": "c", "purpose": "debate", "x": %s}' % deep),
                ("POST", f"api/chambers/{cid}/pull", '[{"artifact_id": "%s", "x": %s}]' % (aid, deep)),
                ("POST", f"api/chambers/{cid}/close", '{"result": {"artifact_type": "paper", "title": "r", '
                                                      '"content": %s}}' % deep),
                ("POST", "api/debates", '{"target_artifact_id": "%s", "topic": "t", "x": %s}' % (aid, deep)),
                ("POST", f"api/debates/{sid}/rounds", '{"actor_id": "p", "content": "c", "x": %s}' % deep),
                ("POST", f"api/debates/{sid}/close", '{"verdict": "v", "x": %s}' % deep),
            ], "route")
            r = self.write(method, path, raw=raw, expect=Expect(refuse=((400, "invalid"),)))
            self.check(f"deeper than {MAX_DEPTH} levels" in r.json["message"] and len(r.text) < 1000,
                       lambda: f"{method} {path}: {r.text[:300]}")
            return
        bad = self.pick(data, ["-x", "a b", "x" * 201, ".hidden", "a@v0", "a@vx"], "bad id")
        method, path, body, raw, status = self.pick(data, [
            ("POST", "api/artifacts", None, "{not json", 400),
            ("POST", "api/artifacts", [1, 2], None, 400),
            ("POST", "api/artifacts", {"artifact_type": "paper", "title": 5}, None, 400),
            ("POST", "api/artifacts", {"artifact_type": "paper", "title": "   "}, None, 400),
            ("POST", "api/artifacts", {"artifact_type": "paper", "title": "t", "id": bad}, None, 400),
            ("POST", "api/artifacts", {"artifact_type": "paper", "title": "t", "content": {"a": "nul\u0000"}},
             None, 400),
            ("POST", "api/artifacts", {"artifact_type": "paper", "title": "t", "metadata": [1]}, None, 400),
            ("POST", f"api/artifacts/{bad}/versions", {"title": "t"}, None, 400),
            ("POST", f"api/artifacts/{aid}/versions", {"title": "t", "parent_version": 0}, None, 400),
            ("POST", f"api/artifacts/{aid}/versions", None, '{"title": ', 400),
            ("POST", f"api/artifacts/{aid}/versions/{latest + 1}/tags", {"tag": "gold"}, None, 404),
            ("POST", f"api/artifacts/{aid}/versions/0/tags", {"tag": "gold"}, None, 400),
            ("PATCH", f"api/artifacts/{aid}/versions/{latest + 1}", {"lifecycle_state": "retracted"}, None, 404),
            ("POST", f"api/notebooks/{bad}/cells", {"source": "1"}, None, 400),
            ("POST", f"api/notebooks/{nb}/cells", {"source": "1", "chamber_id": "not-a-uuid"}, None, 400),
            ("POST", f"api/notebooks/{nb}/cells", {"source": "1", "parent_version": 0}, None, 400),
            ("POST", f"api/notebooks/{nb}/cells", {"cell_type": "code"}, None, 400),
            ("POST", f"api/notebooks/{nb}/cells", {"source": "nul \u0000"}, None, 400),
            ("POST", f"api/notebooks/{nb}/cells", {"source": "1", "cell_type": "markdown", "execute": True}, None,
             400),
            ("POST", f"api/chambers/{cid}/pull", {"artifact_id": aid}, None, 400),
            ("POST", "api/chambers/not-a-uuid/close", {}, None, 400),
            ("POST", f"api/debates/{bad}/rounds", {"actor_id": "p", "content": "c"}, None, 400),
            ("POST", f"api/debates/{bad}/close", {}, None, 400),
            ("POST", "api/debates", {"target_artifact_id": bad, "topic": "t"}, None, 400),
            ("POST", "api/artifact-links", {"source": aid, "target": bad, "link_type": "cites"}, None, 400),
        ], "request")
        self.write(method, path, body, raw=raw, expect=Expect(refuse=((status, REASONS[status]),)))

    # -- reads ---------------------------------------------------------------------------------

    @rule(data=st.data())
    def read_artifact(self, data):
        aid = self.pick(data, self.artifacts, "artifact")
        art = self.artifacts[aid]
        r = self.call("GET", f"api/artifacts/{aid}/versions")
        self.check(r.status == 200, f"versions of {aid}: {r.status}")
        vs = r.json["versions"]
        self.check([v["version_number"] for v in vs] == list(range(1, art.latest + 1))
                   and r.json["total_versions"] == art.latest
                   and [v["is_latest"] for v in vs] == [False] * (art.latest - 1) + [True]
                   and [v["content_hash"] for v in vs] == [v.content_hash for v in art.versions],
                   lambda: f"versions of {aid}: {r.text[:1000]}")
        latest = self.call("GET", f"api/artifacts/{aid}")
        self.check_version_reply(latest.json, aid, art.latest)
        missing = self.call("GET", f"api/artifacts/{aid}@v{art.latest + 1}")
        self.check(missing.status == 404 and missing.json["reason"] == "not_found", f"{aid}@v{art.latest + 1}")
        n = data.draw(st.integers(1, art.latest), label="version")
        if art.kind == "notebook":
            info = self.call("GET", f"api/notebooks/{aid}").json
            v = art.versions[-1]
            self.check(info == {"notebook_id": aid, "title": v.title, "latest_version": art.latest,
                                "version_count": art.latest, "content_hash": v.content_hash,
                                "cell_count": len(v.cells), "latest_ref": f"{aid}@v{art.latest}"},
                       lambda: f"notebook info {info}")
            nb = self.call("GET", f"api/notebooks/{aid}/versions/{n}", params={"format": "ipynb"}).json
            mv = self.version(aid, n)
            self.check([(c["cell_type"], c["source"]) for c in nb["cells"]] == mv.cells
                       and nb["metadata"]["jupyter_artifacts"] == {"artifact_id": aid, "version_number": n,
                                                                   "content_hash": mv.content_hash},
                       lambda: f"{aid} version {n} as ipynb: {json.dumps(nb)[:1000]}")
        elif n > 1:
            diff = self.call("GET", f"api/artifacts/{aid}/diff", params={"from": n - 1, "to": n}).json
            old, new = self.version(aid, n - 1), self.version(aid, n)
            self.check(diff["content_changed"] == (not same_json(old.content, new.content))
                       and ("title" in diff["fields"]) == (old.title != new.title)
                       and ("metadata" in diff["fields"]) == (not same_json(old.metadata, new.metadata)),
                       lambda: f"diff {aid} {n - 1}..{n}: {json.dumps(diff)[:1000]}")
        # Lineage has no gaps: the ancestors of version n include every earlier version's step.
        graph = self.call("GET", f"api/artifacts/{aid}@v{n}/lineage",
                          params={"direction": "ancestors", "max_depth": 50}).json
        edges = {(e["source"], e["target"]) for e in graph["edges"]}
        chain = {(f"{aid}@v{m - 1}", f"{aid}@v{m}") for m in range(max(2, n - 49), n + 1)}
        nodes = {x["ref"]: x for x in graph["nodes"]}
        self.check(chain <= edges and all(e[0] in nodes and e[1] in nodes for e in edges),
                   lambda: f"lineage of {aid}@v{n}: missing {chain - edges}")
        for x in nodes.values():
            if x["artifact_id"] in self.artifacts:
                self.check(x["content_hash"] == self.version(x["artifact_id"], x["version_number"]).content_hash,
                           lambda x=x: f"lineage node {x}")

    # -- after every step --------------------------------------------------------------------

    @invariant()
    def database_invariants(self):
        """Every global invariant, over every row of the schema; failing on violations that
        appeared during this example (see `violations`), then the model's view of this example."""
        new = [v for v in self.violations(verify=True) if (v[0], v[1]) not in self.shared["reported"]]
        self.shared["reported"].update((what, key) for what, key, _ in new)
        self.check(not new, lambda: "invariants broken:\n" + "\n".join(f"  {w}: {d}" for w, _, d in new[:10]))
        self.model_agrees()

    def violations(self, *, verify: bool) -> list[tuple[str, str, Any]]:
        """(what, key, detail) of every violation now in the schema. The schema outlives the
        example: each example starts by taking what is already broken as known (`verify=False`:
        versions not yet checked are taken as checked), so it is judged on what it breaks
        itself, and hypothesis's replays and shrinks never fail at their first step on what an
        earlier example left."""
        sql, shared, found = self.sql, self.shared, []
        # Per artifact: 1..N, no gaps or duplicates, a linear parent chain, exactly one latest (the highest).
        for r in sql("""
            WITH v AS (
                SELECT a.artifact_id, a.id, a.version_number, a.parent_version_id, a.is_latest,
                       row_number() OVER w AS rn, lag(a.id) OVER w AS prev_id,
                       count(*) OVER (PARTITION BY a.artifact_id) AS total
                  FROM artifacts a WINDOW w AS (PARTITION BY a.artifact_id ORDER BY a.version_number, a.id))
            SELECT * FROM v WHERE artifact_id IS NULL OR version_number IS DISTINCT FROM rn
               OR parent_version_id IS DISTINCT FROM prev_id OR is_latest IS DISTINCT FROM (rn = total)"""):
            found.append(("version chain broken", str(r["artifact_id"]), r))
        # A version never changes (lifecycle and tags aside), nor does a cell.
        rows = sql("""
            SELECT id, artifact_id, version_number, content_hash,
                   md5(row(artifact_id, artifact_type, title, metadata, content, content_hash, version_number,
                           parent_version_id, changelog, created_at, created_by_actor_type, created_by_actor_id,
                           recorded_by)::text) AS h
              FROM artifacts""")
        now = {row["id"]: row["h"] for row in rows}
        for row_id_, h in list(shared["versions"].items()):
            if now.get(row_id_) != h:
                found.append(("version row changed or disappeared", f"{row_id_} {now.get(row_id_)}", row_id_))
        cells = {r["h"]: r["n"]
                 for r in sql("SELECT md5(c::text) AS h, count(*) AS n FROM notebook_cells c GROUP BY 1")}
        for h, n in shared["cells"].items():
            if cells.get(h, 0) < n:
                found.append(("notebook_cells row changed or disappeared", h, h))
        shared["cells"] = cells
        # Every version written has a content_hash that recomputes from its GET reply (checked once).
        fresh = [row for row in rows if row["id"] not in shared["versions"]]
        shared["versions"] = now
        for row in fresh if verify else ():
            aid, n = row["artifact_id"], row["version_number"]
            r = self.call("GET", f"api/artifacts/{aid}@v{n}")
            if r.status != 200 or not r.json["content_hash"] == row["content_hash"] == expected_hash(r.json):
                found.append(("content_hash does not recompute from the GET reply", row["id"],
                              f"{row['content_hash']} for {r.status} {r.text[:1000]}"))
            elif aid in self.artifacts and n <= self.artifacts[aid].latest:
                self.check_version_reply(r.json, aid, n)
        # Links and steps, pins, sessions, rounds, tags.
        for r in sql("""
            SELECT 'link without exactly one step' AS what, l.id::text AS id FROM artifact_links l
              LEFT JOIN processing_steps p ON p.link_id = l.id GROUP BY l.id HAVING count(p.id) <> 1
            UNION ALL
            SELECT 'step of a missing link', p.id::text FROM processing_steps p
             WHERE p.link_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM artifact_links l WHERE l.id = p.link_id)
            UNION ALL
            SELECT 'link endpoint is no version row', l.id::text FROM artifact_links l
             WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = l.source_artifact_id)
                OR NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = l.target_artifact_id)
            UNION ALL
            SELECT 'step names a missing version', p.id::text FROM processing_steps p
             WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.artifact_id = p.source_artifact_id
                                                         AND a.version_number = p.source_version_number)
                OR NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.artifact_id = p.target_artifact_id
                                                           AND a.version_number = p.target_version_number)
            UNION ALL
            SELECT 'version without the step that made it', a.id FROM artifacts a
             WHERE a.version_number > 1 AND NOT EXISTS (
                SELECT 1 FROM processing_steps p
                 WHERE p.source_artifact_id = a.artifact_id AND p.source_version_number = a.version_number - 1
                   AND p.target_artifact_id = a.artifact_id AND p.target_version_number = a.version_number
                   AND p.step_type IN ('derive', 'cell_append', 'merge'))
            UNION ALL
            SELECT 'merge version without exactly two merge steps', a.id FROM artifacts a
              JOIN processing_steps p ON p.target_artifact_id = a.artifact_id
                                     AND p.target_version_number = a.version_number AND p.step_type = 'merge'
             GROUP BY a.id HAVING count(*) <> 2
            UNION ALL
            SELECT 'pin with another hash than its version', p.chamber_id::text || ' ' || p.artifact_id
                   || '@v' || p.version_number
              FROM chamber_artifacts p LEFT JOIN artifacts a
                ON a.artifact_id = p.artifact_id AND a.version_number = p.version_number
             WHERE a.id IS NULL OR a.content_hash IS DISTINCT FROM p.content_hash
            UNION ALL
            SELECT 'chamber closed without a hash, or open with one', c.id::text FROM chambers c
             WHERE (c.closed_at IS NULL) <> (c.provenance_hash IS NULL)
            UNION ALL
            SELECT 'session target pinned to another hash', s.id FROM debate_sessions s
              LEFT JOIN artifacts a ON a.artifact_id = s.target_artifact_id
                                   AND a.version_number = s.target_artifact_version::int
             WHERE a.id IS NULL OR a.content_hash IS DISTINCT FROM s.target_content_hash
            UNION ALL
            SELECT 'num_rounds is not the rounds', s.id FROM debate_sessions s
             WHERE s.num_rounds <> (SELECT count(*) FROM debate_rounds r WHERE r.session_id = s.id)
            UNION ALL
            SELECT 'closed session without its chamber''s hash', s.id FROM debate_sessions s
              JOIN chambers c ON c.id = s.chamber_id
             WHERE s.closed_at IS NOT NULL AND (c.closed_at IS NULL OR s.chamber_provenance_hash IS DISTINCT FROM
                                                c.provenance_hash)
            UNION ALL
            SELECT 'round reference with another hash or not pinned', r.session_id || ' ' || r.round_number
              FROM debate_rounds r JOIN debate_sessions s ON s.id = r.session_id
             CROSS JOIN LATERAL jsonb_array_elements(r.referenced_artifacts) ref
              LEFT JOIN artifacts a ON a.artifact_id = ref->>'artifact_id'
                                   AND a.version_number = (ref->>'version_number')::int
             WHERE a.id IS NULL OR a.content_hash IS DISTINCT FROM ref->>'content_hash'
                OR NOT EXISTS (SELECT 1 FROM chamber_artifacts p WHERE p.chamber_id = s.chamber_id
                                  AND p.artifact_id = ref->>'artifact_id'
                                  AND p.version_number = (ref->>'version_number')::int)
            UNION ALL
            SELECT 'version_tag is not its most recent tag', a.id FROM artifacts a
             WHERE a.version_tag IS DISTINCT FROM (
                SELECT t.tag FROM artifact_tags t WHERE t.version_id = a.id ORDER BY t.created_at DESC LIMIT 1)
               AND NOT EXISTS (SELECT 1 FROM artifact_tags t WHERE t.version_id = a.id AND t.tag = a.version_tag
                                  AND t.created_at = (SELECT max(created_at) FROM artifact_tags u
                                                       WHERE u.version_id = a.id))"""):
            found.append((r["what"], r["id"], r["id"]))
        # A closed chamber never changes, and its provenance hash recomputes from its pins.
        closed = {c["id"]: c for c in sql("""
            SELECT c.id::text AS id, c.provenance_hash,
                   md5(row(c.*)::text || COALESCE((
                       SELECT string_agg(p::text, '|' ORDER BY p.artifact_id, p.version_number)
                         FROM chamber_artifacts p WHERE p.chamber_id = c.id), '')) AS h
              FROM chambers c WHERE c.closed_at IS NOT NULL""")}
        for cid, h in shared["closed"].items():
            if cid not in closed or closed[cid]["h"] != h:
                found.append(("closed chamber changed, reopened or disappeared", f"{cid} {h}", cid))
        for cid, c in closed.items():
            if cid not in shared["closed"]:  # closed since the last look: its hash, once
                pins = sql("SELECT artifact_id, version_number, content_hash, role FROM chamber_artifacts "
                           "WHERE chamber_id = %s", (cid,))
                if c["provenance_hash"] != provenance(pins):
                    found.append(("closed chamber's provenance_hash does not recompute from its pins", cid,
                                  {"provenance_hash": c["provenance_hash"], "pins": pins}))
        shared["closed"] = {cid: c["h"] for cid, c in closed.items()}
        return found

    def model_agrees(self):
        """The database holds what the model says this example made."""
        ids = list(self.artifacts)
        rows = self.sql("SELECT artifact_id, version_number, id, content_hash, lifecycle_state, superseded_by "
                        "FROM artifacts WHERE artifact_id = ANY(%s)", (ids,))
        got = {(r["artifact_id"], r["version_number"]): r for r in rows}
        want = {(a, i + 1) for a, art in self.artifacts.items() for i in range(art.latest)}
        self.check(set(got) == want,
                   lambda: f"versions in the database {sorted(set(got) ^ want)} differ from the model")
        for (a, n), r in got.items():
            v = self.version(a, n)
            self.check((r["id"], r["content_hash"], r["lifecycle_state"], r["superseded_by"])
                       == (v.row_id, v.content_hash, v.lifecycle, v.superseded_by),
                       lambda r=r, v=v: f"row {r} differs from the model {v}")
        tags = self.sql("SELECT t.artifact_id, t.tag, a.version_number FROM artifact_tags t "
                        "JOIN artifacts a ON a.id = t.version_id WHERE t.artifact_id = ANY(%s)", (ids,))
        got_tags = {(t["artifact_id"], t["tag"]): t["version_number"] for t in tags}
        self.check(got_tags == self.tags, lambda: f"tags {got_tags}, model {self.tags}")
        nbs = self.notebooks()
        pointers = self.sql("SELECT id, notebook_artifact_id FROM notebooks WHERE id = ANY(%s)", (nbs,))
        got_ptr = {p["id"]: p["notebook_artifact_id"] for p in pointers}
        want_ptr = {a: self.artifacts[a].versions[-1].row_id for a in nbs}
        self.check(got_ptr == want_ptr, lambda: f"notebooks rows point at {got_ptr}, latest are {want_ptr}")
        cids = list(self.chambers)
        chambers = self.sql("SELECT id::text AS id, closed_at IS NOT NULL AS closed FROM chambers "
                            "WHERE id = ANY(%s::uuid[])", (cids,))
        self.check({c["id"]: c["closed"] for c in chambers} == {c: m.closed for c, m in self.chambers.items()},
                   lambda: f"chambers {chambers}, model {self.chambers}")
        pins = self.sql("SELECT chamber_id::text AS c, artifact_id, version_number, role FROM chamber_artifacts "
                        "WHERE chamber_id = ANY(%s::uuid[])", (cids,))
        got_pins = {c: {} for c in cids}
        for p in pins:
            got_pins[p["c"]][(p["artifact_id"], p["version_number"])] = p["role"]
        self.check(got_pins == {c: m.pins for c, m in self.chambers.items()},
                   lambda: f"pins {got_pins}, model { {c: m.pins for c, m in self.chambers.items()} }")
        sessions = self.sql("SELECT id, closed_at IS NOT NULL AS closed, num_rounds FROM debate_sessions "
                            "WHERE id = ANY(%s)", (list(self.debates),))
        self.check({s["id"]: (s["closed"], s["num_rounds"]) for s in sessions}
                   == {s: (d.closed, len(d.rounds)) for s, d in self.debates.items()},
                   lambda: f"debates {sessions}, model {self.debates}")

    def teardown(self):
        """At the end of an example: every version it made reads back as made; every chamber too."""
        if self.failed:
            return  # the model may be half-updated: the failure stands as it is
        for aid, art in self.artifacts.items():
            for n in range(1, art.latest + 1):
                r = self.call("GET", f"api/artifacts/{aid}/versions/{n}")
                self.check(r.status == 200, f"GET {aid} version {n}: {r.status}")
                self.check_version_reply(r.json, aid, n)
        for cid in self.chambers:
            r = self.call("GET", f"api/chambers/{cid}")
            self.check(r.status == 200, f"GET chamber {cid}: {r.status}")
            self.check_chamber_reply(r.json, cid)


@pytest.mark.slow
@pytest.mark.timeout(0 if PROFILE == "long" else 600)
def test_invariants_under_random_operations(api, sql, jp_asyncio_loop):
    if PROFILE not in PROFILES:
        pytest.fail(f"JUPYTER_ARTIFACTS_STATE_MACHINE={PROFILE!r}: use one of {', '.join(PROFILES)}")
    # What the schema holds across examples (version row digests, cell digests, closed chambers,
    # violations already reported),
    # and how often each route answered each status (JUPYTER_ARTIFACTS_STATE_MACHINE_REPORT=1 prints it).
    shared: dict = {"versions": {}, "cells": {}, "closed": {}, "reported": set(), "seen": Counter()}
    # The server migrates its schema on first use: before the machine's first look at the tables.
    assert jp_asyncio_loop.run_until_complete(api("GET", "api/jupyter_artifacts/status")).status == 200
    machine = type("ArtifactsServer", (ArtifactsMachine,), {"env": (api, sql, jp_asyncio_loop, shared)})
    try:
        run_state_machine_as_test(machine, settings=settings(
            deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            **PROFILES[PROFILE]))
    finally:
        if os.environ.get("JUPYTER_ARTIFACTS_STATE_MACHINE_REPORT"):
            print("\nrequests by route and status:")
            for (method, route, status), n in sorted(shared["seen"].items()):
                print(f"{n:8} {method:5} {route} -> {status}")




