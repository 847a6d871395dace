"""One min/max/last thinning: the dashboard's and Aspara's `bucket_points` and SwanLab's `thin`
give exactly what their own implementations gave before they shared `min_max_last`."""

from __future__ import annotations

import numpy as np
import pytest

from runyard.server.chart_points import bucket_points, thin
from runyard.store import Downsampled, MetricColumns
from runyard.store.series import downsample


def _old_bucket_points(down: Downsampled) -> MetricColumns:
    if down.total_points == len(down.last):
        return MetricColumns(down.last_step, down.last, down.last_time)
    steps = np.concatenate([down.min_step, down.max_step, down.last_step])
    values = np.concatenate([down.min, down.max, down.last])
    order = np.argsort(steps, kind="stable")
    steps, values = steps[order], values[order]
    keep = np.ones(len(steps), dtype=bool)
    keep[1:] = steps[1:] != steps[:-1]
    steps, values = steps[keep], values[keep]
    return MetricColumns(steps, values, np.interp(steps, down.last_step, down.last_time))


def _old_thin(series: MetricColumns, max_points: int) -> np.ndarray:
    n = len(series)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    down = downsample("", series, max(1, (max_points - 1) // 3))
    picked = np.concatenate([down.min_step, down.max_step, down.last_step, series.steps[:1]])
    return np.unique(np.searchsorted(series.steps, picked)).astype(np.int64)


def _series(n: int, seed: int) -> MetricColumns:
    rng = np.random.default_rng(seed)
    steps = np.cumsum(rng.integers(1, 4, n)).astype(np.int64)
    values = rng.normal(size=n)
    values[rng.integers(0, n, max(n // 50, 1))] = rng.choice([np.nan, np.inf, -np.inf, 50.0])
    return MetricColumns(steps, values, 1.7e9 + steps * 0.1)


@pytest.mark.parametrize(("n", "buckets"), [(1, 5), (7, 10), (100, 10), (1000, 33), (5000, 1), (20_000, 500)])
def test_same_output_as_before(n: int, buckets: int) -> None:
    for seed in range(3):
        series = _series(n, seed)
        down = downsample("k", series, buckets)
        new, old = bucket_points(down), _old_bucket_points(down)
        np.testing.assert_array_equal(new.steps, old.steps)
        np.testing.assert_array_equal(new.values, old.values)
        np.testing.assert_array_equal(new.times, old.times)
        assert new.steps.dtype == old.steps.dtype
        for max_points in (10, 31, 100, 3000):
            np.testing.assert_array_equal(thin(series, max_points), _old_thin(series, max_points))
            assert len(thin(series, max_points)) <= max_points
