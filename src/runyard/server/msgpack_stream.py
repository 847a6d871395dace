"""msgpack answers built around numpy buffers without copying them.

A 1M-point series is 24 MB of arrays; packing it with a generic encoder copies it twice
(into bytes, then into the message). Here the small framing bytes are encoded and the
arrays' own memory is streamed after its `bin 32` header, so the server copies nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import numpy as np
import ormsgpack
from starlette.responses import StreamingResponse

from runyard.store import MetricColumns

Chunk = bytes | memoryview


def map_header(size: int) -> bytes:
    """The msgpack header of a map of `size` entries (the entries follow it)."""
    if size < 16:
        return bytes([0x80 | size])
    if size < 1 << 16:
        return b"\xde" + size.to_bytes(2, "big")
    return b"\xdf" + size.to_bytes(4, "big")


def bin_chunks(array: np.ndarray, dtype: str) -> list[Chunk]:
    """An array as one msgpack `bin 32`: its header, then the array's own memory (no copy)."""
    data = np.ascontiguousarray(array, dtype=dtype)
    return [b"\xc6" + data.nbytes.to_bytes(4, "big"), data.data.cast("B")]


def series_chunks(fields: Mapping[str, Any], series_by_key: Mapping[str, MetricColumns]) -> list[Chunk]:
    """`{**fields, "metrics": {key: {"steps": <i8, "values": <f8, "times": <f8 epoch s}}}` as chunks."""
    chunks: list[Chunk] = [map_header(len(fields) + 1)]
    for name, value in fields.items():
        chunks += [ormsgpack.packb(name), ormsgpack.packb(value)]
    chunks += [ormsgpack.packb("metrics"), map_header(len(series_by_key))]
    for key, series in series_by_key.items():
        chunks += [ormsgpack.packb(key), map_header(3)]
        chunks += [ormsgpack.packb("steps"), *bin_chunks(series.steps, "<i8")]
        chunks += [ormsgpack.packb("values"), *bin_chunks(series.values, "<f8")]
        chunks += [ormsgpack.packb("times"), *bin_chunks(series.times, "<f8")]
    return chunks


def _coalesce(chunks: list[Chunk]) -> list[Chunk]:
    """Join runs of small framing pieces; keep array buffers as they are."""
    out: list[Chunk] = []
    pending = bytearray()
    for chunk in chunks:
        if isinstance(chunk, bytes):
            pending += chunk
            continue
        if pending:
            out.append(bytes(pending))
            pending.clear()
        out.append(chunk)
    if pending:
        out.append(bytes(pending))
    return out


def msgpack_response(chunks: list[Chunk]) -> StreamingResponse:
    """Stream the chunks with an exact Content-Length (no chunked encoding)."""
    parts = _coalesce(chunks)
    length = sum(len(part) for part in parts)

    async def body() -> AsyncIterator[Chunk]:
        for part in parts:
            yield part

    return StreamingResponse(body(), media_type="application/msgpack", headers={"content-length": str(length)})
