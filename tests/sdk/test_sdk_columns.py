"""The records -> per-key columns transpose and the merge of queued batches."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from runyard.sdk.buffer import ColumnQueue, concat, merge, take
from runyard.sdk.columns import to_columns


def test_uniform_records_become_one_column_per_key() -> None:
    records = [(i, 100.0 + i, {"a": float(i), "b": i * 2}) for i in range(5)]
    cols = to_columns(records)
    assert sorted(cols) == ["a", "b"]
    assert cols["a"].steps.tolist() == [0, 1, 2, 3, 4]
    assert cols["a"].values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert cols["b"].values.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert cols["b"].times.tolist() == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert cols["a"].steps.dtype == np.int64 and cols["a"].values.dtype == np.float64


def test_key_order_does_not_mix_values() -> None:
    cols = to_columns([(0, 0.0, {"a": 1.0, "b": 2.0}), (1, 0.0, {"b": 3.0, "a": 4.0})])
    assert cols["a"].values.tolist() == [1.0, 4.0]
    assert cols["b"].values.tolist() == [2.0, 3.0]


def test_mixed_key_sets_keep_record_order() -> None:
    records = [
        (0, 0.0, {"a": 1.0}),
        (1, 1.0, {"a": 2.0, "b": 20.0}),
        (2, 2.0, {}),
        (3, 3.0, {"b": 30.0}),
        (7, 7.0, {"a": 3.0}),
        (5, 5.0, {"a": 4.0, "c": 1}),
    ]
    cols = to_columns(records)
    assert cols["a"].steps.tolist() == [0, 1, 7, 5]
    assert cols["a"].values.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert cols["a"].times.tolist() == [0.0, 1.0, 7.0, 5.0]
    assert cols["b"].steps.tolist() == [1, 3]
    assert cols["c"].values.tolist() == [1.0]


def test_special_values_survive() -> None:
    cols = to_columns([(0, 0.0, {"x": math.nan}), (1, 0.0, {"x": math.inf}), (2, 0.0, {"x": -math.inf}), (3, 0.0, {"x": 10**400})])
    v = cols["x"].values
    assert math.isnan(v[0]) and v[1] == math.inf and v[2] == -math.inf and v[3] == math.inf


def test_empty() -> None:
    assert to_columns([]) == {}
    assert to_columns([(0, 0.0, {})]) == {}


def test_queue_merges_in_order() -> None:
    queue = ColumnQueue()
    queue.put(to_columns([(0, 0.0, {"a": 1.0})]))
    queue.put(to_columns([(1, 0.0, {"a": 2.0, "b": 5.0})]))
    assert queue.points == 3 and queue.ready.is_set()
    merged = queue.take_all()
    assert merged["a"].steps.tolist() == [0, 1] and merged["a"].values.tolist() == [1.0, 2.0]
    assert merged["b"].values.tolist() == [5.0]
    assert queue.points == 0 and not queue.ready.is_set()
    assert queue.take_all() == {}
    assert merge([]) == {}


def test_take_removes_prefix() -> None:
    items = list(range(10))
    assert take(items, 4) == [0, 1, 2, 3]
    assert items == [4, 5, 6, 7, 8, 9]
    assert take(items, 100) == [4, 5, 6, 7, 8, 9]
    assert items == []


def test_concat_matches_numpy() -> None:
    parts: list[np.ndarray[Any, Any]] = [
        np.arange(3, dtype=np.int64), np.arange(10, dtype=np.int32)[1:8:3], np.array([], dtype=np.int64)
    ]
    joined = concat(parts, np.int64)
    assert joined.dtype == np.int64 and joined.tolist() == [0, 1, 2, 1, 4, 7]
    floats = concat([np.array([1.5]), np.array([math.nan, -math.inf])], np.float64)
    assert floats[0] == 1.5 and math.isnan(floats[1]) and floats[2] == -math.inf
    floats[0] = 2.0  # writable, like np.concatenate's result
    single = np.array([1.0])
    assert concat([single], np.float64) is single
