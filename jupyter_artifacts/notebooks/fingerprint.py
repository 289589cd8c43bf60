"""The environment a replay ran in: the interpreter's version and its installed distributions.

For an IPython kernel the kernel itself says which Python it is and where it imports from
(`sys.path`: one silent user expression, no history, no output); the distributions on those
paths are then read here, in a worker thread while the cells run, and cached until a path's
directory changes (installing or removing a package adds or removes a `*.dist-info` entry, which
changes its directory's mtime). For any other kernel: the server's own interpreter.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import re
import sys
import threading

log = logging.getLogger(__name__)

QUERY_TIMEOUT_S = 20.0
# Evaluated in the kernel as a user expression: no output, no history, no variable left behind.
_EXPRESSION = ("__import__('json').dumps({'python': __import__('platform').python_version(), "
               "'path': __import__('sys').path, 'cwd': __import__('os').getcwd()})")  # fmt: skip
_CACHE: dict[tuple, tuple[str, ...]] = {}
_CACHE_SIZE = 16
_lock = threading.Lock()


def packages_hash(packages: list[str]) -> str | None:
    if not packages:
        return None
    return "sha256:" + hashlib.sha256("\n".join(sorted(packages)).encode()).hexdigest()


def environment(python: str | None, packages, source: str) -> dict:
    packages = sorted(set(packages))
    return {"python": python, "packages_hash": packages_hash(packages), "packages": packages,
            "source": source}  # fmt: skip


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def packages_on(paths: list[str]) -> tuple[str, ...]:
    """Sorted "name==version" of the distributions importable from `paths` (canonical names)."""
    key = tuple((p, _mtime(p)) for p in paths)
    with _lock:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    found = set()
    for d in importlib.metadata.distributions(path=list(paths)):
        name = d.metadata["Name"]
        if name:
            found.add(re.sub(r"[-_.]+", "-", name).lower() + "==" + d.version)
    result = tuple(sorted(found))
    with _lock:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = result
    return result


def server_environment() -> dict:
    return environment(platform.python_version(), packages_on(sys.path), "server")


class KernelEnvironment:
    """Asked of an IPython kernel at the start of a replay; `result()` at the end."""

    def __init__(self, language_version: str | None):
        self.python = language_version
        self.scan: asyncio.Future | None = None

    async def ask(self, kc, timeout: float = QUERY_TIMEOUT_S) -> None:
        try:
            reply = await kc.execute("", silent=True, store_history=False, reply=True,
                                     user_expressions={"env": _EXPRESSION},
                                     timeout=min(timeout, QUERY_TIMEOUT_S))  # fmt: skip
            value = reply["content"]["user_expressions"]["env"]
            found = json.loads(ast.literal_eval(value["data"]["text/plain"]))
        except Exception as e:  # noqa: BLE001 - an environment we cannot read is reported as unknown
            log.info("replay: the kernel did not report its environment (%s: %s)", type(e).__name__, e)
            return
        self.python = found.get("python") or self.python
        cwd = found.get("cwd") or "."
        paths = [os.path.join(cwd, p) if not os.path.isabs(p) else p for p in found.get("path") or []]
        self.scan = asyncio.ensure_future(asyncio.to_thread(packages_on, paths))

    async def result(self) -> dict:
        packages: tuple[str, ...] = ()
        if self.scan is not None:
            try:
                packages = await self.scan
            except Exception:  # unreadable metadata: no package list rather than no replay
                log.warning("replay: reading the kernel's distributions failed", exc_info=True)
        return environment(self.python, packages, "kernel")

    def cancel(self) -> None:
        if self.scan is not None and not self.scan.done():
            self.scan.cancel()
