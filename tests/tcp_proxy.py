"""A round-robin TCP proxy on a free loopback port: the "load balancer" of the replica tests.

It streams bytes both ways as they come (an SSE stream is never buffered), sends each new
connection to the next live backend (passing over one that refuses connections), and can
drop a backend: its open connections are cut and new ones go to the others, as a real LB
does once a health check fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading


class TcpProxy:
    """`with TcpProxy([(host, port), ...]) as proxy:` then connect to `proxy.port`."""

    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = list(backends)
        self.down: set[int] = set()  # indexes of dropped backends
        self.port = 0
        self.connections = [0] * len(backends)  # connections sent to each backend
        self._cycle = itertools.cycle(range(len(backends)))
        self._open: dict[int, set[asyncio.StreamWriter]] = {i: set() for i in range(len(backends))}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shutdown(self) -> None:
        """Close the listener, cut every connection and let the pipes end."""
        if self._server is not None:
            self._server.close()
        for index in self._open:
            self._cut(index)
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def drop(self, index: int) -> None:
        """Send nothing more to backend `index` and cut its open connections."""
        self.down.add(index)
        self._loop.call_soon_threadsafe(self._cut, index)

    def restore(self, index: int) -> None:
        """Send new connections to backend `index` again."""
        self.down.discard(index)

    def _cut(self, index: int) -> None:
        for writer in list(self._open[index]):
            writer.transport.abort()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _next(self) -> int:
        for _ in range(len(self.backends)):
            index = next(self._cycle)
            if index not in self.down:
                return index
        raise ConnectionError("every backend is down")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _attempt in range(len(self.backends)):  # a backend refusing connections: the next one (nginx does so)
            try:
                index = self._next()
                up_reader, up_writer = await asyncio.open_connection(*self.backends[index])
                break
            except OSError:
                continue
        else:
            writer.transport.abort()
            return
        self.connections[index] += 1
        self._open[index] |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._open[index] -= {writer, up_writer}
            for end in (writer, up_writer):
                end.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, each chunk as soon as it arrives; then half-close."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

