"""Thinning a series for display (min, max and last per step bucket), and the pool that reads runs.

One thinning for every dialect: a line through each bucket's minimum, maximum and last
point looks like the data at any zoom (spikes survive; the M4 idea without the first point).
The dashboard and Aspara draw `bucket_points` of the store's buckets; SwanLab's `/tag`
keeps the same points of the full series by index (`thin`), plus the very first point.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from runyard.store import Downsampled, MetricColumns
from runyard.store.models import FloatArray, IntArray
from runyard.store.series import downsample

# Shared by every request, so concurrent overlays cannot multiply threads. Runs are read side
# by side: chunk decoding, SQLite and numpy's reductions release the GIL.
READERS = ThreadPoolExecutor(max_workers=min(os.cpu_count() or 2, 8), thread_name_prefix="runyard-read")


def min_max_last(down: Downsampled) -> tuple[IntArray, FloatArray]:
    """Steps and values of every bucket's min, max and last point, step-sorted, each step once."""
    steps = np.concatenate([down.min_step, down.max_step, down.last_step])
    values = np.concatenate([down.min, down.max, down.last])
    unique, first = np.unique(steps, return_index=True)  # a step that is several of these: one point
    return unique.astype(np.int64, copy=False), values[first]


def bucket_points(down: Downsampled) -> MetricColumns:
    """Min, max and last of every bucket as one step-sorted line, each step once.

    Buckets know only their last point's time, so the min/max points get times
    interpolated from the bucket ends (steps grow with time). A series shorter than its
    buckets comes back whole, exact times included.
    """
    if down.total_points == len(down.last):
        return MetricColumns(down.last_step, down.last, down.last_time)
    steps, values = min_max_last(down)
    return MetricColumns(steps, values, np.interp(steps, down.last_step, down.last_time))


def thin(series: MetricColumns, max_points: int) -> IntArray:
    """Indices (sorted) of at most `max_points` points: each bucket's min, max and last, and the first."""
    n = len(series)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    # 3 points per bucket plus the first point of the series stay within max_points.
    steps, _ = min_max_last(downsample("", series, max(1, (max_points - 1) // 3)))
    # Steps of a stored series are unique and sorted, so a step maps back to one index.
    index: IntArray = np.unique(np.searchsorted(series.steps, np.append(steps, series.steps[:1]))).astype(np.int64)
    return index
