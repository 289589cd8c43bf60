"""The demonstration, in the client's own words: a hypothesis, a notebook grown by an agent's
cell appends, a debate whose rounds cite exact versions, closed with a provenance hash.

    JUPYTER_ARTIFACTS_URL=http://127.0.0.1:8888/ JUPYTER_ARTIFACTS_TOKEN=<token> python examples/debate_demo.py
"""

import nbformat.v4 as nbf

from jupyter_artifacts.client import Client

COUNTS = """ad = {'TREM2': [5.1, 6.3, 7.2, 6.8], 'APOE': [4.0, 4.2, 3.9, 4.4]}
ctrl = {'TREM2': [3.2, 3.9, 4.1, 3.5], 'APOE': [4.1, 4.0, 4.3, 4.2]}"""
DE = """import math, statistics
for gene in ad:
    print(f'{gene}: log2FC={math.log2(statistics.mean(ad[gene]) / statistics.mean(ctrl[gene])):+.2f}')"""

api = Client()
hypothesis = api.create_artifact(artifact_type="hypothesis", title="TREM2 loss raises plaque load",
                                 content={"statement": "Loss of microglial TREM2 raises amyloid plaque load."})
paper = api.create_artifact(artifact_type="paper", title="Microglial TREM2 in amyloid clearance",
                            content={"abstract": "TREM2 is up in plaque-associated microglia."})
ed = api.create_artifact(artifact_type="persona", title="Ed Lein, transcriptomics").artifact_id
notebook = api.register_notebook(nbf.new_notebook(cells=[nbf.new_markdown_cell("# Plaque microglia")]),
                                 title="Plaque microglia").notebook_id
api.append_cell(notebook, COUNTS, agent_id=ed, rationale="Load the counts")

debate = api.open_debate(hypothesis.ref, "Does TREM2 loss raise plaque load?", pull=[paper.ref, ed])
api.post_round(debate.id, f"{paper.ref} reports TREM2 up in plaque microglia; test {hypothesis.ref} on counts.",
               actor_id=ed, prompt=f"Does {hypothesis.ref} hold given {paper.ref}?")
de = api.append_cell(notebook, DE, execute=True, actor_type="persona", actor_id=ed,
                     method="differential-expression", parameters={"contrast": "AD vs control", "fdr": 0.05},
                     chamber_id=debate.chamber_id, rationale="Test the hypothesis on the notebook's counts")
trem2 = de.outputs[0]["text"].splitlines()[0]
api.post_round(debate.id, f"{de.ref} gives {trem2}, consistent with {hypothesis.ref}.",
               actor_id=ed, prompt="What does the new differential expression show?")
api.post_round(debate.id, f"Supported at this sample size; replicate before relying on {paper.ref}.", actor_id=ed)
closed = api.close_debate(debate.id, verdict="supported; replicate")

for pinned in api.debate_artifacts(debate.id).artifacts:
    print(f"{pinned.ref:32} {pinned.role:10} {pinned.content_hash}")
for step in api.get_lineage(notebook).edges:
    print(f"{step.source} -> {step.target}: {step.step_type} by {step.actor_id} ({step.method})")
print("provenance", closed.chamber_provenance_hash)
