"""Transpose dict-per-step records into one column set (steps, values, times) per key."""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from runyard.store.models import MetricColumns

Record = tuple[int, float, dict[str, Any]]
Matrix = np.ndarray[Any, np.dtype[np.float64]]

_STEP = operator.itemgetter(0)
_TIME = operator.itemgetter(1)
_DATA = operator.itemgetter(2)


def to_columns(records: Sequence[Record]) -> dict[str, MetricColumns]:
    """Per-key columns in record order, built with a few numpy calls per run of equal key sets."""
    n = len(records)
    if n == 0:
        return {}
    steps = np.fromiter(map(_STEP, records), dtype=np.int64, count=n)
    times = np.fromiter(map(_TIME, records), dtype=np.float64, count=n)
    dicts: list[dict[str, Any]] = list(map(_DATA, records))
    # Typical loops log the same keys every step: same length + all first keys present
    # means the same key set, whatever the insertion order.
    keys = tuple(dicts[0])
    if keys and len(set(map(len, dicts))) == 1:
        try:
            matrix = _matrix(dicts, keys)
        except KeyError:
            pass
        else:
            # One transposing copy (rows of `by_key` are contiguous) rather than a strided
            # copy per key: each large numpy copy costs a GIL hand-off in this thread.
            by_key = matrix.T.copy()
            return {key: MetricColumns(steps, by_key[col], times) for col, key in enumerate(keys)}
    return _mixed(steps, times, dicts)


def _mixed(
    steps: np.ndarray[Any, Any], times: np.ndarray[Any, Any], dicts: list[dict[str, Any]]
) -> dict[str, MetricColumns]:
    # One numpy matrix per distinct key tuple, then per key the rows merged back in order.
    rows_by_keys: dict[tuple[str, ...], list[int]] = {}
    for i, keys in enumerate(map(tuple, dicts)):
        rows_by_keys.setdefault(keys, []).append(i)
    parts: dict[str, list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]] = {}
    for keys, rows in rows_by_keys.items():
        if not keys:
            continue
        matrix = _matrix([dicts[i] for i in rows], keys)
        index = np.array(rows, dtype=np.intp)
        for col, key in enumerate(keys):
            parts.setdefault(key, []).append((index, matrix[:, col]))
    out: dict[str, MetricColumns] = {}
    for key, segments in parts.items():
        index = np.concatenate([ix for ix, _ in segments])
        values = np.concatenate([v for _, v in segments])
        if len(segments) > 1:
            order = np.argsort(index, kind="stable")
            index, values = index[order], values[order]
        out[key] = MetricColumns(steps[index], np.ascontiguousarray(values), times[index])
    return out


def _matrix(dicts: Sequence[dict[str, Any]], keys: tuple[str, ...]) -> Matrix:
    rows, width = len(dicts), len(keys)
    getter: Callable[[dict[str, Any]], Any] = operator.itemgetter(*keys)
    flat: Iterable[Any] = (
        map(getter, dicts) if width == 1 else itertools.chain.from_iterable(map(getter, dicts))
    )
    try:
        matrix = np.fromiter(flat, dtype=np.float64, count=rows * width)
    except (OverflowError, TypeError, ValueError):
        # An int too large for float64 slipped through log()'s fast path: convert one by one.
        matrix = np.array([_safe_float(d[k]) for d in dicts for k in keys], dtype=np.float64)
    return matrix.reshape(rows, width)


def _safe_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError):
        return math.nan
