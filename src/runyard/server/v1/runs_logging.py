"""v1 logging into a run: log-metrics, log-params, log-batch.

Steps: a point sent without a step gets its key's last step + 1 (0 for a new key), so
repeated calls append and never overwrite. Within one batch, step-less points of a key
count up from there in order. Concurrent step-less writers of one key may pick the same
step (the last write wins); such writers should send explicit steps.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from fastapi import APIRouter

from runyard.errors import InvalidInputError, PayloadTooLargeError
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.v1.access import load_run
from runyard.server.v1.schemas import (
    ERRORS,
    LogBatch,
    LogBatchOut,
    LogMetrics,
    LogMetricsOut,
    LogParams,
    LogParamsOut,
)
from runyard.server.v1.shapes import INT64_MAX, check_params, merge_tags
from runyard.settings import Settings
from runyard.store import MetricColumns, Run, Store, WriteBatch

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"], responses=ERRORS)

Point = tuple[str, float, int | None, float]  # key, value, step or None, time in epoch seconds


def _columns(store: Store, run_id: int, points: Sequence[Point]) -> tuple[dict[str, MetricColumns], dict[str, int]]:
    """Group points per key into columns, filling missing steps; also each key's last step sent."""
    needs_step = {key for key, _value, step, _time in points if step is None}
    known = store.metric_summaries([run_id])[run_id] if needs_step else {}
    top = {key: known[key].last_step if key in known else -1 for key in needs_step}
    grouped: dict[str, tuple[list[int], list[float], list[float]]] = {}
    for key, value, step, when in points:
        if step is None:
            step = top[key] + 1
            if step > INT64_MAX:
                raise InvalidInputError(f"metric {key!r}: no step left after {top[key]}")
        if key in top:
            top[key] = max(top[key], step)
        steps, values, times = grouped.setdefault(key, ([], [], []))
        steps.append(step)
        values.append(value)
        times.append(when)
    batch = {key: MetricColumns(np.array(s, dtype=np.int64), np.array(v, dtype=np.float64), np.array(t, dtype=np.float64))
             for key, (s, v, t) in grouped.items()}
    return batch, {key: int(columns.steps[-1]) for key, columns in batch.items()}


def write_points(store: Store, run_id: int, points: Sequence[Point], batch_id: str | None) -> tuple[dict[str, int], bool]:
    """Append points in one store call (all or nothing); returns (last step per key, replayed)."""
    batch, last_steps = _columns(store, run_id, points)
    if not batch:
        return {}, False
    return last_steps, store.append_metrics(run_id, batch, batch_id=batch_id) == 0


def _seconds(timestamp_ms: float | None, now: float) -> float:
    return now if timestamp_ms is None else timestamp_ms / 1000


@router.post("/{run_id}/log-metrics", response_model=LogMetricsOut, summary="Log metric values at one step")
async def log_metrics(run_id: str, body: LogMetrics, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"metrics": n, "steps": {key: step used}}`; a missing step is each key's last step + 1."""
    run = (await load_run(store, run_id, tenant)).run
    when = _seconds(body.timestamp, time.time())
    points = [(key, value, body.step, when) for key, value in body.metrics.items()]
    steps, _replayed = await call(write_points, store, run.id, points, None)
    return JSONResponse({"metrics": len(points), "steps": steps})


@router.post("/{run_id}/log-params", response_model=LogParamsOut, summary="Log params (merged into the run's params)")
async def log_params(run_id: str, body: LogParams, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Values are kept as sent (string, number or boolean); a key logged again takes the new value."""
    run = (await load_run(store, run_id, tenant)).run
    params = check_params(body.params)
    await call(store.log_params, run.id, params)
    return JSONResponse({"params": len(params)})


def _check_limits(body: LogBatch, settings: Settings) -> None:
    for what, items, limit, name in (
        ("metrics", body.metrics, settings.max_batch_metrics, "max_batch_metrics"),
        ("params", body.params, settings.max_batch_params, "max_batch_params"),
        ("tags", body.tags, settings.max_batch_tags, "max_batch_tags"),
    ):
        if len(items) > limit:
            raise PayloadTooLargeError(
                f"log-batch has {len(items)} {what}; the limit is {limit} per request ({name}): split the batch"
            )


def _apply_batch(store: Store, run: Run, points: list[Point], params: dict[str, Any],
                 tags: list[str] | None, batch_id: str | None) -> bool:
    """Metrics, params and tags in one unit of work (all or nothing); returns whether it was a replay."""
    batch, _last_steps = _columns(store, run.id, points)
    unit = WriteBatch(metrics=batch, params=params or None, tags=tags, batch_id=batch_id)
    return store.apply(run.id, unit).replayed


@router.post("/{run_id}/log-batch", response_model=LogBatchOut, summary="Log metrics, params and tags in one request")
async def log_batch(run_id: str, body: LogBatch, store: StoreDep, tenant: TenantDep,
                    settings: SettingsDep) -> JSONResponse:
    """Counts of what the batch held; `replayed` is true when its `batch_id` was already applied."""
    _check_limits(body, settings)
    run = (await load_run(store, run_id, tenant)).run
    now = time.time()
    points = [(m.key, m.value, m.step, _seconds(m.timestamp, now)) for m in body.metrics]
    params = check_params({p.key: p.value for p in body.params})
    tags = merge_tags(run.tags, {t.key: t.value for t in body.tags}) if body.tags else None
    batch_id = None if body.batch_id is None else f"v1:{run.id}:{body.batch_id}"
    replayed = await call(_apply_batch, store, run, points, params, tags, batch_id)
    return JSONResponse({"metrics": len(body.metrics), "params": len(body.params), "tags": len(body.tags),
                         "replayed": replayed})
