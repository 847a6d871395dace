"""Chart series for the dashboard: EMA smoothing on full history, then min/max/last buckets.

A chart line must look like the data at any zoom, so each bucket contributes its min, its
max and its last point, in step order (the M4 idea without the first point). Smoothing runs
on every stored point before bucketing: smoothing the buckets instead would smooth a
different signal at each zoom level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from runyard.jsonenc import json_floats
from runyard.server.chart_points import bucket_points
from runyard.store import MetricColumns, Store
from runyard.store.models import FloatArray
from runyard.store.series import downsample


@dataclass(slots=True)
class ChartSeries:
    """Points to draw for one (run, key): steps, values, whole epoch-ms times; plus EMA state."""

    steps: Any
    values: Any
    times: Any
    total_points: int
    ema_last: float | None = None
    ema_count: int = 0


def ema(values: FloatArray, weight: float) -> tuple[FloatArray, float | None, int]:
    """Debiased EMA (TensorBoard's) of the finite values; non-finite points pass through.

    Returns the smoothed array, the last raw (biased) EMA state and how many finite points
    fed it, so a client can continue smoothing live points exactly where this stopped.
    """
    out = values.astype(np.float64, copy=True)
    finite = np.flatnonzero(np.isfinite(values))
    if weight <= 0 or len(finite) == 0:
        return out, None, 0
    x = values[finite]
    # y_t = w*y_{t-1} + (1-w)*x_t as a parallel prefix scan (Hillis-Steele): after the pass
    # with offset k each y_t sums 2k terms; w^k only shrinks, so it is stable, and it stops
    # once w^k is negligible (1e-20). About log2(n) vectorised passes instead of a Python loop per point.
    raw = (1.0 - weight) * x
    offset, factor = 1, weight
    while offset < len(raw) and factor > 1e-20:
        raw[offset:] += factor * raw[:-offset]
        offset, factor = offset * 2, factor * factor
    state = float(raw[-1])
    # 1 - w^n: only the first few terms differ from 1 (and w^n would go denormal, which is slow).
    debias = np.ones(len(x))
    head = min(len(x), int(-46 / np.log(weight)) + 1)
    debias[:head] -= weight ** np.arange(1, head + 1, dtype=np.float64)
    out[finite] = raw / debias
    return out, state, len(x)


def _whole_ms(times: FloatArray) -> FloatArray:
    """Epoch seconds as whole milliseconds: a third less JSON than full float64, and charts need no more."""
    return np.round(times * 1000)


def chart_series(store: Store, run_id: int, key: str, *, buckets: int, step_min: int | None,
                 step_max: int | None, smoothing: float) -> ChartSeries:
    """What a chart draws for one run's key (blocking: call from a worker thread)."""
    if smoothing <= 0:
        down = store.read_metric_downsampled(run_id, key, buckets=buckets, step_min=step_min, step_max=step_max)
        line = bucket_points(down)
        return ChartSeries(line.steps, json_floats(line.values), _whole_ms(line.times), down.total_points)
    full = store.read_metric(run_id, key)
    smoothed, last, count = ema(full.values, smoothing)
    series = MetricColumns(full.steps, smoothed, full.times)
    down = downsample(key, series, buckets, step_min, step_max)
    line = bucket_points(down)
    return ChartSeries(line.steps, json_floats(line.values), _whole_ms(line.times), down.total_points, last, count)
