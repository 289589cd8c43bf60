"""A client of a real Jupyter server's /api/events/subscribe socket, for tests of live updates."""

from __future__ import annotations

import asyncio
import json
import time

from tests_helpers import JupyterServer
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_artifacts.services.live import SCHEMA_ID


class Subscriber:
    """A client of a server's /api/events/subscribe socket, keeping this extension's events."""

    def __init__(self, server: JupyterServer):
        self.server = server
        self.events: list[dict] = []
        self.ws = None

    async def __aenter__(self):
        # The relay LISTENs once the server has started: wait for it, then subscribe.
        deadline = time.monotonic() + 30
        while not (self.server.call("GET", "/api/jupyter_artifacts/status")[1]["live"] or {}).get("listening"):
            assert time.monotonic() < deadline, "the live-update listener never connected"
            await asyncio.sleep(0.1)
        self.ws = await websocket_connect(HTTPRequest(
            f"ws://127.0.0.1:{self.server.port}/api/events/subscribe",
            headers={"Authorization": f"token {self.server.token}"}))
        return self

    async def __aexit__(self, *exc):
        self.ws.close()

    async def until(self, predicate, timeout: float = 10.0) -> list[dict]:
        """Read events until `predicate(events)` holds; every event read so far is returned."""
        deadline = time.monotonic() + timeout
        while not predicate(self.events):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; events so far: {self.events}")
            try:
                msg = await asyncio.wait_for(self.ws.read_message(), left)
            except asyncio.TimeoutError:
                continue
            assert msg is not None, "the event socket closed"
            event = json.loads(msg)
            if event.get("schema_id") == SCHEMA_ID:
                self.events.append(event)
        return self.events

    async def quiet(self, seconds: float = 0.5) -> None:
        """Read whatever else arrives within `seconds`."""
        try:
            await self.until(lambda _: False, timeout=seconds)
        except AssertionError:
            pass


def has(**fields):
    return lambda events: any(all(e.get(k) == v for k, v in fields.items()) for e in events)
