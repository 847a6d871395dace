"""Metric reads of the v1 API: summaries, full history (JSON/msgpack/Arrow/Parquet), buckets, multi-run."""

from __future__ import annotations

from typing import Annotated, Any

import ormsgpack
from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from runyard.jsonenc import dumps
from runyard.server import budget, listparams
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.msgpack_stream import msgpack_response, series_chunks
from runyard.server.params import INT64_MAX, INT64_MIN, StepMax, StepMin, check_step_range
from runyard.server.responses import JSONResponse
from runyard.server.series_encoding import (
    FORMATS,
    MEDIA_TYPES,
    downsampled_json,
    frame_bytes,
    long_frame,
    series_json,
    series_msgpack,
)
from runyard.server.summaries import summary_json
from runyard.server.v1.access import load_run
from runyard.store import MetricColumns, Store

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"])
MAX_BUCKETS = 10_000
MAX_QUERY_RUNS = 200


def _keys(raw: str | None) -> list[str] | None:
    return listparams.items(raw) or None  # absent or empty: every key


def _summaries_json(store: Store, run_id: int) -> dict[str, Any]:
    return {key: summary_json(s) for key, s in store.metric_summaries([run_id])[run_id].items()}


def _too_many(limit: int, hint: str) -> budget.Message:
    return lambda _total: f"more than {limit} points requested: {hint}"


def _read_all(store: Store, run_id: int, keys: list[str] | None, step_min: int | None,
              step_max: int | None, limit: int) -> dict[str, MetricColumns]:
    summaries = store.metric_summaries([run_id])[run_id]
    chosen = keys if keys is not None else sorted(summaries)
    tally = budget.check([summaries[key] for key in chosen if key in summaries], limit,
                         _too_many(limit, "ask for fewer keys or a step range, or use /downsampled"),
                         step_min=step_min, step_max=step_max)
    result: dict[str, MetricColumns] = {}
    for key in chosen:
        result[key] = store.read_metric(run_id, key, step_min=step_min, step_max=step_max)
        tally.add(len(result[key]))
    return result


def _encode(payload: dict[str, Any], series: dict[str, MetricColumns], fmt: str) -> Response:
    if fmt == "json":
        payload["metrics"] = {key: series_json(s) for key, s in series.items()}
        body = dumps(payload)
    elif fmt == "msgpack":
        payload["encoding"] = {"steps": "<i8", "values": "<f8", "times": "<f8 epoch seconds"}
        return msgpack_response(series_chunks(payload, series))
    else:
        body = frame_bytes(long_frame(series), fmt)
    return Response(body, media_type=MEDIA_TYPES[fmt])


@router.get("/{run_id}/metrics", summary="Metric keys of a run with their summaries")
async def metric_keys(run_id: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Count, min, max, first/last step and last value of every key."""
    run = (await load_run(store, run_id, tenant)).run
    return JSONResponse({"run_id": str(run.id), "metrics": await call(_summaries_json, store, run.id)})


@router.get("/{run_id}/metrics/history", summary="Full-fidelity history of metric keys")
async def metric_history(
    run_id: str,
    store: StoreDep,
    tenant: TenantDep,
    settings: SettingsDep,
    keys: Annotated[str | None, Query(description="comma-separated keys; all keys when omitted")] = None,
    step_min: StepMin = None,
    step_max: StepMax = None,
    format: Annotated[str, Query(pattern="^(json|msgpack|arrow|parquet)$")] = "json",
) -> Response:
    """Every point (no sampling). `format`: json, msgpack (raw arrays), arrow (IPC stream) or parquet."""
    check_step_range(step_min, step_max)
    run = (await load_run(store, run_id, tenant)).run
    series = await call(_read_all, store, run.id, _keys(keys), step_min, step_max, settings.max_points_per_request)
    return _encode({"run_id": str(run.id)}, series, format)


@router.get("/{run_id}/metrics/downsampled", summary="Metric keys reduced to step buckets (for charts and zoom)")
async def metric_downsampled(
    run_id: str,
    store: StoreDep,
    tenant: TenantDep,
    keys: Annotated[str | None, Query(description="comma-separated keys; all keys when omitted")] = None,
    buckets: Annotated[int, Query(ge=1, le=MAX_BUCKETS)] = 1000,
    step_min: StepMin = None,
    step_max: StepMax = None,
) -> Response:
    """Per bucket: count, min (+step), max (+step), last (+step, timestamp); short series come back whole."""
    check_step_range(step_min, step_max)
    run = (await load_run(store, run_id, tenant)).run

    def read() -> dict[str, Any]:
        chosen = _keys(keys) or sorted(store.metric_summaries([run.id])[run.id])
        return {key: downsampled_json(store.read_metric_downsampled(
            run.id, key, buckets=buckets, step_min=step_min, step_max=step_max)) for key in chosen}

    return JSONResponse({"run_id": str(run.id), "buckets": buckets, "metrics": await call(read)})


class MetricsQuery(BaseModel):
    """Several runs at once: full history, or buckets when `buckets` is set."""

    run_ids: list[str | int] = Field(min_length=1, max_length=MAX_QUERY_RUNS)
    keys: list[str] = Field(min_length=1, max_length=100)
    buckets: int | None = Field(default=None, ge=1, le=MAX_BUCKETS)
    step_min: int | None = Field(default=None, ge=INT64_MIN, le=INT64_MAX)
    step_max: int | None = Field(default=None, ge=INT64_MIN, le=INT64_MAX)
    format: str = Field(default="json", pattern="^(json|msgpack)$")


@router.post("/metrics/query", summary="Metric history of several runs (overlay charts)")
async def metrics_query(body: MetricsQuery, store: StoreDep, tenant: TenantDep, settings: SettingsDep) -> Response:
    """`{"runs": {run_id: {key: series}}}`; a run lacking a key simply has no entry for it."""
    check_step_range(body.step_min, body.step_max)
    runs = [(await load_run(store, ref, tenant)).run for ref in body.run_ids]

    def read() -> dict[str, Any]:
        summaries = store.metric_summaries([run.id for run in runs])
        keys = list(dict.fromkeys(body.keys))
        whole = [summaries[run.id][key] for run in runs for key in keys if key in summaries[run.id]]
        tally = budget.check(whole if body.buckets is None else [], settings.max_points_per_request,
                             _too_many(settings.max_points_per_request, "set buckets"),
                             step_min=body.step_min, step_max=body.step_max)
        out: dict[str, Any] = {}
        for run in runs:
            per_key: dict[str, Any] = {}
            for key in keys:
                if key not in summaries[run.id]:
                    continue
                if body.buckets is not None:
                    down = store.read_metric_downsampled(run.id, key, buckets=body.buckets,
                                                         step_min=body.step_min, step_max=body.step_max)
                    per_key[key] = downsampled_json(down)
                    continue
                series = store.read_metric(run.id, key, step_min=body.step_min, step_max=body.step_max)
                tally.add(len(series))
                per_key[key] = series_json(series) if body.format == "json" else series_msgpack(series)
            out[str(run.id)] = per_key
        return out

    result = {"runs": await call(read)}
    if body.format == "msgpack":
        return Response(ormsgpack.packb(result, option=ormsgpack.OPT_SERIALIZE_NUMPY), media_type=MEDIA_TYPES["msgpack"])
    return JSONResponse(result)


__all__ = ["FORMATS", "router"]
