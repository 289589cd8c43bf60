"""A TCP relay in front of a Jupyter server that can lose one reply, as a dropped connection
does: the server receives the whole request and answers; the client never sees the answer."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading


class LosingRelay:
    """`lose_next_write()`: the reply to the next POST or PATCH is thrown away and the client's
    connection is cut (after the server has done the work); with `hold=S` it is held S seconds
    first, as a slow network does (a client with a shorter timeout gives up on it); `lost`
    counts such replies."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.armed = False
        self.hold = 0.0
        self.lost = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", self.port), self.loop).result(timeout=30)

    def lose_next_write(self, hold: float = 0.0) -> None:
        self.armed, self.hold = True, hold

    async def _handle(self, reader, writer):
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        losing = False

        async def requests():
            nonlocal losing
            with contextlib.suppress(Exception):
                while data := await reader.read(65536):
                    if self.armed and data.split(b" ", 1)[0] in (b"POST", b"PATCH"):
                        self.armed, losing = False, True
                    up_writer.write(data)
                    await up_writer.drain()
            up_writer.close()

        async def replies():
            with contextlib.suppress(Exception):
                while data := await up_reader.read(65536):
                    if losing:  # the server has answered: the work is done, the answer is lost
                        await asyncio.sleep(self.hold)
                        self.lost += 1
                        writer.transport.abort()
                        up_writer.close()
                        return
                    writer.write(data)
                    await writer.drain()
            writer.close()

        await asyncio.gather(requests(), replies())

    def close(self) -> None:
        async def stop():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
