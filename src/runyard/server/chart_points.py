"""Downsampled buckets as drawable points, and the thread pool that reads many runs at once."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from runyard.store import Downsampled, MetricColumns

# Shared by every request, so concurrent overlays cannot multiply threads. Runs are read side
# by side: chunk decoding, SQLite and numpy's reductions release the GIL.
READERS = ThreadPoolExecutor(max_workers=min(os.cpu_count() or 2, 8), thread_name_prefix="runyard-read")


def bucket_points(down: Downsampled) -> MetricColumns:
    """Min, max and last of every bucket as one step-sorted line, each step once.

    A line through these looks like the data at any zoom (spikes survive; the M4 idea without
    the first point). Buckets know only their last point's time, so the min/max points get
    times interpolated from the bucket ends (steps grow with time). A series shorter than its
    buckets comes back whole, exact times included.
    """
    if down.total_points == len(down.last):
        return MetricColumns(down.last_step, down.last, down.last_time)
    steps = np.concatenate([down.min_step, down.max_step, down.last_step])
    values = np.concatenate([down.min, down.max, down.last])
    order = np.argsort(steps, kind="stable")
    steps, values = steps[order], values[order]
    keep = np.ones(len(steps), dtype=bool)
    keep[1:] = steps[1:] != steps[:-1]
    steps, values = steps[keep], values[keep]
    times = np.interp(steps, down.last_step, down.last_time)
    return MetricColumns(steps, values, times)
