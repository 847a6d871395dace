"""A metric's full history: every (step, time, value) point as logged, packed into compressed chunks.

The series every dialect reads keeps one value per step (the last one written). Some clients
(MLflow) keep every point instead: a step logged again, a step-less metric written at step 0
again and again. `WriteBatch.history` appends such points to a per-(run, key) history that is
stored as columnar chunks (delta-encoded steps and microsecond times, raw float64 values, zstd),
never a row per point. A read gives every distinct point once, so a retried request that
appends the same points again changes nothing a reader sees.
"""

from __future__ import annotations

import numpy as np
import zstandard

from runyard.errors import StoreError
from runyard.store.models import MetricColumns

# A chunk grows to this many points before a new one starts (bounded rewrite cost per append).
HISTORY_CHUNK_POINTS = 8_192
_HEADER = np.dtype("<u4")


def pack(columns: MetricColumns) -> bytes:
    """One chunk's blob: n, then steps and times as int64 deltas, values as float64, all through zstd."""
    steps = np.asarray(columns.steps, dtype="<i8")
    micros = np.round(np.asarray(columns.times, dtype=np.float64) * 1e6).astype("<i8")
    raw = b"".join((
        np.array([len(steps)], dtype=_HEADER).tobytes(),
        np.diff(steps, prepend=np.int64(0)).astype("<i8").tobytes(),
        np.diff(micros, prepend=np.int64(0)).astype("<i8").tobytes(),
        np.asarray(columns.values, dtype="<f8").tobytes(),
    ))
    return zstandard.ZstdCompressor(level=1).compress(raw)


def unpack(blob: bytes) -> MetricColumns:
    """The points of a chunk blob, in the order they were appended."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(blob)
        n = int(np.frombuffer(raw, dtype=_HEADER, count=1)[0])
        body = np.frombuffer(raw, dtype="<i8", count=2 * n, offset=_HEADER.itemsize)
        values = np.frombuffer(raw, dtype="<f8", count=n, offset=_HEADER.itemsize + 16 * n)
    except (zstandard.ZstdError, ValueError, IndexError) as exc:
        raise StoreError(f"a metric history chunk is damaged: {exc}") from None
    steps = np.cumsum(body[:n], dtype=np.int64)
    times = np.cumsum(body[n:], dtype=np.int64).astype(np.float64) / 1e6
    return MetricColumns(steps, values.astype(np.float64), times)


def concat(parts: list[MetricColumns]) -> MetricColumns:
    """Chunks joined in order."""
    if not parts:
        return MetricColumns.empty()
    return MetricColumns(np.concatenate([p.steps for p in parts]), np.concatenate([p.values for p in parts]),
                         np.concatenate([p.times for p in parts]))


def distinct_points(columns: MetricColumns) -> MetricColumns:
    """Each distinct (step, time, value) once, ordered by time, then step, then value (MLflow's order).

    Times compare at microsecond precision (what a chunk keeps); NaN values equal each other.
    """
    if len(columns) == 0:
        return columns
    micros = np.round(columns.times * 1e6).astype(np.int64)
    bits = columns.values.view(np.int64).copy()
    bits[np.isnan(columns.values)] = np.int64(0x7FF8000000000000)  # one NaN spelling
    order = np.lexsort((columns.values, columns.steps, micros))
    keep = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        same = ((micros[order][1:] == micros[order][:-1]) & (columns.steps[order][1:] == columns.steps[order][:-1])
                & (bits[order][1:] == bits[order][:-1]))
        keep[1:] = ~same
    picked = order[keep]
    return MetricColumns(columns.steps[picked], columns.values[picked], columns.times[picked])
