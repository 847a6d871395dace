"""Metric series on the wire: JSON (non-finite values spelled out), msgpack, Arrow, Parquet.

JSON has no NaN or Infinity, so JSON answers carry them as the strings "NaN",
"Infinity" and "-Infinity" (finite values stay numbers). msgpack, Arrow and Parquet carry
them natively. JSON "timestamps" are epoch milliseconds; binary "times" are epoch seconds
(the stored float64 array, sent without conversion).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from runyard.jsonenc import json_floats
from runyard.store import Downsampled, MetricColumns

if TYPE_CHECKING:  # polars costs ~0.15 s to import: only the routes that build frames pay it
    import polars as pl

FORMATS = ("json", "msgpack", "arrow", "parquet")
MEDIA_TYPES = {
    "json": "application/json",
    "msgpack": "application/msgpack",
    "arrow": "application/vnd.apache.arrow.stream",
    "parquet": "application/vnd.apache.parquet",
}


def series_json(series: MetricColumns, time_scale: float = 1000.0) -> dict[str, Any]:
    """`{"steps", "values", "timestamps"}`; timestamps in milliseconds by default."""
    return {"steps": series.steps, "values": json_floats(series.values), "timestamps": series.times * time_scale}


def series_msgpack(series: MetricColumns) -> dict[str, Any]:
    """Raw little-endian arrays: steps int64, values float64, times float64 epoch seconds."""
    return {
        "steps": series.steps.astype("<i8", copy=False).tobytes(),
        "values": series.values.astype("<f8", copy=False).tobytes(),
        "times": series.times.astype("<f8", copy=False).tobytes(),
    }


def downsampled_json(down: Downsampled, time_scale: float = 1000.0) -> dict[str, Any]:
    """Buckets as parallel arrays."""
    return {
        "step_min": down.step_min,
        "step_max": down.step_max,
        "total_points": down.total_points,
        "bucket_start": down.bucket_start,
        "bucket_end": down.bucket_end,
        "count": down.count,
        "min": json_floats(down.min),
        "min_step": down.min_step,
        "max": json_floats(down.max),
        "max_step": down.max_step,
        "last": json_floats(down.last),
        "last_step": down.last_step,
        "last_timestamp": down.last_time * time_scale,
    }


def long_frame(series_by_key: Mapping[str, MetricColumns], time_scale: float = 1000.0) -> pl.DataFrame:
    """One row per point: key, step, value, timestamp."""
    import polars as pl

    frames = [
        pl.DataFrame({
            "key": pl.Series([key], dtype=pl.String).extend_constant(key, len(series) - 1) if len(series) else
            pl.Series([], dtype=pl.String),
            "step": series.steps,
            "value": series.values,
            "timestamp": series.times * time_scale,
        })
        for key, series in series_by_key.items()
    ]
    if not frames:
        return pl.DataFrame(schema={"key": pl.String, "step": pl.Int64, "value": pl.Float64, "timestamp": pl.Float64})
    return pl.concat(frames)


def frame_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """Arrow IPC stream or Parquet bytes of a frame."""
    buffer = io.BytesIO()
    if fmt == "arrow":
        frame.write_ipc_stream(buffer)
    else:
        frame.write_parquet(buffer)
    return buffer.getvalue()
