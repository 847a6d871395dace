"""Small builders shared by the store tests."""

from __future__ import annotations

import numpy as np

from runyard.store import MetricColumns

T0 = 1_700_000_000.0


def cols(steps: list[int] | np.ndarray, values: list[float] | np.ndarray, t0: float = T0) -> MetricColumns:
    """Columns with wall times 10 ms apart, starting at t0."""
    steps_arr = np.asarray(steps, dtype=np.int64)
    return MetricColumns(steps_arr, np.asarray(values, dtype=np.float64),
                         t0 + np.arange(len(steps_arr), dtype=np.float64) * 0.01)
