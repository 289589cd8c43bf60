"""Live updates (API.md, "Live updates"): the database's change announcements, coalesced and
relayed into jupyter_server's event bus, from where every subscribed browser gets them.

Coalescing keeps a burst (a thousand appends in a few seconds) from flooding browsers while
nothing is lost: announcements are gathered for `window_s` after the first one, then sent
once per key (the same artifact's versions keep the highest, the same tag or lifecycle its
last word, a chamber or debate one per action), in the order their keys first arrived. While
changes keep coming (a window that sent `busy_after` events or more), the next window is
`busy_window_s` long, so a burst costs a few events per key per second, not one per change.
An event is a hint to re-fetch, so "X@v1000" also answers for X@v2 … X@v999, and a `resync`
(a bulk statement's notice, or a gap) answers for everything else in its window.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

log = logging.getLogger("jupyter_artifacts")

SCHEMA_ID = "https://events.jupyter.org/jupyter_artifacts/change/v1"
FIELDS = ("kind", "action", "artifact_id", "version_number", "ref", "chamber_id", "session_id", "tag", "job_id",
          "replay_id")


def coalesce_key(event: dict) -> tuple:
    kind = event.get("kind")
    if kind in ("version", "step"):
        return kind, event.get("artifact_id")
    if kind == "tag":
        return kind, event.get("artifact_id"), event.get("tag")
    if kind == "lifecycle":
        return kind, event.get("artifact_id"), event.get("version_number")
    if kind == "chamber":
        return kind, event.get("chamber_id"), event.get("action")
    if kind == "debate":
        return kind, event.get("session_id"), event.get("action")
    if kind == "job":
        return kind, event.get("job_id")
    if kind == "replay":
        return kind, event.get("replay_id"), event.get("action")
    return (kind, json.dumps(event, sort_keys=True))


def merge(older: dict | None, newer: dict) -> dict:
    """The event to send for a key: the newest, but never a lower version than already seen."""
    if older is None:
        return newer
    if newer.get("kind") in ("version", "step") and (older.get("version_number") or 0) > (
            newer.get("version_number") or 0):
        return older
    return newer


class LiveUpdates:
    """Takes announcements (`deliver`) and gaps (`resync`); calls `emit(event)` on the loop."""

    def __init__(self, emit: Callable[[dict], None], window_s: float = 0.05, busy_window_s: float = 0.25,
                 busy_after: int = 10):
        self.emit = emit
        self.window_s = window_s
        self.busy_window_s = busy_window_s
        self.busy_after = busy_after
        self._busy = False
        self.pending: dict[tuple, dict] = {}
        self._flush: asyncio.TimerHandle | None = None
        self.delivered = 0  # announcements received, and events sent (for logs and tests)
        self.sent = 0

    def deliver(self, payload: str) -> None:
        try:
            raw = json.loads(payload)
        except ValueError:
            log.warning("jupyter_artifacts: ignored a malformed change announcement: %.200s", payload)
            return
        if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str) or not isinstance(raw.get("action"), str):
            return
        event = {k: raw[k] for k in FIELDS if raw.get(k) is not None}
        self.delivered += 1
        key = coalesce_key(event)
        self.pending[key] = merge(self.pending.get(key), event)
        if self._flush is None:
            window = self.busy_window_s if self._busy else self.window_s
            self._flush = asyncio.get_running_loop().call_later(window, self.flush)

    def flush(self) -> None:
        self._flush = None
        pending, self.pending = self.pending, {}
        self._busy = len(pending) >= self.busy_after
        # A resync in the window (a statement's bulk notice, migration 0015) makes clients
        # re-fetch everything after this flush: the window's other hints add nothing.
        resyncs = [event for event in pending.values() if event["kind"] == "resync"]
        for event in resyncs or pending.values():
            self._send(event)

    def resync(self, reason: str) -> None:
        """Changes may have been missed: whatever was pending is covered by re-fetching."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        self.pending.clear()
        self._send({"kind": "resync", "action": reason})

    def _send(self, event: dict) -> None:
        try:
            self.emit(event)
            self.sent += 1
        except Exception:  # a subscriber's failure must not stop the relay
            log.exception("jupyter_artifacts: emitting a live update failed")

    def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
