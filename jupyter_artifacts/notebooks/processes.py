"""Finding and killing every process of one kernel, children included."""

from __future__ import annotations

import contextlib
import os
import signal
import time

try:  # a dependency of ipykernel; without it only the session/group sweep is done
    import psutil
except ImportError:  # pragma: no cover
    psutil = None  # type: ignore[assignment]

from . import reaper as _reaper


def _is_zombie(pid: int) -> bool:
    try:
        if psutil is not None:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return True  # gone
    except Exception:  # psutil.NoSuchProcess and friends
        return True


def _all_pids() -> list[int]:
    if psutil is not None:
        return psutil.pids()
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:  # pragma: no cover - no procfs and no psutil
        return []


def _environ_has(pid: int, entry: bytes) -> bool:
    """Whether process `pid` was started with `entry` (b"NAME=value") in its environment."""
    try:
        if os.path.isdir("/proc"):
            with open(f"/proc/{pid}/environ", "rb") as f:
                return entry in f.read().split(b"\0")
        if psutil is not None:  # pragma: no cover - no procfs
            name, _, value = entry.decode().partition("=")
            return psutil.Process(pid).environ().get(name) == value
    except Exception:  # noqa: BLE001 - gone, or not ours to read
        return False
    return False  # pragma: no cover


class ProcessTree:
    """Every process of one kernel, to be killed to the last one.

    `pid` is the process jupyter_client started: the kernel, or (`subreaper=True`) the launcher
    of `reaper.py` that holds the kernel as its child and is a child subreaper, so that every
    process the kernel started, orphaned or daemonised ones included, stays its descendant. Then
    `kill` first kills the launcher's descendants, repeatedly, until none is left, while the
    launcher lives (once it is gone, orphans go to init and no ancestry leads to them), and only
    then the launcher. Either way, processes are also found three more ways: the session and
    process group (`pid` leads both), descendants seen while it ran (`snapshot`), and a unique
    variable in the environment passed on (`marker`); these are all that is left where there is
    no subreaper (not Linux), or when user code killed the launcher itself."""

    def __init__(self, pid: int, pgid: int | None, marker: str | None = None, *,
                 subreaper: bool = False):  # fmt: skip
        self.pid = pid
        self.subreaper = subreaper
        self.root = None  # psutil.Process of `pid`: kill() refuses a reused pid
        if psutil is not None:
            with contextlib.suppress(psutil.Error):
                self.root = psutil.Process(pid)
        # A kernel started by jupyter_client leads its own session, so its group and session ids
        # are its pid. Never signal our own group or session (should that ever not hold).
        own = {os.getpgrp(), os.getsid(0), 0, 1}
        self.group = pgid if pgid is not None and pgid not in own else None
        self.marker = marker.encode() if marker else None
        self.tracked: set = set()  # psutil.Process: kill() refuses a reused pid

    def snapshot(self) -> None:
        if psutil is None:
            return
        try:
            self.tracked.update(psutil.Process(self.pid).children(recursive=True))
        except psutil.Error:
            pass

    def _members(self) -> list[int]:
        me = os.getpid()
        found = []
        for pid in _all_pids():
            if pid == me:
                continue
            try:
                if self.group is not None and self.group in (os.getsid(pid), os.getpgid(pid)):
                    found.append(pid)
                    continue
            except OSError:
                continue
            if self.marker is not None and _environ_has(pid, self.marker):
                found.append(pid)
        return [p for p in found if not _is_zombie(p)]

    def _descendants(self) -> list:
        """Live descendants of `pid`, as psutil.Process (ints without psutil)."""
        if psutil is None:
            return [pid for pid, zombie in _reaper.descendants(self.pid) if not zombie]
        if self.root is None:
            return []
        try:
            if not self.root.is_running() or self.root.status() == psutil.STATUS_ZOMBIE:
                return []  # a dead launcher holds nothing any more
            found = self.root.children(recursive=True)
        except psutil.Error:
            return []
        alive = []
        for proc in found:
            with contextlib.suppress(psutil.Error):
                if proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
        return alive

    def kill_descendants(self, *, timeout: float = 10.0) -> list[int]:
        """SIGKILL every descendant of `pid` (not `pid` itself), again and again, until two
        listings in a row find none alive (a process forked while one listing was being read
        shows in the next); return the pids still alive at `timeout` (normally [])."""
        deadline = time.monotonic() + timeout
        clean = 0
        alive: list = []
        while clean < 2:
            alive = self._descendants()
            if not alive:
                clean += 1
            else:
                clean = 0
                for proc in alive:
                    if psutil is None:
                        with contextlib.suppress(OSError):
                            os.kill(proc, signal.SIGKILL)
                        continue
                    self.tracked.add(proc)
                    with contextlib.suppress(psutil.Error):
                        proc.kill()
            if time.monotonic() > deadline:
                return [getattr(p, "pid", p) for p in alive]
            time.sleep(0.01)
        return []

    def kill(self, *, rounds: int = 50) -> list[int]:
        """SIGKILL everything; return the pids still alive after `rounds` sweeps (normally [])."""
        self.snapshot()
        if self.subreaper:
            # While the launcher lives, every orphan of the kernel is its descendant.
            self.kill_descendants()
        if self.root is not None:
            with contextlib.suppress(psutil.Error):
                self.root.kill()
        survivors: list[int] = []
        for _ in range(rounds):
            if self.group is not None:
                with contextlib.suppress(OSError):
                    os.killpg(self.group, signal.SIGKILL)
            for proc in list(self.tracked):
                try:
                    if proc.status() == psutil.STATUS_ZOMBIE:
                        self.tracked.discard(proc)
                    else:
                        proc.kill()
                except psutil.Error:
                    self.tracked.discard(proc)
            for pid in self._members():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
            survivors = self._members() + [
                p.pid for p in self.tracked if p.is_running() and not _is_zombie(p.pid)
            ]
            if not survivors:
                return []
        return survivors
