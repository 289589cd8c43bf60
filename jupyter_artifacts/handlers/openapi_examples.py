"""Request-body examples of the OpenAPI document, by operationId (handlers/openapi.py adds them
to each operation's body; an `@api_doc(examples=...)` adds to or overrides them).

They tell the demonstration's story (`jupyter artifacts demo`): hypothesis-H-89 at v3, the paper
paper-P-77, the persona ed-lein and the notebook NB-12 at v3. Each one is a valid body (the
tests check it against its schema); the first of each operation is the plainest call."""

from __future__ import annotations

NOTEBOOK = {
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"},
                 "language_info": {"name": "python"}},
    "cells": [
        {"id": "load", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "ad = {'TREM2': [5.1, 6.3, 7.2, 6.8]}\nctrl = {'TREM2': [3.2, 3.9, 4.1, 3.5]}"},
        {"id": "qc", "cell_type": "markdown", "metadata": {}, "source": "## Microglial expression, AD vs control"},
    ],
}
DE_CELL = "import statistics\nprint(statistics.mean(ad['TREM2']) / statistics.mean(ctrl['TREM2']))"

EXAMPLES: dict[str, dict] = {
    "createArtifact": {
        "hypothesis": {"summary": "A hypothesis: content {statement}", "value": {
            "id": "hypothesis-H-90", "artifact_type": "hypothesis", "title": "TREM2 variants slow plaque clearance",
            "content": {"statement": "TREM2 R47H carriers clear amyloid plaques more slowly."},
            "agent_id": "ed-lein", "changelog": "first statement"}},
        "paper": {"summary": "A paper: content {abstract, text?}, its DOI in metadata", "value": {
            "id": "paper-P-78", "artifact_type": "paper", "title": "TREM2 R47H and microglial phagocytosis",
            "content": {"abstract": "R47H reduces microglial uptake of amyloid."},
            "metadata": {"doi": "10.0000/example.78"}}},
        "dataset": {"summary": "A dataset: content {description, …}", "value": {
            "artifact_type": "dataset", "title": "Plaque microglia counts, AD vs control",
            "content": {"description": "Per-donor TREM2 expression in plaque-associated microglia."}}},
        "persona": {"summary": "A persona: content {bio}", "value": {
            "id": "persona-beth", "artifact_type": "persona", "title": "Beth, amyloid imaging",
            "content": {"bio": "Trusts plaque counts over expression data."}}},
    },
    "newVersion": {
        "narrow": {"summary": "New content; title and metadata carry over", "value": {
            "content": {"statement": "Loss of microglial TREM2 raises plaque load in aged female mice."},
            "changelog": "narrowed to female mice", "agent_id": "ed-lein"}},
        "conditional": {"summary": "Only if v3 is still the latest (else 409 stale_parent)", "value": {
            "title": "TREM2 loss raises plaque load in aged female mice", "parent_version": 3,
            "method": "manual-edit", "parameters": {"reviewer": "ed-lein"}}},
    },
    "setLifecycle": {
        "deprecate": {"value": {"lifecycle_state": "deprecated"}},
        "superseded": {"value": {"lifecycle_state": "superseded", "superseded_by": "hypothesis-H-89@v3"}},
    },
    "tagVersion": {
        "tag": {"value": {"tag": "reviewed", "agent_id": "ed-lein"}},
        "move": {"summary": "Move the tag from whichever version holds it", "value": {"tag": "reviewed", "move": True}},
    },
    "createLink": {
        "supports": {"value": {"source": "NB-12@v3", "target": "hypothesis-H-89@v3", "link_type": "supports",
                               "strength": 0.7, "evidence": "TREM2 log2FC about +0.8, AD vs control.",
                               "agent_id": "ed-lein", "method": "differential-expression"}},
    },
    "registerNotebook": {
        "notebook": {"summary": "From nbformat JSON", "value": {"id": "NB-13", "title": "Plaque microglia replication",
                                                                "notebook": NOTEBOOK, "agent_id": "ed-lein"}},
        "path": {"summary": "From a file in the server's contents", "value": {"path": "analysis/trem2.ipynb"}},
    },
    "appendCell": {
        "markdown": {"summary": "A note, not executed", "value": {
            "cell_type": "markdown", "source": "TREM2 is up in AD; see hypothesis-H-89@v3.", "agent_id": "ed-lein"}},
        "executed": {"summary": "A code cell run in a fresh kernel, conditional on v3, recorded with its method",
                     "value": {"cell_type": "code", "source": DE_CELL, "execute": True, "agent_id": "ed-lein",
                               "method": "differential-expression",
                               "parameters": {"contrast": "AD vs control", "fdr": 0.05},
                               "rationale": "Test the hypothesis on the notebook's counts", "parent_version": 3,
                               "idempotency_key": "3f2c9a52-6a77-4a55-9d0e-1b2f7e5c8d41"}},
    },
    "diffNotebookCopy": {"copy": {"value": {"notebook": NOTEBOOK, "ignore_outputs": True}}},
    "commitNotebook": {
        "notebook": {"summary": "An edited notebook", "value": {
            "notebook": NOTEBOOK, "agent_id": "ed-lein", "rationale": "Kept the TREM2 counts only"}},
        "conditional": {"summary": "Only if v3 is still the latest", "value": {
            "notebook": NOTEBOOK, "parent_version": 3, "method": "manual-edit",
            "idempotency_key": "0b6c1f0e-3d4a-4d8e-a2f1-7c9e5b3a1d20"}},
    },
    "forkArtifact": {
        "fork": {"value": {"from": "NB-12@v3", "new_id": "NB-12-replication", "title": "Plaque microglia, replication",
                           "agent_id": "ed-lein", "rationale": "Replicate on a second cohort"}},
        "latest": {"summary": "Fork the latest version under a generated id", "value": {}},
    },
    "mergeNotebook": {
        "merge": {"value": {"other": "NB-12-replication@v2", "parent_version": 3, "agent_id": "ed-lein",
                            "rationale": "Bring the replication's cells back"}},
        "resolved": {"summary": "After a 409 merge_conflict: the notebook as resolved", "value": {
            "other": "NB-12-replication@v2", "parent_version": 3, "resolved": NOTEBOOK,
            "rationale": "Kept both analyses"}},
    },
    "previewMerge": {
        "other": {"value": {"other": "NB-12-replication@v2"}},
        "copy": {"summary": "An edited copy made from v2", "value": {"notebook": NOTEBOOK, "base": "NB-12@v2"}},
    },
    "splitNotebook": {
        "split": {"value": {"cells": [0, 1], "from": "NB-12@v3", "new_id": "NB-12-loading",
                            "title": "Plaque microglia: loading", "agent_id": "ed-lein",
                            "rationale": "Loading on its own, for reuse"}},
    },
    "createChamber": {
        "design": {"value": {"name": "TREM2 replication design", "purpose": "experiment_design",
                             "owner_actor_type": "persona", "owner_actor_id": "ed-lein", "agent_id": "ed-lein"}},
    },
    "pullIntoChamber": {
        "pull": {"summary": "The hypothesis as input, the paper for reference, the notebook to work on", "value": [
            {"artifact_id": "hypothesis-H-89@v3", "role": "input"}, {"artifact_id": "paper-P-77"},
            {"artifact_id": "NB-12", "version_number": 3, "role": "workbench"}]},
    },
    "closeChamber": {
        "close": {"summary": "Close: the provenance hash is taken", "value": {"agent_id": "ed-lein"}},
        "result": {"summary": "Close with a result artifact", "value": {"result": {
            "artifact_type": "hypothesis", "title": "TREM2 loss raises plaque load in aged mice (replicated design)",
            "content": {"statement": "A replication on 12 donors per arm should detect log2FC 0.8."}}}},
    },
    "openPersonaWorkspace": {"persona": {"value": {"actor_type": "persona", "actor_id": "ed-lein"}}},
    "openDebate": {
        "debate": {"value": {"target_artifact_id": "hypothesis-H-89@v3", "topic": "Does TREM2 loss raise plaque load?",
                             "debate_type": "evidence_assessment",
                             "pull": [{"artifact_id": "paper-P-77"}, {"artifact_id": "ed-lein"}]}},
    },
    "postRound": {
        "round": {"value": {"actor_type": "persona", "actor_id": "ed-lein",
                            "prompt": "Does hypothesis-H-89@v3 hold given paper-P-77?",
                            "content": "paper-P-77 reports TREM2 up in plaque-associated microglia; NB-12@v3 gives "
                                       "a log2FC of about +0.8, consistent with hypothesis-H-89.",
                            "evidence": [{"artifact_id": "NB-12", "version_number": 3}]}},
    },
    "closeDebate": {"verdict": {"value": {"verdict": "Supported at this sample size; replicate before relying on it.",
                                          "agent_id": "ed-lein"}}},
}
