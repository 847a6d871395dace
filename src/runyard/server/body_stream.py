"""A request body as a blocking file object, so store calls on worker threads can stream it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import anyio.from_thread

from runyard.errors import PayloadTooLargeError


class BodyReader(io.RawIOBase):
    """Reads an ASGI body from a worker thread, pulling chunks from the event loop as needed.

    Only use it inside `call(...)` (a thread started by anyio), never on the loop itself.
    Raises `PayloadTooLargeError` once more than `limit` bytes arrived.
    """

    def __init__(self, chunks: AsyncIterator[bytes], limit: int) -> None:
        super().__init__()
        self._chunks = chunks
        self._limit = limit
        self._pending = b""
        self._seen = 0
        self._done = False

    def readable(self) -> bool:
        return True

    async def _next(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return b""

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._done:
            chunk = anyio.from_thread.run(self._next)
            if not chunk:
                self._done = True
                break
            self._seen += len(chunk)
            if self._seen > self._limit:
                raise PayloadTooLargeError(f"artifact is larger than {self._limit} bytes (max_artifact_bytes)")
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
