"""The `/tag` answer: a series as `{index, data, create_time}` entries, whole or thinned for display.

By default every point comes back (SwanLab's own server silently keeps at most 1,499).
With `max_points=N` a longer series is thinned to at most N points that keep the shape:
per step bucket its minimum, maximum and last point, plus the very first point, so spikes
and the latest value survive. `sum`, `max` and `min` always describe the full series;
`max`/`min` skip NaN and +/-Inf (null when no finite value) so a chart's y-range stays
usable; non-finite `data` values are spelled "NaN", "INF", "-INF" (SwanLab's spelling).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from runyard.jsonenc import json_floats
from runyard.server.chart_points import thin
from runyard.server.swanlab.common import FLOATS
from runyard.server.swanlab.times import iso_array
from runyard.store import MetricColumns
from runyard.store.models import FloatArray

MIN_MAX_POINTS = 10  # below this a min/max/last thinning cannot keep its promise


def _bound(values: FloatArray, pick_max: bool) -> float | None:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return None
    return float(finite.max() if pick_max else finite.min())


def tag_json(series: MetricColumns, experiment_id: int, max_points: int | None) -> dict[str, Any]:
    """`{sum, max, min, experiment_id, list}`; `_last: true` marks the final entry only."""
    index = thin(series, max_points) if max_points is not None else None
    shown = series if index is None else MetricColumns(series.steps[index], series.values[index], series.times[index])
    values = json_floats(shown.values, FLOATS)
    data = values.tolist() if isinstance(values, np.ndarray) else values
    entries = [
        {"index": step, "data": value, "create_time": created}
        for step, value, created in zip(shown.steps.tolist(), data, iso_array(shown.times), strict=True)
    ]
    if entries:
        entries[-1]["_last"] = True
    return {
        "sum": len(series),
        "max": _bound(series.values, pick_max=True),
        "min": _bound(series.values, pick_max=False),
        "experiment_id": experiment_id,
        "list": entries,
    }
