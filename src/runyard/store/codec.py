"""Compact encodings of one metric chunk: steps, values and wall times as blobs.

Steps: regular steps (start + stride) need no blob; others are delta-encoded int64.
Values: float64 through zstd when that saves at least 8%, else raw: a noisy loss barely
compresses (byte shuffling would save ~15% more but its transpose costs more than the
whole rest of a read), and raw decodes for free.
Times: microsecond int deltas (int32 when they fit) then zstd: ~1.7 bytes a point.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import zstandard

from runyard.store.models import FloatArray, IntArray, MetricColumns

STEPS_DELTA = 1
VALUES_RAW = 0
VALUES_ZSTD = 1
TIMES_DELTA32 = 1
TIMES_DELTA64 = 2
_ZSTD_LEVEL = 1
_MIN_GAIN = 0.92

_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    found = getattr(_local, "compressor", None)
    if found is None:
        found = _local.compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
    return found  # type: ignore[no-any-return]


def _decompressor() -> zstandard.ZstdDecompressor:
    found = getattr(_local, "decompressor", None)
    if found is None:
        found = _local.decompressor = zstandard.ZstdDecompressor()
    return found  # type: ignore[no-any-return]


@dataclass(slots=True)
class EncodedChunk:
    """A chunk ready for a row: counts, step range, value range and three blobs."""

    n: int
    first_step: int
    last_step: int
    vmin: float | None
    vmax: float | None
    step_stride: int | None
    steps_blob: bytes | None
    values_codec: int
    values_blob: bytes
    times_codec: int
    times_blob: bytes


def sort_dedupe(columns: MetricColumns) -> MetricColumns:
    """Order points by step; for repeated steps the later point wins."""
    steps = columns.steps
    if len(steps) < 2:
        return columns
    diffs = np.diff(steps)
    if bool((diffs > 0).all()):
        return columns
    order = np.argsort(steps, kind="stable")
    sorted_steps = steps[order]
    keep = np.ones(len(order), dtype=bool)
    keep[:-1] = sorted_steps[1:] != sorted_steps[:-1]
    picked = order[keep]
    return MetricColumns(steps[picked], columns.values[picked], columns.times[picked])


def _value_range(values: FloatArray) -> tuple[float | None, float | None]:
    finite_or_inf = values[~np.isnan(values)]
    if len(finite_or_inf) == 0:
        return None, None
    return float(finite_or_inf.min()), float(finite_or_inf.max())


def encode_chunk(columns: MetricColumns) -> EncodedChunk:
    """Encode a step-sorted, duplicate-free series."""
    steps = np.ascontiguousarray(columns.steps, dtype="<i8")
    values = np.ascontiguousarray(columns.values, dtype="<f8")
    n = len(steps)
    compressor = _compressor()

    stride: int | None = None
    steps_blob: bytes | None = None
    if n == 1:
        stride = 1
    else:
        diffs = np.diff(steps)
        if bool((diffs == diffs[0]).all()):
            stride = int(diffs[0])
        else:
            steps_blob = compressor.compress(np.diff(steps, prepend=np.int64(0)).tobytes())

    raw_values = values.tobytes()
    packed = compressor.compress(raw_values)
    if len(packed) < len(raw_values) * _MIN_GAIN:
        values_codec, values_blob = VALUES_ZSTD, packed
    else:
        values_codec, values_blob = VALUES_RAW, raw_values

    micros = np.round(np.asarray(columns.times, dtype=np.float64) * 1e6).astype(np.int64)
    time_deltas = np.diff(micros, prepend=np.int64(0))
    rest = time_deltas[1:]
    if len(rest) == 0 or (int(rest.min()) >= -(2**31) and int(rest.max()) < 2**31):
        # The first delta is the absolute start; keep it in a separate int64 head.
        head = time_deltas[:1].astype("<i8").tobytes()
        times_codec = TIMES_DELTA32
        times_blob = head + compressor.compress(rest.astype("<i4").tobytes())
    else:
        times_codec = TIMES_DELTA64
        times_blob = compressor.compress(time_deltas.astype("<i8").tobytes())

    vmin, vmax = _value_range(values)
    return EncodedChunk(
        n=n,
        first_step=int(steps[0]),
        last_step=int(steps[-1]),
        vmin=vmin,
        vmax=vmax,
        step_stride=stride,
        steps_blob=steps_blob,
        values_codec=values_codec,
        values_blob=values_blob,
        times_codec=times_codec,
        times_blob=times_blob,
    )


def decode_steps(
    n: int, first_step: int, stride: int | None, blob: bytes | None, out: IntArray | None = None
) -> IntArray:
    """Steps of a chunk, written into `out` when given."""
    target = np.empty(n, dtype=np.int64) if out is None else out
    if blob is None:
        np.multiply(np.arange(n, dtype=np.int64), np.int64(stride or 1), out=target)
        target += np.int64(first_step)
    else:
        np.cumsum(np.frombuffer(_decompressor().decompress(blob), dtype="<i8"), out=target)
    return target


def decode_values(n: int, codec: int, blob: bytes, out: FloatArray | None = None) -> FloatArray:
    """Values of a chunk, written into `out` when given."""
    target = np.empty(n, dtype=np.float64) if out is None else out
    raw = blob if codec == VALUES_RAW else _decompressor().decompress(blob)
    target[:] = np.frombuffer(raw, dtype="<f8")
    return target


def decode_times(n: int, codec: int, blob: bytes, out: FloatArray | None = None) -> FloatArray:
    """Wall times of a chunk, epoch seconds (microsecond precision), written into `out` when given."""
    target = np.empty(n, dtype=np.float64) if out is None else out
    # Whole microseconds stay exact in float64 up to 2**53 (year 2255), so the running
    # sum can be taken in float64 directly: one pass, no int64 temporary.
    if codec == TIMES_DELTA32:
        target[:1] = np.frombuffer(blob[:8], dtype="<i8")
        deltas = np.frombuffer(_decompressor().decompress(blob[8:]), dtype="<i4")
        np.cumsum(deltas, dtype=np.float64, out=target[1:])
        target[1:] += target[0]
    else:
        np.cumsum(np.frombuffer(_decompressor().decompress(blob), dtype="<i8"), dtype=np.float64, out=target)
    np.multiply(target, 1e-6, out=target)
    return target
