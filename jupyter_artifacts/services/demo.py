"""The demonstration world of the spec, and its debate scenario.

`load_world` writes what an existing deployment would already hold: hypothesis-H-89 at v3,
paper-P-77 at v1, persona ed-lein, and notebook NB-12 whose v2 is a fork that an older
service wrote (plain SQL, as another service would: its link becomes a legacy step).
`run_scenario` then runs the debate of the spec's acceptance test through the services;
the end-to-end test runs the same steps over REST."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from ..db.pool import Database
from ..hashing import canonical_text, content_hash
from ..models.artifacts import CreateArtifact, NewVersion
from ..models.chambers import PullEntry
from ..models.debates import CloseDebate, CreateDebate, CreateRound
from ..models.notebooks import AppendCell
from ..notebooks.format import assemble, empty_notebook, skeleton
from .actors import Actor

HYPOTHESIS, PAPER, PERSONA, NOTEBOOK = "hypothesis-H-89", "paper-P-77", "ed-lein", "NB-12"
NOTEBOOK_V2_ROW = "NB-12-fork"  # a row id of the older service's own making

NB_CELLS = [
    {"id": "load", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
     "source": "ad = {'TREM2': [5.1, 6.3, 7.2, 6.8], 'APOE': [4.0, 4.2, 3.9, 4.4], 'CD33': [2.2, 2.9, 2.4, 2.6]}\n"
               "ctrl = {'TREM2': [3.2, 3.9, 4.1, 3.5], 'APOE': [4.1, 4.0, 4.3, 4.2], 'CD33': [2.1, 2.5, 2.2, 2.4]}"},
    {"id": "qc", "cell_type": "markdown", "metadata": {}, "source": "## Microglial expression, AD vs control"},
    # Stored with what the code prints, so that the version replays as `reproduced` (API.md, "Replay").
    {"id": "fork", "cell_type": "code", "metadata": {}, "execution_count": None,
     "outputs": [{"output_type": "stream", "name": "stdout", "text": "3 genes\n"}],
     "source": "import statistics\nmean = statistics.mean\nprint(len(ad), 'genes')"},
]

DE_CELL = (
    "import math\n"
    "for gene in ad:\n"
    "    a, c = ad[gene], ctrl[gene]\n"
    "    lfc = math.log2(mean(a) / mean(c))\n"
    "    se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(c) / len(c))\n"
    "    print(f'{gene}: log2FC={lfc:+.2f} t={(mean(a) - mean(c)) / se:+.2f}')"
)
DE_PARAMETERS = {"contrast": "AD vs control", "fdr": 0.05}

ROUNDS = [
    (f"Does {HYPOTHESIS}@v3 hold given {PAPER}?",
     f"{PAPER} reports TREM2 up in plaque-associated microglia; {HYPOTHESIS} should be tested on counts."),
    ("What does the new differential expression show?",
     f"{NOTEBOOK}@v3 gives TREM2 log2FC of about +0.8 (AD vs control), consistent with {HYPOTHESIS}."),
    ("Verdict?", f"Supported at this sample size; replicate before relying on {PAPER}."),
]


async def is_empty(db: Database) -> bool:
    async with db.connection() as conn:
        cur = await conn.execute("SELECT NOT EXISTS (SELECT 1 FROM artifacts) AS empty")
        return (await cur.fetchone())["empty"]


async def load_world(services, actor: Actor) -> None:
    """The artifacts that exist before the debate."""
    arts = services.artifacts
    await arts.create(CreateArtifact(id=HYPOTHESIS, artifact_type="hypothesis", title="TREM2 loss raises plaque load",
                                     content={"statement": "Loss of microglial TREM2 raises amyloid plaque load."}),
                      actor)
    await arts.new_version(HYPOTHESIS, NewVersion(content={"statement": "Loss of microglial TREM2 raises plaque "
                                                                        "load in aged mice."},
                                                  changelog="narrowed to aged mice"), actor)
    await arts.new_version(HYPOTHESIS, NewVersion(title="TREM2 loss raises plaque load in aged mice",
                                                  changelog="title follows the statement"), actor)
    await arts.create(CreateArtifact(id=PAPER, artifact_type="paper", title="Microglial TREM2 in amyloid clearance",
                                     metadata={"doi": "10.0000/example.77"},
                                     content={"abstract": "TREM2 is up in plaque-associated microglia."}), actor)
    await arts.create(CreateArtifact(id=PERSONA, artifact_type="persona", title="Ed Lein, transcriptomics",
                                     content={"bio": "Reads every claim through expression data."}), actor)
    await _legacy_notebook(services.db)


async def _legacy_notebook(db: Database) -> None:
    """NB-12 v1 and its fork v2, written the way an older service writes: plain inserts,
    no lineage key, a derives_from link (whose processing step the database's trigger adds)."""
    base = empty_notebook()
    v1 = assemble(skeleton(base), NB_CELLS[:2])
    v2 = assemble(skeleton(base), NB_CELLS)

    async def work(conn):
        # This transaction speaks as another service, so the triggers treat it as one.
        await conn.execute("SET LOCAL jupyter_artifacts.writer = 'demo-legacy-service'")
        for row_id, n, parent, nb, title in ((NOTEBOOK, 1, None, v1, "Plaque microglia"),
                                             (NOTEBOOK_V2_ROW, 2, NOTEBOOK, v2, "Plaque microglia (fork)")):
            await conn.execute("""
                INSERT INTO artifacts (id, artifact_type, title, metadata, content, content_hash, version_number,
                                       parent_version_id, is_latest)
                VALUES (%s, 'notebook', %s, '{}'::jsonb, %s, %s, %s, %s, TRUE)""",
                (row_id, title, Jsonb(skeleton(nb)), content_hash("notebook", title, {}, nb), n, parent))
        await conn.execute("INSERT INTO artifact_links (source_artifact_id, target_artifact_id, link_type) "
                           "VALUES (%s, %s, 'derives_from')", (NOTEBOOK_V2_ROW, NOTEBOOK))
        await conn.execute("INSERT INTO notebooks (id, title, ipynb_path) VALUES (%s, %s, %s)",
                           (NOTEBOOK, "Plaque microglia", "site/notebooks/NB-12.ipynb"))
        for index, cell in enumerate(NB_CELLS):
            owner = NOTEBOOK if index < 2 else NOTEBOOK_V2_ROW
            await conn.execute("""
                INSERT INTO notebook_cells (notebook_id, cell_index, cell_type, code, notebook_artifact_id, cell_id,
                                            cell_metadata, outputs, execution_count, canonical)
                VALUES (%s, %s, %s, %s, %s, %s, '{}'::jsonb, %s, NULL, %s)""",
                (NOTEBOOK, index, cell["cell_type"], cell["source"], owner, cell["id"],
                 Jsonb(cell["outputs"]) if "outputs" in cell else None, canonical_text(cell)))

    await db.run(work)


async def run_scenario(services, user: str) -> dict:
    """The spec's demonstration debate; returns the debate session."""
    ed = Actor("persona", PERSONA, user)
    debate = await services.debates.create(CreateDebate(
        target_artifact_id=f"{HYPOTHESIS}@v3", topic="Does TREM2 loss raise plaque load?",
        debate_type="evidence_assessment", pull=[PullEntry(artifact_id=PAPER), PullEntry(artifact_id=PERSONA)]),
        Actor("user", user, user))
    prompt, content = ROUNDS[0]
    await services.debates.add_round(debate.id, CreateRound(actor_id=PERSONA, prompt=prompt, content=content), ed)
    await services.notebooks.append(NOTEBOOK, AppendCell(
        source=DE_CELL, execute=True, agent_id=None, actor_type="persona", actor_id=PERSONA,
        method="differential-expression", parameters=DE_PARAMETERS, parent_version=2,
        chamber_id=debate.chamber_id, rationale="Test the hypothesis on the notebook's counts"), ed)
    for prompt, content in ROUNDS[1:]:
        await services.debates.add_round(debate.id, CreateRound(actor_id=PERSONA, prompt=prompt, content=content),
                                         ed)
    closed = await services.debates.close(debate.id, CloseDebate(verdict="supported; replicate"), ed)
    return closed.model_dump(mode="json")
