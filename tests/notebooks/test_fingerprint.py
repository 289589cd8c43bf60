"""jupyter_artifacts.notebooks.fingerprint: the environment a replay reports."""

from __future__ import annotations

import importlib.metadata
import sys

from jupyter_artifacts.notebooks.fingerprint import packages_hash, packages_on, server_environment


def dist_info(folder, name: str, version: str) -> None:
    d = folder / f"{name}-{version}.dist-info"
    d.mkdir()
    (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_packages_on_paths_are_canonical_and_follow_installs(tmp_path):
    dist_info(tmp_path, "Foo_Bar", "1.0")
    assert packages_on([str(tmp_path)]) == ("foo-bar==1.0",)
    dist_info(tmp_path, "baz", "2.1")  # an install changes the directory: the cache is not used
    assert packages_on([str(tmp_path)]) == ("baz==2.1", "foo-bar==1.0")


def test_server_environment_names_this_interpreter():
    env = server_environment()
    assert env["source"] == "server"
    assert env["python"] == ".".join(map(str, sys.version_info[:3]))
    assert f"psutil=={importlib.metadata.version('psutil')}" in env["packages"]
    assert env["packages_hash"] == packages_hash(env["packages"])
    assert packages_hash([]) is None
