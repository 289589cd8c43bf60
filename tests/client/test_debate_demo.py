"""examples/debate_demo.py runs against a real server and leaves what it says it did."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "debate_demo.py"


def test_the_example_runs_the_demonstration(ja_server, ja_client):
    env = {**os.environ, "JUPYTER_ARTIFACTS_URL": f"http://127.0.0.1:{ja_server.port}/",
           "JUPYTER_ARTIFACTS_TOKEN": ja_server.token}
    run = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    provenance = re.search(r"^provenance (sha256:[0-9a-f]{64})$", run.stdout, re.MULTILINE).group(1)
    pinned = dict(re.findall(r"^(\S+@v\d+) +(\w+) +sha256:", run.stdout, re.MULTILINE))
    assert sorted(pinned.values()) == ["input", "reference", "reference", "workbench"], run.stdout

    debate = next(s for s in ja_client.iter_debates(status="closed") if s.chamber_provenance_hash == provenance)
    assert debate.verdict == "supported; replicate" and debate.num_rounds == 3
    rounds = ja_client.get_debate(debate.id).rounds
    notebook_ref = next(ref for ref, role in pinned.items() if role == "workbench")
    cited = [(r.artifact_id, r.version_number) for r in rounds[1].referenced_artifacts if r.role == "output"]
    assert (notebook_ref.split("@v")[0], int(notebook_ref.split("@v")[1])) in cited  # round 2 cites the new version
    step = next(e for e in ja_client.get_lineage(notebook_ref).edges if e.target == notebook_ref)
    assert (step.step_type, step.method, step.chamber_id) == ("cell_append", "differential-expression",
                                                              debate.chamber_id)
    assert "TREM2: log2FC=+" in ja_client.export_notebook(notebook_ref)["cells"][-1]["outputs"][0]["text"]
