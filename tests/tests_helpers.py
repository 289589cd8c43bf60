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


class JupyterServer:
    """A real Jupyter server subprocess with the extension, on `database_url` (a second
    server beside pytest-jupyter's, as under JupyterHub)."""

    def __init__(self, tmp_path, database_url: str, *extra_args: str, name: str = "second"):
        import secrets
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.tmp = tmp_path
        self.url = database_url
        self.proc = None
        self.extra_args = list(extra_args)
        self.name = name

    def __enter__(self):
        import time

        root = self.tmp / f"{self.name}-root"
        root.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
        env.update(JUPYTER_ARTIFACTS_DATABASE_URL=self.url, JUPYTER_CONFIG_DIR=str(self.tmp / f"{self.name}-config"),
                   JUPYTER_DATA_DIR=str(self.tmp / f"{self.name}-data"),
                   JUPYTER_RUNTIME_DIR=str(self.tmp / f"{self.name}-rt"))
        self.log = open(self.tmp / f"{self.name}-server.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root", f"--port={self.port}",
             "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={self.token}",
             f"--ServerApp.root_dir={root}", "--ServerApp.jpserver_extensions={'jupyter_artifacts': True}",
             *self.extra_args],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while self.call("GET", "/api/jupyter_artifacts/status", quiet=True)[0] != 200:
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError((self.tmp / f"{self.name}-server.log").read_text()[-3000:])
            time.sleep(0.3)
        return self

    def call(self, method: str, path: str, body=None, quiet: bool = False) -> tuple[int, object]:
        import http.client
        import json

        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
            reply = conn.getresponse()
            data = reply.read()
            conn.close()
            return reply.status, json.loads(data) if data else None
        except OSError:
            if quiet:
                return 0, None
            raise

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
