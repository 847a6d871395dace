"""Backend-independent series operations: merging chunks and bucketed downsampling."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

import numpy as np

from runyard.store.codec import sort_dedupe
from runyard.store.models import Downsampled, FloatArray, IntArray, MetricColumns

# Below this many points threads cost more than they save.
PARALLEL_POINTS = 150_000


def merge_chunks(chunks: Sequence[MetricColumns]) -> MetricColumns:
    """Join chunks given in write order; the later write of a step wins."""
    if not chunks:
        return MetricColumns.empty()
    if len(chunks) == 1:
        return chunks[0]
    ordered = all(
        len(prev) == 0 or len(nxt) == 0 or prev.steps[-1] < nxt.steps[0]
        for prev, nxt in itertools.pairwise(chunks)
    )
    steps = np.concatenate([c.steps for c in chunks])
    values = np.concatenate([c.values for c in chunks])
    times = np.concatenate([c.times for c in chunks])
    merged = MetricColumns(steps, values, times)
    return merged if ordered else sort_dedupe(merged)


def _clip_bounds(steps: IntArray, step_min: int | None, step_max: int | None) -> tuple[int, int]:
    lo = 0 if step_min is None else int(np.searchsorted(steps, step_min, side="left"))
    hi = len(steps) if step_max is None else int(np.searchsorted(steps, step_max, side="right"))
    return lo, hi


def clip_steps(series: MetricColumns, step_min: int | None, step_max: int | None) -> MetricColumns:
    """The part of a step-sorted series inside [step_min, step_max]."""
    if step_min is None and step_max is None:
        return series
    lo, hi = _clip_bounds(series.steps, step_min, step_max)
    return MetricColumns(series.steps[lo:hi], series.values[lo:hi], series.times[lo:hi])


def _segment_arg(
    values: FloatArray, starts: IntArray, counts: IntArray, pick_max: bool, has_nan: bool = True
) -> IntArray:
    """Per segment, the index of its first min (or max), ignoring NaN; the segment start if all NaN."""
    n_seg = len(starts)
    width = int(counts.max())
    fill = -np.inf if pick_max else np.inf
    regular = n_seg > 1 and bool((counts[:-1] == width).all()) and int(starts[0]) == 0
    if regular:
        # Equal buckets (regular steps): a reshaped view, no gather.
        body = values[: (n_seg - 1) * width].reshape(n_seg - 1, width)
        tail_slice = values[int(starts[-1]):]
        if has_nan:
            # Only NaN needs the filled copies (8 bytes a point, twice): most series have none.
            body = np.where(np.isnan(body), fill, body)
            tail_slice = np.where(np.isnan(tail_slice), fill, tail_slice)
        head = (np.argmax(body, axis=1) if pick_max else np.argmin(body, axis=1)) + starts[:-1]
        tail = int(np.argmax(tail_slice) if pick_max else np.argmin(tail_slice)) + int(starts[-1])
        return np.append(head, tail).astype(np.int64)
    # Ragged buckets: gather into a padded matrix, repeating each bucket's first point.
    offsets = np.arange(width, dtype=np.int64)
    index = starts[:, None] + offsets[None, :]
    index = np.where(offsets[None, :] < counts[:, None], index, starts[:, None])
    grid = values[index]
    if has_nan:
        grid = np.where(np.isnan(grid), fill, grid)
    picked = np.argmax(grid, axis=1) if pick_max else np.argmin(grid, axis=1)
    result: IntArray = (starts + picked).astype(np.int64)
    return result


def _first_match(mask: np.ndarray, starts: IntArray, ends: IntArray) -> IntArray:
    """Per segment, the first index where mask holds; the segment start when none does."""
    hits = np.flatnonzero(mask)
    pos = np.searchsorted(hits, starts)
    candidate = hits[np.minimum(pos, len(hits) - 1)] if len(hits) else starts
    inside = (pos < len(hits)) & (candidate < ends)
    return np.where(inside, candidate, starts).astype(np.int64)


def downsample(
    key: str,
    series: MetricColumns,
    buckets: int,
    step_min: int | None = None,
    step_max: int | None = None,
) -> Downsampled:
    """Reduce a step-sorted series to equal-width step buckets with min/max/last each.

    NaN is skipped by min/max (a bucket of only NaN reports NaN) but kept as `last`.
    """
    times = series.times
    return downsample_lazy(key, series.steps, series.values, lambda index: times[index], buckets, step_min, step_max)


_Reduced = tuple[FloatArray, FloatArray, IntArray, IntArray]


def _reduce(values: FloatArray, starts: IntArray, ends: IntArray, per_point: bool) -> _Reduced:
    """Per segment (segments back to back), min and max ignoring NaN and where each first occurs."""
    base = int(starts[0])
    values = values[base:int(ends[-1])]
    starts, ends = starts - base, ends - base
    counts = ends - starts
    mins: FloatArray = np.fmin.reduceat(values, starts)
    maxs: FloatArray = np.fmax.reduceat(values, starts)
    if per_point:
        min_idx = _first_match(values == np.repeat(mins, counts), starts, ends)
        max_idx = _first_match(values == np.repeat(maxs, counts), starts, ends)
    else:
        has_nan = bool(np.isnan(values).any())
        min_idx = _segment_arg(values, starts, counts, pick_max=False, has_nan=has_nan)
        max_idx = _segment_arg(values, starts, counts, pick_max=True, has_nan=has_nan)
    return mins, maxs, min_idx + base, max_idx + base


def downsample_lazy(
    key: str,
    steps: IntArray,
    values: FloatArray,
    times_at: Callable[[IntArray], FloatArray],
    buckets: int,
    step_min: int | None = None,
    step_max: int | None = None,
    executor: Executor | None = None,
) -> Downsampled:
    """`downsample` that asks `times_at(positions)` only for the wall times it reports.

    With an executor, a large series is reduced in two halves of its buckets at once (numpy
    releases the GIL), while the wall times are looked up alongside.
    """
    if buckets < 1:
        raise ValueError("buckets must be >= 1")
    offset, stop = _clip_bounds(steps, step_min, step_max)
    steps, values = steps[offset:stop], values[offset:stop]
    n = len(steps)
    lo = step_min if step_min is not None else (int(steps[0]) if n else 0)
    hi = step_max if step_max is not None else (int(steps[-1]) if n else 0)
    if n == 0:
        empty_i = np.empty(0, dtype=np.int64)
        empty_f = np.empty(0, dtype=np.float64)
        return Downsampled(key, lo, hi, 0, empty_i, empty_i, empty_i, empty_f, empty_i,
                           empty_f, empty_i, empty_f, empty_i, empty_f)
    if n <= buckets:
        ones = np.ones(n, dtype=np.int64)
        return Downsampled(key, lo, hi, n, steps, steps, ones, values, steps, values, steps,
                           values, steps, times_at(np.arange(offset, stop, dtype=np.int64)))
    width = max(1, -(-(hi - lo + 1) // buckets))
    n_buckets = -(-(hi - lo + 1) // width)
    edges = lo + np.arange(n_buckets + 1, dtype=np.int64) * width
    bounds = np.searchsorted(steps, edges, side="left")
    bounds[-1] = n
    non_empty = np.flatnonzero(bounds[1:] > bounds[:-1])
    starts = bounds[non_empty].astype(np.int64)
    ends = bounds[non_empty + 1].astype(np.int64)
    counts = ends - starts
    last_idx = ends - 1
    # Very uneven buckets would make the padded matrix huge: mark per point instead.
    per_point = int(counts.max()) * len(starts) > 4 * n
    if executor is None or n < PARALLEL_POINTS or len(starts) < 2:
        mins, maxs, min_idx, max_idx = _reduce(values, starts, ends, per_point)
        last_time = times_at(last_idx + offset)
    else:
        mid = len(starts) // 2
        timed = executor.submit(times_at, last_idx + offset)
        head = executor.submit(_reduce, values, starts[:mid], ends[:mid], per_point)
        tail = _reduce(values, starts[mid:], ends[mid:], per_point)
        mins, maxs, min_idx, max_idx = (np.concatenate(pair) for pair in zip(head.result(), tail, strict=True))
        last_time = timed.result()
    bucket_ids = non_empty.astype(np.int64)
    return Downsampled(
        key=key,
        step_min=lo,
        step_max=hi,
        total_points=n,
        bucket_start=lo + bucket_ids * width,
        bucket_end=np.minimum(lo + (bucket_ids + 1) * width - 1, hi),
        count=counts,
        min=mins,
        min_step=steps[min_idx],
        max=maxs,
        max_step=steps[max_idx],
        last=values[last_idx],
        last_step=steps[last_idx],
        last_time=last_time,
    )
