"""Formatting of values for tables: durations, metric values, times, statuses."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from rich.text import Text

STATUS_STYLES = {
    "running": "bold cyan",
    "finished": "green",
    "failed": "bold red",
    "crashed": "red",
    "killed": "yellow",
}


def duration(seconds: float) -> str:
    """`1h02m`, `3m05s`, `12.3s`."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def number(value: float | None) -> str:
    """A metric value in a few significant digits; NaN and infinities spelled out."""
    if value is None:
        return ""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def timestamp(epoch: float | None) -> str:
    """Local time `2025-03-21 12:58:06`, empty for None."""
    if epoch is None:
        return ""
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def status(name: str) -> Text:
    """A run status, coloured."""
    return Text(name, style=STATUS_STYLES.get(name, ""))


def scalar(value: Any) -> str:
    """A config/param value on one line."""
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return value
    return repr(value) if not isinstance(value, (list, dict)) else _compact(value)


def _compact(value: Any) -> str:
    import orjson

    from runyard.export import jsonable

    return orjson.dumps(jsonable(value)).decode()
