"""Metric reads of the v1 API: summaries, full history (JSON/msgpack/Arrow/Parquet), buckets, multi-run."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import ormsgpack
from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from runyard.errors import InvalidInputError, PayloadTooLargeError
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.msgpack_stream import msgpack_response, series_chunks
from runyard.server.params import INT64_MAX, INT64_MIN, StepMax, StepMin
from runyard.server.responses import JSONResponse, json_float
from runyard.server.series_encoding import (
    FORMATS,
    MEDIA_TYPES,
    downsampled_json,
    frame_bytes,
    long_frame,
    series_json,
    series_msgpack,
)
from runyard.server.v1.access import load_run
from runyard.store import MetricColumns, Store

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"])
MAX_BUCKETS = 10_000
MAX_QUERY_RUNS = 200


def _keys(raw: str | None) -> list[str] | None:
    if raw is None or not raw.strip():
        return None
    return [key.strip() for key in raw.split(",") if key.strip()]


def _check_range(step_min: int | None, step_max: int | None) -> None:
    if step_min is not None and step_max is not None and step_min > step_max:
        raise InvalidInputError("step_min must not be greater than step_max")


def _summaries_json(store: Store, run_id: int) -> dict[str, Any]:
    found = store.metric_summaries([run_id])[run_id]
    return {
        key: {"count": s.count, "min": json_float(s.min), "max": json_float(s.max), "first_step": s.first_step,
              "last_step": s.last_step, "last_value": json_float(s.last_value), "last_timestamp": s.last_time * 1000}
        for key, s in found.items()
    }


def _read_all(store: Store, run_id: int, keys: list[str] | None, step_min: int | None,
              step_max: int | None, budget: int) -> dict[str, MetricColumns]:
    chosen = keys if keys is not None else sorted(store.metric_summaries([run_id])[run_id])
    result: dict[str, MetricColumns] = {}
    total = 0
    for key in chosen:
        result[key] = store.read_metric(run_id, key, step_min=step_min, step_max=step_max)
        total += len(result[key])
        if total > budget:
            raise PayloadTooLargeError(
                f"more than {budget} points requested: ask for fewer keys or a step range, or use /downsampled"
            )
    return result


def _encode(payload: dict[str, Any], series: dict[str, MetricColumns], fmt: str) -> Response:
    if fmt == "json":
        payload["metrics"] = {key: series_json(s) for key, s in series.items()}
        body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
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
    _check_range(step_min, step_max)
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
    _check_range(step_min, step_max)
    run = (await load_run(store, run_id, tenant)).run

    def read() -> dict[str, Any]:
        chosen = _keys(keys) or sorted(store.metric_summaries([run.id])[run.id])
        return {key: downsampled_json(store.read_metric_downsampled(
            run.id, key, buckets=buckets, step_min=step_min, step_max=step_max)) for key in chosen}

    metrics = await call(read)
    body = orjson.dumps({"run_id": str(run.id), "buckets": buckets, "metrics": metrics},
                        option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json")


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
    _check_range(body.step_min, body.step_max)
    runs = [(await load_run(store, ref, tenant)).run for ref in body.run_ids]

    def read() -> dict[str, Any]:
        summaries = store.metric_summaries([run.id for run in runs])
        out: dict[str, Any] = {}
        total = 0
        for run in runs:
            per_key: dict[str, Any] = {}
            for key in body.keys:
                if key not in summaries[run.id]:
                    continue
                if body.buckets is not None:
                    down = store.read_metric_downsampled(run.id, key, buckets=body.buckets,
                                                         step_min=body.step_min, step_max=body.step_max)
                    per_key[key] = downsampled_json(down)
                    continue
                series = store.read_metric(run.id, key, step_min=body.step_min, step_max=body.step_max)
                total += len(series)
                if total > settings.max_points_per_request:
                    raise PayloadTooLargeError(f"more than {settings.max_points_per_request} points requested: set buckets")
                per_key[key] = series_json(series) if body.format == "json" else series_msgpack(series)
            out[str(run.id)] = per_key
        return out

    result = {"runs": await call(read)}
    if body.format == "msgpack":
        return Response(ormsgpack.packb(result, option=ormsgpack.OPT_SERIALIZE_NUMPY), media_type=MEDIA_TYPES["msgpack"])
    return Response(orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json")


__all__ = ["FORMATS", "router"]
