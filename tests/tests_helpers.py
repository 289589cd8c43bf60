"""Helpers shared by test modules (not fixtures)."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(tmp_path, *args, url=None, extra_env=None) -> subprocess.CompletedProcess:
    """Run `jupyter artifacts ARGS` in a clean Jupyter environment under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_PLATFORM_DIRS="1")
    if url:
        env["JUPYTER_ARTIFACTS_DATABASE_URL"] = url
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "jupyter_artifacts.cli", *args], env=env,
                          capture_output=True, text=True, timeout=180)
