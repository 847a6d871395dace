"""Metric series for the dashboard API: read (whole or downsampled), then encode.

Whole series are served by default: nothing is hidden. `max_points` (a runyard
extension) asks for at most that many points per series: a longer series is cut into
`max_points // 3` step buckets and each bucket gives its min, max and last point (in
step order, a point that is several of these appears once), so spikes survive. Those
points' values and steps are exact; their `timestamps` are the wall time of the
bucket's last point (buckets keep only that one), so they are approximate for min/max.

On the wire `steps` and `timestamps` are delta-encoded by default, as Aspara's server
sends them and its dashboard scripts always undo: the first value absolute, each next one
the difference from the one before. `absolute` sends them as stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import ormsgpack
from starlette.responses import Response

from runyard.jsonenc import dumps, json_floats
from runyard.server import budget
from runyard.server.chart_points import READERS, bucket_points
from runyard.server.msgpack_stream import (  # the v1 history's zero-copy framing, reused
    Chunk,
    bin_chunks,
    map_header,
    msgpack_response,
)
from runyard.server.series_encoding import MEDIA_TYPES
from runyard.store import MetricColumns, MetricSummary, Run, Store

MAX_POINTS_LIMIT = 1_000_000
BINARY_ENCODING = {"steps": "<i8", "values": "<f8", "timestamps": "<f8 epoch milliseconds"}


@dataclass(frozen=True, slots=True)
class Selection:
    """Which points of which keys a request wants."""

    keys: tuple[str, ...] | None  # None: every key of each run
    max_points: int | None  # None: whole series
    since_ms: float | None  # only points with timestamp >= this (epoch ms)
    absolute: bool = False  # steps and timestamps as stored instead of delta-encoded


def _since(series: MetricColumns, since_ms: float | None) -> MetricColumns:
    if since_ms is None or not len(series):
        return series
    mask = series.times * 1000.0 >= since_ms
    return series if bool(mask.all()) else MetricColumns(series.steps[mask], series.values[mask], series.times[mask])


def _keys_of(summaries: Mapping[str, MetricSummary], selection: Selection) -> list[str]:
    if selection.keys is None:
        return sorted(summaries, key=lambda key: summaries[key].first_logged)
    return [key for key in selection.keys if key in summaries]


def check_budget(summaries: Mapping[int, Mapping[str, MetricSummary]], selection: Selection, limit: int) -> None:
    """413 before reading anything when the series (each at most `max_points`) exceed the point budget."""
    chosen = [per_run[key] for per_run in summaries.values() for key in _keys_of(per_run, selection)]
    budget.check(chosen, limit, lambda total: f"{total} points requested, more than {limit} per request: set "
                 "max_points (points per series), ask for fewer metrics, or fewer runs",
                 max_points=selection.max_points)


def read_run(store: Store, run: Run, summaries: Mapping[str, MetricSummary],
             selection: Selection) -> dict[str, MetricColumns]:
    """The selected series of one run (blocking); keys the run lacks are left out."""
    out: dict[str, MetricColumns] = {}
    for key in _keys_of(summaries, selection):
        limit = selection.max_points
        if limit is None or summaries[key].count <= limit:
            series = store.read_metric(run.id, key)
        else:
            series = bucket_points(store.read_metric_downsampled(run.id, key, buckets=max(limit // 3, 1)))
        out[key] = _since(series, selection.since_ms)
    return out


def read_runs(store: Store, runs: Sequence[Run], selection: Selection,
              limit: int) -> dict[str, dict[str, MetricColumns]]:
    """`{key: {run name: series}}` for several runs (blocking), runs in given order, keys in the
    order first met going through the runs in that order, each run's keys as first logged."""
    summaries = store.metric_summaries([run.id for run in runs]) if runs else {}
    check_budget(summaries, selection, limit)
    read = [READERS.submit(read_run, store, run, summaries.get(run.id, {}), selection) for run in runs]
    by_key: dict[str, dict[str, MetricColumns]] = {}
    for run, future in zip(runs, read, strict=True):
        for key, series in future.result().items():
            by_key.setdefault(key, {})[run.name] = series
    return by_key


def _delta(array: np.ndarray) -> np.ndarray:
    """First value as is, then each value's difference from the one before (Aspara's encoding)."""
    return np.concatenate((array[:1], np.diff(array))) if len(array) else array


def _columns(series: MetricColumns, absolute: bool) -> dict[str, Any]:
    """Steps, values and timestamps (ms) as sent: values raw (msgpack carries NaN and infinities)."""
    steps, timestamps = series.steps, series.times * 1000.0
    if not absolute:
        steps, timestamps = _delta(steps), _delta(timestamps)
    return {"steps": steps, "values": series.values, "timestamps": timestamps}


def _json_columns(series: MetricColumns, absolute: bool) -> dict[str, Any]:
    columns = _columns(series, absolute)
    return {**columns, "values": json_floats(columns["values"])}


def _nest(tree: Mapping[str, Any], leaf: Any) -> Any:
    return {name: _nest(item, leaf) if isinstance(item, Mapping) else leaf(item) for name, item in tree.items()}


def _binary_chunks(value: Any) -> list[Chunk]:
    """msgpack of nested maps whose leaves may be numpy arrays, sent as raw `bin` without copying."""
    if isinstance(value, Mapping):
        chunks: list[Chunk] = [map_header(len(value))]
        for name, item in value.items():
            chunks.append(ormsgpack.packb(name))
            chunks += _binary_chunks(item)
        return chunks
    if isinstance(value, np.ndarray):
        return bin_chunks(value, "<i8" if value.dtype.kind in "iu" else "<f8")
    return [ormsgpack.packb(value)]


def encode(fields: dict[str, Any], metrics: Mapping[str, Any], fmt: str, arrays: str,
           absolute: bool = False) -> Response:
    """JSON (non-finite values spelled out), msgpack with typed arrays, or msgpack with raw `bin` arrays.

    `metrics` is a tree of maps whose leaves are `MetricColumns`.
    """
    if fmt == "json":
        payload = {**fields, "metrics": _nest(metrics, lambda series: _json_columns(series, absolute))}
        return Response(dumps(payload), media_type=MEDIA_TYPES["json"])
    tree = _nest(metrics, lambda series: _columns(series, absolute))
    if arrays == "binary":
        encoding = {**BINARY_ENCODING, "delta": not absolute}
        return msgpack_response(_binary_chunks({**fields, "encoding": encoding, "metrics": tree}))
    body = ormsgpack.packb({**fields, "metrics": tree}, option=ormsgpack.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type=MEDIA_TYPES["msgpack"])
