"""A metric key's summary as JSON: one core every dialect shares, each naming its time field.

`count`, `min`, `max`, `first_step`, `last_step` and `last_value` are the same in v1,
expman and Aspara (non-finite values spelled out); only the last point's time differs:
v1 and Aspara send epoch milliseconds (`last_timestamp`), expman an RFC 3339 string
(`last_time`). v1's compare answer picks a few of the same values under its own names.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from runyard.jsonenc import json_float
from runyard.store import MetricSummary


def epoch_ms(seconds: float) -> float | None:
    """Epoch seconds as milliseconds; None for a time that is not finite."""
    return seconds * 1000 if math.isfinite(seconds) else None


def summary_core(summary: MetricSummary) -> dict[str, Any]:
    """Count, min, max, first/last step and last value of one key."""
    return {
        "count": summary.count,
        "min": json_float(summary.min),
        "max": json_float(summary.max),
        "first_step": summary.first_step,
        "last_step": summary.last_step,
        "last_value": json_float(summary.last_value),
    }


def summary_json(summary: MetricSummary, time_field: str = "last_timestamp",
                 time: Callable[[float], Any] = epoch_ms) -> dict[str, Any]:
    """The core plus the last point's time, under the dialect's name and in its format."""
    return {**summary_core(summary), time_field: time(summary.last_time)}
