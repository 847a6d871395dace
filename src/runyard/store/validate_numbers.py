"""Checks on the numbers and documents the store keeps: steps, values, wall times, pids, JSON fields.

A number that SQLite or `datetime` cannot hold must be refused at ingest: stored, it
breaks every later read of its run (an epoch-milliseconds time read as seconds is the
year 55,000, which no dialect can format). Wall times are bounded by fixed dates, not by
this host's clock: a client's clock may run ahead, and simulations and imports write
times of their own choosing; any time in the range formats everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from runyard.errors import InvalidInputError, PayloadTooLargeError
from runyard.store.models import FloatArray, IntArray, MetricColumns
from runyard.store.validate import MAX_HOST, check_text

INT64_MAX = 2**63 - 1
MAX_PID = 2**32 - 1  # pids are 32-bit on every OS runyard runs on
# Wall times: epoch seconds from 1970-01-01 to 2100-01-01 UTC.
LATEST_TIME = 4_102_444_800.0
MAX_DEPTH = 64
MAX_DOCUMENT_BYTES = 4 << 20


def check_time(value: object, what: str) -> float:
    """A finite wall time in epoch seconds from 1970 to 2100."""
    try:
        when = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InvalidInputError(f"{what} must be a number of epoch seconds, not {value!r:.40}") from None
    if not (math.isfinite(when) and 0.0 <= when <= LATEST_TIME):
        raise InvalidInputError(
            f"{what} {when!r} is not a wall time in epoch seconds from 1970 to 2100 "
            "(milliseconds sent as seconds?)"
        )
    return when


def check_int(value: object, what: str, low: int = 0, high: int = INT64_MAX) -> int:
    """An integer (not a bool) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidInputError(f"{what} must be an integer, not {value!r:.40}")
    number = int(value)
    if not low <= number <= high:
        raise InvalidInputError(f"{what} {number} is out of range [{low}, {high}]")
    return number


def check_pid(value: object) -> int:
    """A process id (0: none)."""
    return check_int(value, "pid", 0, MAX_PID)


def check_process(host: object, pid: object, started_at: object) -> tuple[str, int, float]:
    """The process logging a run: host name, pid and the pid's start time (0: unknown)."""
    if not isinstance(host, str):
        raise InvalidInputError("host must be a string")
    return check_text(host, "host", MAX_HOST), check_pid(pid), check_time(started_at, "pid_started_at")


def _steps(key: str, raw: Any) -> IntArray:
    steps = np.asarray(raw)
    kind = steps.dtype.kind
    if kind in "iu":
        if steps.size and (int(steps.min()) < 0 or int(steps.max()) > INT64_MAX):
            raise InvalidInputError(f"metric {key!r}: steps must be integers in [0, 2^63)")
        return steps.astype(np.int64, copy=False)
    if kind == "f":
        whole = np.isfinite(steps) & (steps == np.floor(steps)) & (steps >= 0) & (steps < 2.0**63)
        if not bool(whole.all()):
            raise InvalidInputError(f"metric {key!r}: steps must be whole numbers in [0, 2^63)")
        return steps.astype(np.int64)
    if kind == "O":
        items = steps.tolist()
        if all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= INT64_MAX for x in items):
            return np.array(items, dtype=np.int64)
    raise InvalidInputError(f"metric {key!r}: steps must be integers in [0, 2^63), not {steps.dtype} values")


def _floats(key: str, what: str, raw: Any) -> FloatArray:
    try:
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInputError(f"metric {key!r}: {what} must be float64 numbers") from None


def check_columns(key: str, columns: MetricColumns) -> MetricColumns:
    """Aligned 1-D columns: int64 steps >= 0, float64 values (NaN/Inf kept as logged), sane wall times."""
    values = _floats(key, "values", columns.values)
    times = _floats(key, "wall times", columns.times)
    steps = _steps(key, columns.steps)
    if steps.ndim != 1 or values.shape != steps.shape or times.shape != steps.shape:
        raise InvalidInputError(f"metric {key!r}: steps, values and times must be 1-D and aligned")
    if times.size and not (bool(np.isfinite(times).all()) and times.min() >= 0.0 and times.max() <= LATEST_TIME):
        bad = times[~(np.isfinite(times) & (times >= 0.0) & (times <= LATEST_TIME))]
        raise InvalidInputError(
            f"metric {key!r}: wall time {float(bad[0])!r} is not in epoch seconds from 1970 to 2100 "
            "(milliseconds sent as seconds?)"
        )
    return MetricColumns(steps, values, times)


def check_document(value: Mapping[str, Any], what: str) -> dict[str, Any]:
    """A JSON object field (config, params, system) nested at most MAX_DEPTH levels."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{what} must be an object")
    # Iterative: a recursive walk of a 100,000-deep document would itself overflow the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidInputError(f"{what} is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, Mapping):
            stack.extend((child, depth + 1) for child in node.values() if isinstance(child, Mapping | list | tuple))
        elif isinstance(node, list | tuple):
            stack.extend((child, depth + 1) for child in node if isinstance(child, Mapping | list | tuple))
    return dict(value)


def check_document_size(text: str, what: str) -> str:
    """The stored JSON of a document is bounded: every run read loads it."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLargeError(f"{what} is larger than {MAX_DOCUMENT_BYTES} bytes as JSON")
    return text
