"""The state machine's rules for notebook versions beyond append (issue 16): commit, fork,
merge (nbdime) and split, with their faults, the rows each promises, and the model's side.

A mixin of test_state_machine.ArtifactsMachine (it uses its plumbing: pick, faults, write,
deltas, check, the model). The model knows every content-carrying step this example wrote,
so it finds a merge's nearest common ancestor itself, and the merged notebook it expects is
nbdime's own `merge_notebooks` of the three versions read back: written out independently
of the server's code."""

from __future__ import annotations

import copy
import json
import uuid
from collections import deque

import nbformat
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from nbdime.merging.notebooks import merge_notebooks

CONTENT_STEPS = ("cell_append", "derive", "fork", "merge", "split")
# Text a cell or a rationale may hold (PostgreSQL text holds no NUL; JSON no lone surrogate).
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
CELL_TYPES = ("code", "markdown", "raw")


def cells_of(nb: dict) -> list[tuple[str, str]]:
    return [(c["cell_type"], c["source"]) for c in nb["cells"]]


def fresh_cells(nb: dict, parent: dict) -> int:
    """How many cells a snapshot of `nb` stores (migration 0011): those not in `parent` as they are."""
    kept = {json.dumps(c, sort_keys=True) for c in parent["cells"]}
    return sum(1 for c in nb["cells"] if json.dumps(c, sort_keys=True) not in kept)


def nbdime_merge(base: dict, local: dict, remote: dict) -> tuple[dict, int]:
    merged, decisions = merge_notebooks(*(nbformat.from_dict(copy.deepcopy(x)) for x in (base, local, remote)))
    return json.loads(json.dumps(merged)), sum(1 for d in decisions if d.get("conflict"))


class BranchRules:
    """Rules for commit, fork, merge and split. `self.steps` holds ((aid, n), (aid, n), kind) of
    every step this example wrote."""

    # -- the model's lineage -------------------------------------------------------------------

    def record(self, source: tuple, target: tuple, kind: str) -> None:
        self.steps.append((source, target, kind))

    def ancestors(self, start: tuple) -> dict:
        """(aid, n) -> fewest content-carrying steps back from `start` (itself at 0)."""
        back: dict = {}
        for src, tgt, kind in self.steps:
            if kind in CONTENT_STEPS:
                back.setdefault(tgt, []).append(src)
        depth = {start: 0}
        todo = deque([start])
        while todo:
            node = todo.popleft()
            for src in back.get(node, ()):
                if src not in depth:
                    depth[src] = depth[node] + 1
                    todo.append(src)
        return depth

    def best_bases(self, local: tuple, remote: tuple) -> set:
        """The nearest common ancestors (API.md: along processing steps), all equally near."""
        left, right = self.ancestors(local), self.ancestors(remote)
        common = [(max(left[v], right[v]), left[v] + right[v], v) for v in left.keys() & right.keys()
                  if v[0] in self.artifacts and self.artifacts[v[0]].kind == "notebook"]
        if not common:
            return set()
        best = min((a, b) for a, b, _ in common)
        return {v for a, b, v in common if (a, b) == best}

    def content(self, aid: str, n: int) -> dict:
        r = self.call("GET", f"api/artifacts/{aid}@v{n}")
        self.check(r.status == 200, f"GET {aid}@v{n}: {r.status}")
        return r.json["content"]

    def add_version(self, aid: str, reply: dict, cells: list, kind: str, parents: list[tuple]) -> int:
        from test_state_machine import Version, row_id

        art = self.artifacts[aid]
        parent = art.versions[-1]
        n = art.latest + 1
        art.versions.append(Version(row_id(aid, n), parent.title, parent.metadata, None, cells,
                                    reply["content_hash"]))
        for p in parents:
            self.record(p, (aid, n), kind)
        return n

    # -- commit --------------------------------------------------------------------------------

    def edited(self, data, nb: dict) -> dict:
        """A researcher's edit: a cell changed, removed, added or moved (or none: unchanged)."""
        nb = copy.deepcopy(nb)
        cells = nb["cells"]
        edit = self.pick(data, ["change", "change", "remove", "add", "move", "none"], "edit")
        if edit == "change" and cells:
            i = data.draw(st.integers(0, len(cells) - 1), label="cell")
            cells[i]["source"] = data.draw(TEXT, label="new source") + "!"
        elif edit == "remove" and cells:
            del cells[data.draw(st.integers(0, len(cells) - 1), label="cell")]
        elif edit == "move" and len(cells) > 1:
            cells.append(cells.pop(0))
        elif edit in ("add", "change", "remove", "move"):
            cell_type = self.pick(data, CELL_TYPES, "cell_type")
            new = {"id": f"c{uuid.uuid4().hex[:8]}", "cell_type": cell_type, "metadata": {},
                   "source": data.draw(TEXT, label="source")}
            if cell_type == "code":
                new |= {"outputs": [], "execution_count": None}
            cells.insert(data.draw(st.integers(0, len(cells)), label="at"), new)
        return nb

    @precondition(lambda self: self.notebooks())
    @rule(data=st.data())
    def commit_notebook(self, data):
        from test_state_machine import UNKNOWN_UUID, Expect

        aid = self.pick(data, self.notebooks(), "notebook")
        art = self.artifacts[aid]
        head = self.content(aid, art.latest)
        nb = self.edited(data, head)
        faults = self.faults(data, ["stale", "ahead", "invalid", "pinned_path", "not_a_notebook",
                                    "unknown_chamber", "two_sources"])
        body: dict = {"notebook": nb}
        if data.draw(st.booleans(), label="details?"):
            body |= {"agent_id": "ed-lein", "method": "typo-fix", "rationale": data.draw(TEXT, label="rationale"),
                     "parameters": {"k": 1}}
        if data.draw(st.booleans(), label="parent_version?"):
            body["parent_version"] = art.latest
        chamber = None
        if self.chambers and self.sometimes(data, "chamber?"):
            chamber = body["chamber_id"] = self.pick_chamber(data)
        mine = [k for (a, k) in (*self.keys, *self.commit_keys) if a == aid]
        key_mode = self.pick(data, ["none", "none", "new"] + (["repeat"] if mine else []), "key")
        if key_mode == "new":
            body["idempotency_key"] = uuid.uuid4().hex
        elif key_mode == "repeat":
            body["idempotency_key"] = self.pick(data, mine, "repeated key")
        unchanged = nb == head
        refuse, early = set(), set()
        if chamber and self.chambers[chamber].closed:
            refuse.add((409, "closed"))  # checked before the notebook is compared with the head
        if "stale" in faults and art.latest > 1:
            body["parent_version"] = art.latest - 1
            refuse = {(409, "stale_parent")}  # checked first, whatever the notebook
        if "ahead" in faults:
            body["parent_version"] = art.latest + 1
            refuse = {(409, "stale_parent")}
        if "unknown_chamber" in faults and (409, "stale_parent") not in refuse:
            body["chamber_id"] = UNKNOWN_UUID
            chamber = None
            refuse = {(404, "not_found")}
        if "invalid" in faults and (409, "stale_parent") not in refuse:
            body["notebook"] = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "x"}]}
            refuse = {(400, "invalid")}
        if "two_sources" in faults:
            body["path"] = "x.ipynb"
            early.add((400, "invalid"))
        target = aid
        if "pinned_path" in faults:
            target = f"{aid}@v{art.latest}"
            early.add((400, "invalid"))
        if "not_a_notebook" in faults and len(self.notebooks()) < len(self.artifacts):
            target = self.pick(data, [a for a, x in self.artifacts.items() if x.kind != "notebook"], "not nb")
            early.add((404, "not_found"))
        if early:
            if key_mode == "repeat":
                # The key is looked at first: a key already used for another request (this one's
                # path or body differs) is that mistake, whatever else is wrong (API.md).
                early = {(422, "idempotency_mismatch")}
            self.write("POST", f"api/notebooks/{target}/versions", body, expect=Expect(refuse=tuple(early)))
            return
        if key_mode == "repeat":
            first = self.commit_keys.get((aid, body["idempotency_key"]))
            if first is not None and first[0] == body:
                # The very same request again (an edit can lead back to an earlier body): its first reply.
                r = self.write("POST", f"api/notebooks/{target}/versions", body, expect=Expect(ok=(first[2],)))
                self.check_unchanged("a repeated commit")
                self.check(r.json == first[1] and r.headers.get("Idempotent-Replayed") == "true",
                           lambda: f"a repeated commit answered {r.json}, first {first[1]}")
                return
            # A key used before by an append, or by a commit of another body: 422, nothing changes.
            self.write("POST", f"api/notebooks/{target}/versions", body,
                       expect=Expect(refuse=((422, "idempotency_mismatch"),)))
            return
        ok = (200,) if unchanged else (201,)
        r = self.write("POST", f"api/notebooks/{target}/versions", body, expect=self.expect(refuse, *ok))
        if r.status >= 400:
            return
        keyed = 1 if "idempotency_key" in body else 0
        if r.status == 200:
            self.deltas(notebook_append_requests=keyed)
            self.check(r.json["ref"] == f"{aid}@v{art.latest}", lambda: f"unchanged commit answered {r.json}")
        else:
            pinned = chamber is not None and (aid, art.latest + 1) not in self.chambers[chamber].pins
            self.deltas(artifacts=1, notebook_cells=fresh_cells(nb, head), artifact_links=1, processing_steps=1,
                        notebook_snapshots=1, notebook_append_requests=keyed, chamber_artifacts=1 if pinned else 0)
            n = self.add_version(aid, r.json, cells_of(nb), "derive", [(aid, art.latest)])
            self.check(r.json["ref"] == f"{aid}@v{n}" and r.json["parent_ref"] == f"{aid}@v{n - 1}",
                       lambda: f"commit answered {r.json}")
            stored = self.content(aid, n)
            self.check([c["id"] for c in stored["cells"]] == [c["id"] for c in nb["cells"]],
                       lambda: f"commit kept no cell ids: {stored['cells']} for {nb['cells']}")
            if chamber:
                self.chambers[chamber].pins.setdefault((aid, n), "workbench")
        if keyed:
            self.commit_keys[(aid, body["idempotency_key"])] = (copy.deepcopy(body), r.json, r.status)
            again = self.write("POST", f"api/notebooks/{target}/versions", body, expect=Expect(ok=(r.status,)))
            self.check_unchanged("a repeated commit")
            self.check(again.json == r.json and again.headers.get("Idempotent-Replayed") == "true",
                       lambda: f"a repeated commit answered {again.json}, first {r.json}")

    # -- fork ----------------------------------------------------------------------------------

    @rule(data=st.data())
    def fork(self, data):
        from test_state_machine import Artifact, Version

        aid, n = self.pick_version(data)
        art = self.artifacts[aid]
        faults = self.faults(data, ["duplicate", "unknown_version", "other_artifact", "bad_id"])
        new_id = self.new_id("fork")
        body: dict = {"new_id": new_id}
        path = aid
        form = self.pick(data, ["from", "path", "latest"], "form")
        if form == "from":
            body["from"] = f"{aid}@v{n}"
        elif form == "path":
            path = f"{aid}@v{n}"
        else:
            n = art.latest
        if data.draw(st.booleans(), label="title?"):
            body["title"] = "forked " + data.draw(TEXT, label="title")
        refuse = set()
        if "duplicate" in faults:
            body["new_id"] = self.pick(data, self.artifacts, "taken id")
            refuse.add((409, "conflict"))
        if "unknown_version" in faults:
            body["from"] = f"{aid}@v{art.latest + 1}"
            path = aid
            refuse = {(404, "not_found")}
        if "other_artifact" in faults and len(self.artifacts) > 1:
            body["from"] = self.pick(data, [a for a in self.artifacts if a != aid], "other")
            path = aid
            refuse = {(400, "invalid")}
        if "bad_id" in faults:
            body["new_id"] = "-bad id"
            refuse = {(400, "invalid")}
        r = self.write("POST", f"api/artifacts/{path}/fork", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        source = self.version(aid, n)
        is_nb = art.kind == "notebook"
        self.deltas(artifacts=1, processing_steps=1, notebooks=1 if is_nb else 0,
                    notebook_cells=len(source.cells) if is_nb else 0)
        title = body.get("title", f"{source.title} (fork)")
        self.artifacts[new_id] = Artifact(art.kind, [Version(new_id, title, source.metadata, source.content,
                                                             source.cells, r.json["content_hash"])])
        self.record((aid, n), (new_id, 1), "fork")
        got = self.call("GET", f"api/artifacts/{new_id}")
        self.check_version_reply(got.json, new_id, 1)
        if is_nb:
            self.check(got.json["content"] == self.content(aid, n), f"fork of {aid}@v{n} differs from it")

    # -- split ---------------------------------------------------------------------------------

    @precondition(lambda self: self.notebooks())
    @rule(data=st.data())
    def split(self, data):
        from test_state_machine import Artifact, Version

        aid = self.pick(data, self.notebooks(), "notebook")
        n = data.draw(st.integers(1, self.artifacts[aid].latest), label="version")
        source = self.version(aid, n)
        count = len(source.cells)
        faults = self.faults(data, ["empty", "duplicate", "out_of_range", "not_a_notebook"])
        chosen = data.draw(st.permutations(range(count)), label="order")[: data.draw(st.integers(1, max(1, count)))]
        new_id = self.new_id("split")
        body: dict = {"cells": list(chosen), "from": f"{aid}@v{n}", "new_id": new_id}
        target, refuse = aid, set()
        if "empty" in faults or not chosen:
            body["cells"] = []
            refuse.add((400, "invalid"))
        if "duplicate" in faults and chosen:
            body["cells"] = [chosen[0], chosen[0]]
            refuse.add((400, "invalid"))
        if "out_of_range" in faults:
            body["cells"] = [*body["cells"], count]
            refuse.add((400, "invalid"))
        if "not_a_notebook" in faults and len(self.notebooks()) < len(self.artifacts):
            target = self.pick(data, [a for a, x in self.artifacts.items() if x.kind != "notebook"], "not nb")
            body.pop("from")
            refuse = {(404, "not_found")} if not refuse else refuse | {(404, "not_found")}
        r = self.write("POST", f"api/notebooks/{target}/split", body, expect=self.expect(refuse, 201))
        if r.status != 201:
            return
        self.deltas(artifacts=1, notebooks=1, notebook_cells=len(chosen), processing_steps=1)
        cells = [source.cells[i] for i in chosen]
        self.artifacts[new_id] = Artifact("notebook", [Version(new_id, f"{source.title} (split)", source.metadata,
                                                                None, cells, r.json["content_hash"])])
        self.record((aid, n), (new_id, 1), "split")
        whole, part = self.content(aid, n), self.content(new_id, 1)
        self.check(part["cells"] == [whole["cells"][i] for i in chosen] and part["metadata"] == whole["metadata"],
                   lambda: f"split {chosen} of {aid}@v{n} holds {part['cells']}")

    # -- merge ---------------------------------------------------------------------------------

    def pick_other(self, data, aid: str) -> tuple[str, int]:
        """Mostly a relative (a fork, a split, an earlier version), sometimes any notebook version."""
        related = {v for v in self.ancestors((aid, self.artifacts[aid].latest))}
        for src, tgt, kind in self.steps:
            if src[0] == aid and kind in ("fork", "split"):
                related |= {(tgt[0], m) for m in range(1, self.artifacts[tgt[0]].latest + 1)}
        related = sorted(v for v in related if self.artifacts.get(v[0]) and self.artifacts[v[0]].kind == "notebook")
        # Mostly versions the head does not hold yet (a fork's edits), so merges have work to do.
        ahead = [v for v in related if v not in self.ancestors((aid, self.artifacts[aid].latest))]
        if ahead and not self.rarely(data, "an ancestor?"):
            related = ahead
        if related and not self.rarely(data, "any notebook?"):
            other = self.pick(data, related, "other")
            if data.draw(st.booleans(), label="its latest?"):
                other = (other[0], self.artifacts[other[0]].latest)
            return other
        other_id = self.pick(data, self.notebooks(), "other notebook")
        return other_id, data.draw(st.integers(1, self.artifacts[other_id].latest), label="other version")

    @precondition(lambda self: self.notebooks())
    @rule(data=st.data())
    def merge(self, data):
        from test_state_machine import Expect

        aid = self.pick(data, self.notebooks(), "notebook")
        art = self.artifacts[aid]
        other = self.pick_other(data, aid)
        faults = self.faults(data, ["stale", "unknown_other", "bad_resolved", "pinned_path"])
        body: dict = {"other": f"{other[0]}@v{other[1]}"}
        if data.draw(st.booleans(), label="parent_version?"):
            body["parent_version"] = art.latest
        if data.draw(st.booleans(), label="details?"):
            body |= {"agent_id": "merger", "rationale": data.draw(TEXT, label="rationale")}
        target, refuse = aid, set()
        if "pinned_path" in faults:
            target = f"{aid}@v{art.latest}"
        if "unknown_other" in faults:
            body["other"] = f"{other[0]}@v{self.artifacts[other[0]].latest + 1}"
        if "stale" in faults:
            body["parent_version"] = art.latest + 1
        if "bad_resolved" in faults:
            body["resolved"] = {"nbformat": 4, "cells": "no"}
        if faults:
            refuse = ({(400, "invalid")} if {"pinned_path", "bad_resolved"} & faults else set()) \
                | ({(404, "not_found")} if "unknown_other" in faults else set()) \
                | ({(409, "stale_parent")} if "stale" in faults else set())
            self.write("POST", f"api/notebooks/{target}/merge", body, expect=Expect(refuse=tuple(refuse)))
            return
        self.do_merge(data, aid, other, body)

    def do_merge(self, data, aid: str, other: tuple, body: dict) -> None:
        """A merge with nothing wrong on purpose: the answer the model expects, and its rows."""
        from test_state_machine import Expect

        local = (aid, self.artifacts[aid].latest)
        bases = self.best_bases(local, other)
        if other == local:
            r = self.write("POST", f"api/notebooks/{aid}/merge", body, expect=Expect(ok=(200,)))
            self.deltas()
            return
        if not bases:
            self.write("POST", f"api/notebooks/{aid}/merge", body,
                       expect=Expect(refuse=((409, "no_common_ancestor"),)))
            return
        r = self.write("POST", f"api/notebooks/{aid}/merge", body,
                       expect=Expect(ok=(200, 201), refuse=((409, "merge_conflict"),)))
        if r.status == 409:
            self.after_conflict(data, aid, other, bases, r.json, body)
            return
        base = self.base_of(r, aid, bases) if r.status == 201 else min(bases)
        expected, conflicts = nbdime_merge(self.content(*base), self.content(*local), self.content(*other))
        self.check(conflicts == 0, lambda: f"merge stored although nbdime finds {conflicts} conflicts")
        if r.status == 200:
            self.deltas()
            self.check(expected == self.content(*local), "merge answered 200 but nbdime's merge changes the head")
            return
        self.deltas(artifacts=1, notebook_cells=fresh_cells(expected, self.content(*local)), processing_steps=2,
                    notebook_snapshots=1)
        n = self.add_version(aid, r.json, cells_of(expected), "merge", [local, other])
        self.check(self.content(aid, n) == expected, lambda: f"{aid}@v{n} is not nbdime's merged notebook")

    @precondition(lambda self: self.notebooks())
    @rule(data=st.data())
    def diverge_and_merge(self, data):
        """Branch and merge as two agents would: fork, an edit on each side (the same cell, sometimes:
        a conflict), then merge the fork back; all through the rules' own checks."""
        from test_state_machine import Artifact, Expect, Version

        aid = self.pick(data, self.notebooks(), "notebook")
        art = self.artifacts[aid]
        source = art.versions[-1]
        fork_id = self.new_id("fork")
        r = self.write("POST", f"api/artifacts/{aid}/fork", {"new_id": fork_id}, expect=Expect(ok=(201,)))
        self.artifacts[fork_id] = Artifact("notebook", [Version(fork_id, f"{source.title} (fork)", source.metadata,
                                                                None, source.cells, r.json["content_hash"])])
        self.record((aid, art.latest), (fork_id, 1), "fork")
        for nb_id in (aid, fork_id) if data.draw(st.booleans(), label="edit the head too?") else (fork_id,):
            nb = self.edited(data, self.content(nb_id, self.artifacts[nb_id].latest))
            r = self.write("POST", f"api/notebooks/{nb_id}/versions", {"notebook": nb}, expect=Expect(ok=(200, 201)))
            if r.status == 201:
                self.add_version(nb_id, r.json, cells_of(nb), "derive", [(nb_id, self.artifacts[nb_id].latest)])
        self.do_merge(data, aid, (fork_id, self.artifacts[fork_id].latest), {"other": fork_id})

    def base_of(self, r, aid: str, bases: set) -> tuple:
        steps = self.sql("SELECT parameters FROM processing_steps WHERE target_artifact_id = %s "
                         "AND target_version_number = %s AND step_type = 'merge'", (aid, r.json["version_number"]))
        self.check(len(steps) == 2, lambda: f"{aid}@v{r.json['version_number']} has {len(steps)} merge steps")
        ref = steps[0]["parameters"]["base"]
        base_id, _, num = ref.rpartition("@v")
        self.check((base_id, int(num)) in bases, lambda: f"merged over {ref}, the nearest are {bases}")
        return base_id, int(num)

    def after_conflict(self, data, aid: str, other: tuple, bases: set, reply: dict, body: dict):
        """A 409 merge_conflict: what resolving needs is there; sometimes send a resolution."""
        from test_state_machine import Expect

        base_id, _, num = reply["base_ref"].rpartition("@v")
        self.check((base_id, int(num)) in bases, lambda: f"conflict over {reply['base_ref']}, nearest {bases}")
        _, conflicts = nbdime_merge(reply["base"], reply["local"], reply["remote"])
        head = self.content(aid, self.artifacts[aid].latest)
        self.check(conflicts == reply["conflicts"] > 0 and reply["local"] == head,
                   lambda: f"merge_conflict reply {json.dumps(reply)[:600]}")
        if not self.sometimes(data, "resolve?"):
            return
        resolved = copy.deepcopy(reply["remote"] if data.draw(st.booleans(), label="take theirs?") else reply["local"])
        art = self.artifacts[aid]
        r = self.write("POST", f"api/notebooks/{aid}/merge",
                       {**body, "resolved": resolved, "parent_version": art.latest},
                       expect=Expect(ok=(200, 201)))
        if r.status == 200:
            self.deltas()
            return
        self.deltas(artifacts=1, notebook_cells=fresh_cells(resolved, reply["local"]), processing_steps=2,
                    notebook_snapshots=1)
        n = self.add_version(aid, r.json, cells_of(resolved), "merge", [(aid, art.latest), other])
        self.check(self.content(aid, n) == resolved, f"{aid}@v{n} is not the resolution sent")

