"""Every method of the sync client, once, in a researcher's order, against a real server."""

from __future__ import annotations

import copy

import pytest
from tests_helpers import notebook

from jupyter_artifacts.client import Ref
from jupyter_artifacts.models.common import Version
from jupyter_artifacts.models.jobs import JobAccepted
from jupyter_artifacts.models.lineage import LineageGraph, ProvDocument
from jupyter_artifacts.models.notebooks import Appended

pytestmark = pytest.mark.slow

COUNTS = "ad = {'TREM2': [5.1, 6.3, 7.2, 6.8]}\nctrl = {'TREM2': [3.2, 3.9, 4.1, 3.5]}"


def test_artifacts_versions_tags_links(ja_client):
    api = ja_client
    assert api.status().database.ok
    h1 = api.create_artifact(artifact_type="hypothesis", title="TREM2 loss raises plaque load",
                             content={"statement": "Loss of TREM2 raises plaque load."}, agent_id="ed-lein")
    assert isinstance(h1, Version) and isinstance(h1.ref, Ref) and h1.ref.version == 1 and h1.parent_ref is None
    # A pinned ref (here the version object itself) means "on top of that version".
    h2 = api.new_version(h1, content={"statement": "... in aged mice."}, changelog="narrowed")
    assert h2.ref == Ref.of(h1.artifact_id, 2) and h2.parent_ref == h1.ref
    assert api.get_version(h1.ref).content == {"statement": "Loss of TREM2 raises plaque load."}
    assert api.get_version(h1.artifact_id).ref == h2.ref
    assert [v.ref for v in api.list_versions(h2.ref).versions] == [h1.ref, h2.ref]
    diff = api.diff_versions(h2.ref)
    assert (diff.from_, diff.to, diff.content_changed) == (1, 2, True) and set(diff.fields) == {"content", "changelog"}
    assert api.diff_versions(h1.artifact_id, from_=1, to=2).to_ref == h2.ref
    assert "baseline" in api.tag_version(h1.ref, "baseline").tags
    retired = api.set_lifecycle(h1.ref, "superseded", superseded_by=h2.ref)
    assert retired.lifecycle_state == "superseded" and retired.superseded_by == h2.ref

    paper = api.create_artifact(artifact_type="paper", title="Microglial TREM2 in amyloid clearance")
    link = api.create_link(h2, paper.ref, "cites", strength=0.8, evidence="abstract")
    assert (link.source, link.target, link.link_type) == (h2.ref, paper.ref, "cites")
    assert [x.id for x in api.get_links(h2.ref).outgoing] == [link.id]
    assert [x.id for x in api.get_links(paper.artifact_id).incoming] == [link.id]
    found = api.search_artifacts(q="TREM2 plaque")
    assert h2.ref in [v.ref for v in found.items] and found.items[0].match is not None
    assert {"hypothesis", "paper"} <= {t.artifact_type for t in api.artifact_types().types}
    assert api.request("GET", "api/artifacts", params={"type": "paper"})["items"][0]["ref"] == paper.ref
    assert "/api/artifacts" in api.openapi()["paths"]


def test_notebooks_commit_fork_merge_split_lineage(ja_client):
    api = ja_client
    reg = api.register_notebook(notebook(COUNTS), title="Plaque microglia")
    nb = reg.notebook_id
    assert reg.version_number == 1 and api.get_notebook(nb).latest_version == 1
    plain = api.append_cell(nb, "print(sorted(ad))", agent_id="ed-lein", method="listing", parameters={"k": 1})
    assert isinstance(plain, Appended) and plain.version_number == 2 and plain.execution.status == "not_requested"
    ran = api.append_cell(nb, "print(len(ad))", execute=True, agent_id="ed-lein")
    assert ran.version_number == 3 and ran.execution.status == "ok" and ran.outputs[0]["text"] == "1\n"
    assert (reg.ref, ran.ref, ran.parent_ref) == (Ref.of(nb, 1), Ref.of(nb, 3), Ref.of(nb, 2))
    exported = api.export_notebook(Ref.of(nb, 3))
    assert len(exported["cells"]) == 3 and exported["metadata"]["jupyter_artifacts"]["version_number"] == 3
    assert "<html" in api.export_notebook(nb, 3, format="html").lower()
    assert api.notebook_diff(nb, from_=1, to=3).summary.added == [1, 2]

    edited = copy.deepcopy(exported)
    del edited["metadata"]["jupyter_artifacts"]
    edited["cells"][1]["source"] = "print(sorted(ad, reverse=True))"
    assert api.diff_notebook_copy(nb, edited).summary.modified == [1]
    committed = api.commit_notebook(nb, edited, parent_version=3, rationale="newest first")
    assert committed.version_number == 4 and committed.summary.modified == [1]

    fork = api.fork_artifact(committed.ref, title="Plaque microglia (fork)")
    assert fork.version_number == 1 and fork.artifact_type == "notebook" and fork.artifact_id != nb
    theirs = api.append_cell(fork.artifact_id, "print('fork')")
    preview = api.preview_merge(nb, Ref.of(fork.artifact_id, theirs.version_number))
    assert preview.conflicts == 0 and preview.merged is not None and preview.local_ref == committed.ref
    merged = api.merge_notebook(nb, Ref.of(fork.artifact_id, 2), rationale="take the fork's cell")
    assert merged.version_number == 5 and merged.summary.added == [3]
    part = api.split_notebook(merged.ref, cells=[0, 3], title="Counts and fork")
    assert part.version_number == 1 and part.artifact_type == "notebook"
    assert len(api.export_notebook(part.ref)["cells"]) == 2

    graph = api.get_lineage(nb, direction="both", max_depth=10)
    assert isinstance(graph, LineageGraph)
    assert {e.step_type for e in graph.edges} >= {"cell_append", "derive", "fork", "merge", "split"}
    prov = api.get_lineage(Ref.of(nb, 3), format="prov-json")
    assert isinstance(prov, ProvDocument) and prov.entity

    # An executed append as a job, left to the caller, then awaited.
    accepted = api.append_cell(nb, "print(2 + 2)", execute=True, wait=False)
    assert isinstance(accepted, JobAccepted)
    done = api.wait_job(accepted)
    assert isinstance(done, Appended) and done.version_number == 6 and done.outputs[0]["text"] == "4\n"
    job = api.get_job(accepted.job_id)
    assert job.status == "done" and job.kind == "append_cell" and job.result["version_number"] == 6


def test_chambers_personas_debates(ja_client):
    api = ja_client
    hyp = api.create_artifact(artifact_type="hypothesis", title="Chamber hypothesis")
    paper = api.create_artifact(artifact_type="paper", title="Chamber paper")
    persona = api.create_artifact(artifact_type="persona", title="Ed Lein, transcriptomics")

    chamber = api.create_chamber("design", "experiment_design", agent_id="ed-lein")
    pulled = api.pull_into_chamber(chamber.id, [hyp.ref, {"artifact_id": paper.artifact_id, "role": "input"}])
    assert {(p.ref, p.role) for p in pulled.artifacts} == {(hyp.ref, "reference"), (paper.ref, "input")}
    assert api.get_chamber(chamber.id).id == chamber.id
    assert chamber.id in [c.id for c in api.list_chambers(purpose="experiment_design").items]
    assert chamber.id in [c.id for c in api.iter_chambers(status="open", limit=1)]
    closed = api.close_chamber(chamber.id, result={"artifact_type": "design", "title": "Plan", "content": {"n": 4}})
    assert closed.closed_at and closed.provenance_hash.startswith("sha256:") and closed.result_artifact_id

    workspace = api.persona_workspace(persona.artifact_id)
    assert workspace.purpose == "persona_workspace"
    assert api.persona_workspace(persona.ref, create=False).id == workspace.id

    debate = api.open_debate(hyp.ref, "Does it hold?", pull=[paper.ref])
    assert debate.target_artifact_version == 1 and debate.chamber_id
    r1 = api.post_round(debate.id, f"{paper.ref} supports {hyp.artifact_id}.", actor_id=persona.artifact_id,
                        prompt="Does it hold?", evidence=[paper.artifact_id])
    assert {(x.artifact_id, x.role) for x in r1.referenced_artifacts} >= {(paper.artifact_id, "output"),
                                                                         (paper.artifact_id, "evidence")}
    assert [r.round_number for r in api.get_debate(debate.id).rounds] == [1]
    assert debate.id in [s.id for s in api.list_debates(target=hyp.artifact_id).items]
    assert debate.id in [s.id for s in api.iter_debates(status="open", limit=1)]
    done = api.close_debate(debate.id, verdict="supported")
    assert done.closed_at and done.chamber_provenance_hash.startswith("sha256:")
    union = api.debate_artifacts(debate.id)
    assert union.chamber_provenance_hash == done.chamber_provenance_hash
    assert {a.ref for a in union.artifacts} == {hyp.ref, paper.ref}
