"""Browser-test machinery: a real `jupyter lab` subprocess with only this repository's
extensions on the test's database schema, and headless Chromium (Debian's package, driven
by Playwright without its own browser download). Screenshots go to
test-artifacts/screenshots/ (light and dark), for a person to look at."""

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SIDEBAR_ID = "jupyter-artifacts-sidebar"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_TITLE = "<img src=x onerror=alert(1)> TREM2"
HOSTILE_TITLE_2 = "<script>window.__pwned = 1</script> APOE <b>bold</b>"


@dataclass
class Lab:
    url: str  # http://127.0.0.1:<port>/ (the server's base_url is /)
    token: str
    log: Path
    root: Path  # the server's contents root

    def request(self, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            with error:
                text = error.read().decode(errors="replace")
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _built_labextension() -> Path:
    import jupyter_artifacts

    built = Path(jupyter_artifacts.__file__).parent / "labextension"
    if not (built / "package.json").is_file():
        pytest.fail(f"no built labextension at {built}: run `cd labextension && jlpm install && jlpm build:prod`")
    return built


def log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def lab(database_url: str, tmp_path: Path) -> Iterator[Lab]:
    """A JupyterLab subprocess with only this repository's extensions, isolated in tmp_path."""
    config_dir, data_dir, runtime_dir, root_dir = (tmp_path / name for name in ("config", "data", "runtime", "root"))
    for directory in (config_dir, data_dir / "labextensions", runtime_dir, root_dir):
        directory.mkdir(parents=True)
    # The build under test wins over any installed copy: the data dir comes first.
    (data_dir / "labextensions" / "jupyter_artifacts").symlink_to(_built_labextension(), target_is_directory=True)
    # No "news" prompt over the screenshots.
    settings_dir = tmp_path / "lab-settings"
    (settings_dir / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false"}))
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_artifacts": True}}})
    )

    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_ARTIFACTS_DATABASE_URL": database_url,
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_DATA_DIR": str(data_dir),
        "JUPYTER_RUNTIME_DIR": str(runtime_dir),
        "JUPYTER_PLATFORM_DIRS": "1",
        # The user data dir (holding the build under test) before the environment's copy,
        # which jupyter_core 5 would otherwise prefer.
        "JUPYTER_PREFER_ENV_PATH": "0",
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    log = tmp_path / "jupyter-lab.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter", "lab",
                "--no-browser", "--allow-root",
                f"--port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.token={token}",
                "--LabApp.expose_app_in_browser=True",
                f"--ServerApp.root_dir={root_dir}",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        server = Lab(url=f"http://127.0.0.1:{port}/", token=token, log=log, root=root_dir)
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log_tail(log)}")
            try:
                status, body = server.request("GET", "api/jupyter_artifacts/status")
            except OSError:
                status, body = 0, None
            if status == 200:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"status route never answered 200 (last {status}: {body}):\n{log_tail(log)}")
            time.sleep(0.25)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture
def demo_lab(lab: Lab, database_url: str, tmp_path: Path) -> Lab:
    """`lab` with the demonstration data (`jupyter artifacts demo`) loaded."""
    from tests_helpers import run_cli

    r = run_cli(tmp_path, "demo", url=database_url)
    assert r.returncode == 0, r.stderr
    return lab


def create(lab: Lab, path: str, body: dict) -> dict:
    status, reply = lab.request("POST", path, body)
    assert status == 201, f"POST {path} -> {status} {reply}\n{log_tail(lab.log)}"
    assert isinstance(reply, dict)
    return reply



SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


def chromium_path() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian chromium is missing: apt-get install -y chromium")
    return chromium


def open_lab(page, lab: Lab) -> None:
    """Load JupyterLab and wait until it has restored its layout."""
    page.goto(f"{lab.url}lab?token={lab.token}")
    page.wait_for_function("() => !!window.jupyterapp", timeout=60_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    # After its layout is restored, JupyterLab opens the Launcher in an empty main area and
    # activates it, which takes the focus, in a fresh page up to seconds later: a key pressed
    # before that may land in the sidebar and the next one in the Launcher.
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget !== null", timeout=60_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def run(page, command: str, args: dict | None = None):
    """Execute a command by its id, as another extension or a test would."""
    # A widget (e.g. what docmanager:open returns) is not data: such results come back as None.
    return page.evaluate(
        "async ([id, args]) => { const r = await window.jupyterapp.commands.execute(id, args);"
        " try { return JSON.parse(JSON.stringify(r ?? null)); } catch { return null; } }",
        [command, args or {}])


def screenshot(page, name: str, *, dark_too: bool = True, toasts: bool = False) -> list[Path]:
    """`name`-light.png (and `name`-dark.png) of the whole page (notifications dismissed
    first, unless `toasts`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    hide = "() => document.querySelectorAll('.Toastify').forEach(t => t.style.visibility = 'hidden')"
    show = "() => document.querySelectorAll('.Toastify').forEach(t => t.style.visibility = '')"
    if not toasts:
        page.evaluate(hide)
    paths = []
    themes = [("light", "JupyterLab Light")] + ([("dark", "JupyterLab Dark")] if dark_too else [])
    for label, theme in themes:
        run(page, "apputils:change-theme", {"theme": theme})
        page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme, timeout=20_000)
        page.wait_for_timeout(300)  # the theme's CSS variables settle
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path))
        paths.append(path)
    run(page, "apputils:change-theme", {"theme": "JupyterLab Light"})
    page.evaluate(show)
    return paths
