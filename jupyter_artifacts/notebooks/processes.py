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
    """Every process of one kernel, to be killed to the last one. Found three ways: its session
    and process group (the kernel leads both), its descendants seen while it ran (`snapshot`,
    catches children that left the session while the kernel lives), and a unique variable in the
    environment it passed on (catches those orphaned by a kernel that died before a snapshot)."""

    def __init__(self, pid: int, pgid: int | None, marker: str | None = None):
        self.pid = pid
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

    def kill(self, *, rounds: int = 50) -> list[int]:
        """SIGKILL everything; return the pids still alive after `rounds` sweeps (normally [])."""
        self.snapshot()
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
