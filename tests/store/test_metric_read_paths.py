"""Cold, warm and zoomed metric reads agree exactly, whatever order they come in.

A downsampled read may keep wall times as deltas and sum only the ones it reports, and a
large series is reduced in parallel halves; both must match a plain reduction of the full read.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from runyard.store import MetricColumns, Store, validate_numbers
from runyard.store.codec import TIMES_DELTA64, decode_times, encode_chunk, time_deltas, times_at
from runyard.store.models import Downsampled
from runyard.store.series import downsample, downsample_lazy

N = 200_000  # above the size where reads go parallel, and several chunks


@pytest.fixture
def run_id(store: Store) -> int:
    return store.create_run(store.create_project("p").id).id


def _assert_same(got: Downsampled, want: Downsampled) -> None:
    assert (got.key, got.step_min, got.step_max, got.total_points) == (
        want.key, want.step_min, want.step_max, want.total_points)
    for name in ("bucket_start", "bucket_end", "count", "min", "min_step", "max", "max_step",
                 "last", "last_step", "last_time"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name


def _series(n: int, seed: int, t0: float = 1.7e9, dt: float = 0.01) -> MetricColumns:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=n)
    values[::991] = np.nan
    values[5::4999] = np.inf
    values[7::7001] = -np.inf
    times = t0 + np.cumsum(rng.normal(dt, dt / 10, n))
    return MetricColumns(np.arange(n, dtype=np.int64), values, times)


def _append(store: Store, run_id: int, key: str, sent: MetricColumns, batch: int = 50_000) -> None:
    for start in range(0, len(sent), batch):
        part = slice(start, start + batch)
        store.append_metrics(run_id, {key: MetricColumns(sent.steps[part], sent.values[part], sent.times[part])})


# Narrow zooms first: before anything is cached they decode only their own chunks.
RANGES = [(60_000, 60_050, 10), (60_000, 99_999, 1000), (10**9, 10**9 + 5, 10), (None, None, 1000),
          (None, None, 7), (12_345, 187_654, 333), (49_990, 50_010, 1000)]


def _check_all_orders(store: Store, run_id: int, key: str) -> None:
    """Downsample before, during and after full reads; each must equal reducing the full read."""
    got_first = [store.read_metric_downsampled(run_id, key, buckets=b, step_min=lo, step_max=hi)
                 for lo, hi, b in RANGES]
    got_again = [store.read_metric_downsampled(run_id, key, buckets=b, step_min=lo, step_max=hi)
                 for lo, hi, b in RANGES]
    full = store.read_metric(run_id, key)
    got_after = [store.read_metric_downsampled(run_id, key, buckets=b, step_min=lo, step_max=hi)
                 for lo, hi, b in RANGES]
    for i, (lo, hi, b) in enumerate(RANGES):
        want = downsample(key, full, b, lo, hi)
        for got in (got_first[i], got_again[i], got_after[i]):
            _assert_same(got, want)


def test_large_series_all_read_orders(store: Store, run_id: int) -> None:
    sent = _series(N, 1)
    _append(store, run_id, "m", sent)
    _append(store, run_id, "copy", sent)
    _check_all_orders(store, run_id, "m")
    full = store.read_metric(run_id, "m")
    # Times first summed for a downsample, then in full, equal a plain full read bit for bit.
    assert np.array_equal(full.times, store.read_metric(run_id, "copy").times)
    assert np.array_equal(full.values, sent.values, equal_nan=True)
    assert np.abs(full.times - sent.times).max() < 1e-6
    got = store.read_metric_downsampled(run_id, "m", buckets=1000)
    assert np.abs(got.last_time - sent.times[got.last_step]).max() < 1e-6


def test_overlapping_chunks_last_write_wins(store: Store, run_id: int) -> None:
    first, second = _series(N, 2), _series(N, 3, t0=1.8e9)
    _append(store, run_id, "m", first)
    overlap = slice(70_000, 130_000)  # a rewrite of the middle, as a retry or backfill would
    store.append_metrics(run_id, {"m": MetricColumns(second.steps[overlap], second.values[overlap],
                                                     second.times[overlap])})
    _check_all_orders(store, run_id, "m")
    full = store.read_metric(run_id, "m")
    expected = first.values.copy()
    expected[overlap] = second.values[overlap]
    assert np.array_equal(full.values, expected, equal_nan=True)
    assert full.times[100_000] == pytest.approx(second.times[100_000], abs=1e-6)


def test_irregular_steps_and_uneven_buckets(store: Store, run_id: int) -> None:
    rng = np.random.default_rng(4)
    dense = np.arange(0, 150_000)
    sparse = np.unique(rng.integers(150_000, 50_000_000, 60_000))
    steps = np.concatenate((dense, sparse))
    sent = _series(len(steps), 5)
    _append(store, run_id, "m", MetricColumns(steps, sent.values, sent.times))
    _check_all_orders(store, run_id, "m")


def test_times_that_need_the_full_decode(store: Store, run_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Gaps over 2**31 microseconds use 64-bit deltas; far-future times exceed float64's exact
    # integers; both take the full decode path and must still agree.
    _append(store, run_id, "gaps", _series(N, 6, dt=3_000.0))
    # Ingest now refuses times past 2100; an older runyard stored them, and they must still read back.
    monkeypatch.setattr(validate_numbers, "LATEST_TIME", float("inf"))
    _append(store, run_id, "far", _series(N, 7, t0=5e11))
    monkeypatch.undo()
    _check_all_orders(store, run_id, "gaps")
    _check_all_orders(store, run_id, "far")


def test_time_deltas_match_full_decode() -> None:
    rng = np.random.default_rng(8)
    for n in (1, 2, 3, 1000, 65_536):
        for t0, dt in ((1.7e9, 0.01), (0.0, 0.5), (-50.0, 0.01), (1.7e9, 3_000.0), (5e11, 0.01)):
            times = t0 + np.cumsum(rng.normal(dt, dt / 3, n))
            chunk = encode_chunk(MetricColumns(np.arange(n), rng.normal(size=n), times))
            full = decode_times(n, chunk.times_codec, chunk.times_blob)
            deltas = time_deltas(n, chunk.times_codec, chunk.times_blob)
            if chunk.times_codec == TIMES_DELTA64 or t0 > 1e11:
                assert deltas is None
                continue
            assert deltas is not None
            for positions in (np.arange(n), np.array([0]), np.array([n - 1, n - 1]),
                              np.sort(rng.integers(0, n, 50)), np.empty(0, np.int64)):
                assert np.array_equal(times_at(deltas, positions), full[positions])


def test_parallel_reduction_matches_serial() -> None:
    rng = np.random.default_rng(9)
    steps = np.sort(np.unique(np.concatenate((np.arange(200_000), rng.integers(0, 10**7, 50_000)))))
    values = rng.normal(size=len(steps))
    values[rng.integers(0, len(values), 3000)] = np.nan
    values[rng.integers(0, len(values), 300)] = np.inf
    values[1000:3000] = np.nan  # whole buckets of NaN
    tail = np.flatnonzero(steps >= 9_000_000)
    values[tail] = np.inf
    values[tail[0]] = np.nan  # NaN then only +inf: the min is +inf, found at the first +inf
    times = np.arange(len(steps)) * 0.01
    with ThreadPoolExecutor(2) as pool:
        for buckets, lo, hi in ((1000, None, None), (10, None, None), (997, 5, 150_000)):
            serial = downsample_lazy("k", steps, values, lambda i: times[i], buckets, lo, hi)
            parallel = downsample_lazy("k", steps, values, lambda i: times[i], buckets, lo, hi, pool)
            _assert_same(parallel, serial)
