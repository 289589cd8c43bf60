"""A real JupyterHub in a subprocess, configured by examples/jupyterhub_config.py plus the
test's overrides (free ports, a temporary directory, an admin service token), driven through
its REST API. Not a fixture module: test_hub.py makes the fixtures."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jupyterhub_config.py"
SERVICE = "hub-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_binary(name: str, *also: Path) -> str | None:
    """`name` next to this interpreter, on PATH, or in one of `also`."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    return shutil.which(name) or next((str(d / name) for d in also if (d / name).exists()), None)


def proxy_binary() -> str | None:
    """configurable-http-proxy: on PATH, or where `make hub-proxy` installs it (inside the venv)."""
    return venv_binary("configurable-http-proxy", Path(sys.prefix) / "hub-proxy" / "node_modules" / ".bin")


class Hub:
    """`with Hub(tmp, base_url, proxy) as hub:` a running hub; stopped (servers and proxy
    with it, and any process of it left behind) on exit, whatever happened."""

    def __init__(self, tmp: Path, base_database_url: str, proxy: str):
        self.tmp = tmp
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(24)
        self.base_database_url = base_database_url
        self.proxy = proxy
        self.proc: subprocess.Popen | None = None
        self.seen: list[psutil.Process] = []  # its processes (proxy, servers): killed at the end if still alive
        self.log_path = tmp / "hub.log"

    def config(self) -> str:
        tmp = self.tmp
        singleuser = venv_binary("jupyterhub-singleuser")
        root_flag = ["--allow-root"] if os.getuid() == 0 else []
        return f"""
load_subconfig({str(EXAMPLE)!r})
# Test overrides: built-in users and spawner, free ports, everything under the test's directory.
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp / "home" / "{username}")!r}
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args.extend({root_flag!r})
c.Spawner.env_keep = ["PATH", "LANG", "JUPYTERHUB_SINGLEUSER_APP"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.JupyterHub.bind_url = {self.url!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{self.hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{self.api_port}"
c.ConfigurableHTTPProxy.command = [{self.proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {str(tmp / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{tmp / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(tmp / "hub.pid")!r}
c.JupyterHub.services = [{{"name": {SERVICE!r}, "api_token": {self.token!r}}}]
c.JupyterHub.load_roles = [{{"name": "hub-test-admin", "services": [{SERVICE!r}],
    "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"]}}]
"""

    def __enter__(self) -> Hub:
        path = self.tmp / "jupyterhub_config.py"
        path.write_text(self.config())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CONFIGPROXY"))}
        env["JUPYTER_ARTIFACTS_HUB_DATABASE_URL"] = self.base_database_url
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([venv_binary("jupyterhub"), "-f", str(path)], cwd=self.tmp, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_until(lambda: self.api("GET", "/", quiet=True)[0] == 200, 90, "the hub never answered")
            self.remember_children()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is None:
            return
        # The hub stops its servers and proxy itself; anything of it still alive after is killed
        # (also what it started before it died, if it did).
        self.remember_children()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for signal in ("terminate", "kill"):
            for child in self.seen:
                try:
                    getattr(child, signal)()
                except psutil.Error:
                    pass
            psutil.wait_procs(self.seen, timeout=15)
        self.proc = None
        self.log.close()

    def remember_children(self) -> None:
        try:
            self.seen += [p for p in psutil.Process(self.proc.pid).children(recursive=True) if p not in self.seen]
        except psutil.Error:
            pass

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_until(self, predicate, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} within {seconds} s:\n{self.log_tail()}")
            time.sleep(0.3)

    def api(self, method: str, path: str, body=None, quiet: bool = False) -> tuple[int, object]:
        """The hub's REST API (/hub/api...) with the admin service's token."""
        return request(method, f"{self.url}/hub/api{path}", self.token, body, quiet=quiet)

    def add_user(self, name: str) -> str:
        """Create the user, start their server through the API, wait until it is ready;
        returns a new API token of the user's own."""
        status, reply = self.api("POST", f"/users/{name}")
        assert status == 201, (status, reply)
        status, reply = self.api("POST", f"/users/{name}/server")
        assert status in (201, 202), (status, reply)
        self.wait_until(lambda: ((self.api("GET", f"/users/{name}")[1].get("servers") or {}).get("") or {})
                        .get("ready"), 150, f"{name}'s server was not ready")
        self.remember_children()
        status, reply = self.api("POST", f"/users/{name}/tokens", {"note": "hub test"})
        assert status == 201, (status, reply)
        return reply["token"]


def request(method: str, url: str, token: str | None, body=None, quiet: bool = False) -> tuple[int, object]:
    """(status, JSON body or text) of one HTTP request; redirects are not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=120) as reply:
            status, raw = reply.status, reply.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except OSError:
        if quiet:
            return 0, None
        raise
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")
