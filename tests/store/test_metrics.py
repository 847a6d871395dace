from __future__ import annotations

import math

import numpy as np
import pytest

from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import MetricColumns, Store
from tests.store.helpers import T0, cols


@pytest.fixture
def run_id(store: Store) -> int:
    return store.create_run(store.create_project("p").id).id


def test_round_trip_exact(store: Store, run_id: int) -> None:
    steps = np.arange(0, 500, 2)
    values = np.random.default_rng(1).normal(size=len(steps))
    sent = cols(steps, values)
    store.append_metrics(run_id, {"train/loss": sent})
    got = store.read_metric(run_id, "train/loss")
    assert np.array_equal(got.steps, steps)
    assert np.array_equal(got.values, values)
    assert np.allclose(got.times, sent.times, atol=1e-6, rtol=0)


def test_nan_and_inf_kept(store: Store, run_id: int) -> None:
    values = [1.0, math.nan, math.inf, -math.inf, 2.0, math.nan]
    store.append_metrics(run_id, {"x": cols(range(6), values), "only_nan": cols([0, 1], [math.nan, math.nan])})
    got = store.read_metric(run_id, "x").values
    assert got[0] == 1.0 and math.isnan(got[1]) and got[2] == math.inf and got[3] == -math.inf
    assert math.isnan(got[5])
    summary = store.metric_summaries([run_id])[run_id]
    assert summary["x"].count == 6 and summary["x"].min == -math.inf and summary["x"].max == math.inf
    assert math.isnan(summary["x"].last_value)
    assert summary["only_nan"].count == 2 and math.isnan(summary["only_nan"].min)
    assert np.isnan(store.read_metric(run_id, "only_nan").values).all()


def test_out_of_order_and_last_write_wins(store: Store, run_id: int) -> None:
    store.append_metrics(run_id, {"m": cols([5, 6, 7], [5.0, 6.0, 7.0])})
    store.append_metrics(run_id, {"m": cols([1, 2, 6], [1.0, 2.0, 60.0])})
    store.append_metrics(run_id, {"m": cols([3, 3, 9], [3.0, 30.0, 9.0])})  # in-batch repeat: later wins
    got = store.read_metric(run_id, "m")
    assert got.steps.tolist() == [1, 2, 3, 5, 6, 7, 9]
    assert got.values.tolist() == [1.0, 2.0, 30.0, 5.0, 60.0, 7.0, 9.0]
    summary = store.metric_summaries([run_id])[run_id]["m"]
    assert (summary.count, summary.min, summary.max) == (7, 1.0, 60.0)
    assert (summary.first_step, summary.last_step, summary.last_value) == (1, 9, 9.0)


def test_overwrite_updates_summary_min_max(store: Store, run_id: int) -> None:
    store.append_metrics(run_id, {"m": cols([0, 1, 2], [-100.0, 1.0, 2.0])})
    store.append_metrics(run_id, {"m": cols([0], [0.5])})
    summary = store.metric_summaries([run_id])[run_id]["m"]
    assert (summary.count, summary.min, summary.max, summary.last_value) == (3, 0.5, 2.0, 2.0)


def test_retried_batch_applied_once(store: Store, run_id: int) -> None:
    batch = {"m": cols([0, 1], [1.0, 2.0])}
    first = store.append_metrics(run_id, batch, batch_id="b-1")
    assert first > 0
    assert store.append_metrics(run_id, batch, batch_id="b-1") == 0
    assert store.metric_summaries([run_id])[run_id]["m"].count == 2
    changes = [c for c in store.changes_since(0) if c.kind == "metrics"]
    assert len(changes) == 1


def test_step_range_and_summaries(store: Store, run_id: int) -> None:
    store.append_metrics(run_id, {"a": cols(range(100), np.arange(100.0)), "b": cols([0], [4.0])})
    part = store.read_metric(run_id, "a", step_min=10, step_max=19)
    assert part.steps.tolist() == list(range(10, 20))
    other = store.create_run(store.get_run(run_id).project_id).id
    found = store.metric_summaries([run_id, other])
    assert set(found[run_id]) == {"a", "b"} and found[other] == {}
    assert found[run_id]["a"].last_step == 99 and found[run_id]["a"].last_time == pytest.approx(T0 + 0.99)


def test_errors(store: Store, run_id: int) -> None:
    with pytest.raises(NotFoundError, match="metric"):
        store.read_metric(run_id, "missing")
    with pytest.raises(NotFoundError, match="run"):
        store.append_metrics(9999, {"m": cols([0], [1.0])})
    with pytest.raises(InvalidInputError):
        store.append_metrics(run_id, {"": cols([0], [1.0])})
    with pytest.raises(InvalidInputError):
        store.append_metrics(run_id, {"m": cols([-1], [1.0])})
    with pytest.raises(ValueError):
        MetricColumns(np.arange(2), np.arange(3.0), np.arange(2.0))
    with pytest.raises(NotFoundError):
        store.read_metric(run_id, "m")  # nothing half-written


def test_one_million_points_exact(store: Store, run_id: int) -> None:
    n = 1_000_000
    rng = np.random.default_rng(7)
    values = rng.normal(size=n)
    times = T0 + np.cumsum(rng.uniform(0.005, 0.02, n))
    for start in range(0, n, 250_000):
        part = slice(start, start + 250_000)
        store.append_metrics(run_id, {"loss": MetricColumns(np.arange(n)[part], values[part], times[part])})
    got = store.read_metric(run_id, "loss")
    assert np.array_equal(got.steps, np.arange(n))
    assert np.array_equal(got.values, values)
    assert np.abs(got.times - times).max() < 1e-6
    assert store.metric_summaries([run_id])[run_id]["loss"].count == n


def test_compaction_keeps_points_and_write_order(store: Store, run_id: int) -> None:
    expected: dict[int, float] = {}
    for batch in range(40):
        steps = [*range(batch * 10, batch * 10 + 10), 5]  # step 5 rewritten every batch
        values = [float(batch * 100 + i) for i in range(11)]
        store.append_metrics(run_id, {"m": cols(steps, values)})
        for step, value in zip(steps, values, strict=True):
            expected[step] = value
    before = store.read_metric(run_id, "m")
    assert store.compact(run_id) > 0
    after = store.read_metric(run_id, "m")
    assert np.array_equal(before.steps, after.steps) and np.array_equal(before.values, after.values)
    assert after.values.tolist() == [expected[s] for s in sorted(expected)]
    assert store.compact(run_id) == 0


def test_downsample_matches_brute_force(store: Store, run_id: int) -> None:
    rng = np.random.default_rng(3)
    steps = np.unique(rng.integers(0, 50_000, 20_000))
    values = rng.normal(size=len(steps))
    values[::97] = np.nan
    store.append_metrics(run_id, {"m": cols(steps, values)})
    for lo, hi, buckets in ((None, None, 100), (1000, 9000, 37), (0, 49_999, 1000)):
        got = store.read_metric_downsampled(run_id, "m", buckets=buckets, step_min=lo, step_max=hi)
        s_lo = int(steps[0]) if lo is None else lo
        s_hi = int(steps[-1]) if hi is None else hi
        width = -(-(s_hi - s_lo + 1) // buckets)
        inside = (steps >= s_lo) & (steps <= s_hi)
        assert got.total_points == int(inside.sum())
        assert int(got.count.sum()) == got.total_points
        for i in range(len(got.count)):
            in_bucket = inside & (steps >= got.bucket_start[i]) & (steps <= got.bucket_end[i])
            assert got.bucket_end[i] - got.bucket_start[i] < width
            bucket_steps, bucket_values = steps[in_bucket], values[in_bucket]
            assert got.count[i] == len(bucket_steps)
            assert got.last_step[i] == bucket_steps[-1]
            assert np.array_equal(got.last[i], bucket_values[-1], equal_nan=True)
            assert got.min[i] == np.nanmin(bucket_values) and got.max[i] == np.nanmax(bucket_values)
            assert got.min_step[i] == bucket_steps[np.nanargmin(bucket_values)]
            assert got.max_step[i] == bucket_steps[np.nanargmax(bucket_values)]


def test_downsample_small_series_is_whole(store: Store, run_id: int) -> None:
    store.append_metrics(run_id, {"m": cols([1, 2, 3], [3.0, 1.0, 2.0])})
    got = store.read_metric_downsampled(run_id, "m", buckets=10)
    assert got.last.tolist() == [3.0, 1.0, 2.0] and got.count.tolist() == [1, 1, 1]
    with pytest.raises(ValueError):
        store.read_metric_downsampled(run_id, "m", buckets=0)
