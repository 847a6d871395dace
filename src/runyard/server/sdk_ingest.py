"""The SDK's remote mode: create/resume runs and take columnar msgpack batches (docs/sdk-protocol.md).

Every answer is sent after the store committed: a 2xx is the acknowledgement the SDK
deletes its spool files on. Batches are idempotent per (run, batch_id), run creation per
client-made uid, so a client may resend anything whose answer it did not get.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from runyard import lookup
from runyard.errors import InvalidInputError
from runyard.sdk.wire import PREFIX, decode_batch
from runyard.server import sdk_schemas as schemas
from runyard.server.bodies import decode, read_raw
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.uploads import raw_upload
from runyard.settings import Settings
from runyard.store import Run, Store, WriteBatch
from runyard.store.models import RUN_STATUSES
from runyard.store.opening import open_run

router = APIRouter(prefix=PREFIX, tags=["sdk"], responses=schemas.ERRORS)


async def _data(request: Request, settings: Settings) -> Any:
    raw = await read_raw(request, settings.max_body_bytes)
    return await call(decode, raw, request.headers.get("content-type", "application/json"))


async def _run(store: Store, uid: str, tenant: str) -> Run:
    """The caller's run by uid: 404 unknown or another tenant's (`runyard.lookup`)."""
    return (await call(lookup.run_by_uid, store, uid, tenant)).run


@router.post("/runs", summary="Create or resume a run", openapi_extra=schemas.CREATE_BODY)
async def create_run(request: Request, store: StoreDep, tenant: TenantDep, settings: SettingsDep) -> JSONResponse:
    """`{run, next_step, resumed}`; a create sent again with the same uid returns the same run."""
    data = await _data(request, settings)
    spec, rename = schemas.run_spec(data)
    handle = await call(open_run, store, spec, tenant, rename_taken=rename, stale_after_s=settings.stale_after_s)
    return JSONResponse({
        "run": {"id": handle.id, "uid": handle.uid, "name": handle.name, "project": handle.project,
                "project_id": handle.project_id},
        "next_step": handle.next_step,
        "resumed": handle.resumed,
        "start_time": handle.start_time,
        "config": handle.config,
        "summary": handle.summary,
        "metric_defs": handle.metric_defs,
    })


def _apply_batch(store: Store, run_id: int, raw: bytes, content_type: str, max_points: int) -> dict[str, Any]:
    """Metrics and logs in one unit of work: both or neither, applied once per batch id."""
    batch = decode_batch(decode(raw, content_type), max_points)
    # A logs-only batch keeps its own id space (`<id>:logs`, as before units): a client may send a
    # metrics batch and a logs batch under one id. A batch holding metrics is keyed by its id.
    batch_id = batch.batch_id if batch.metrics else batch.batch_id + ":logs"
    result = store.apply(run_id, WriteBatch(metrics=batch.metrics, logs=batch.logs, batch_id=batch_id))
    return {"applied": result.seq > 0, "seq": result.seq, "points": batch.points, "lines": len(batch.logs)}


@router.post("/runs/{uid}/batch", summary="Append a batch of metric columns and console lines",
             openapi_extra=schemas.BATCH_BODY)
async def batch(uid: str, request: Request, store: StoreDep, tenant: TenantDep, settings: SettingsDep) -> JSONResponse:
    """`{applied, seq, points, lines}`; `applied` is false when the batch id was already applied."""
    run = await _run(store, uid, tenant)
    raw = await read_raw(request, settings.max_body_bytes)
    content_type = request.headers.get("content-type", "application/msgpack")
    result = await call(_apply_batch, store, run.id, raw, content_type, settings.max_points_per_request)
    return JSONResponse(result)


@router.post("/runs/{uid}/heartbeat", summary="Say the run's process is alive")
async def heartbeat(uid: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"ok": true}`."""
    run = await _run(store, uid, tenant)
    await call(store.heartbeat, run.id)
    return JSONResponse({"ok": True})


@router.post("/runs/{uid}/status", summary="Set the run's status", openapi_extra=schemas.STATUS_BODY)
async def status(uid: str, request: Request, store: StoreDep, tenant: TenantDep, settings: SettingsDep) -> JSONResponse:
    """`{"status": ...}`; a terminal status records the end time."""
    run = await _run(store, uid, tenant)
    data = await _data(request, settings)
    value = data.get("status") if isinstance(data, dict) else None
    if value not in RUN_STATUSES:
        raise InvalidInputError(f"status must be one of {list(RUN_STATUSES)}, not {value!r}")
    # The client's end time: a status replayed from a spool keeps when the run really ended.
    updated = await call(store.set_run_status, run.id, value, end_time=schemas.end_time(data))
    return JSONResponse({"status": updated.status})


@router.post("/runs/{uid}/params", summary="Merge params into the run's params", openapi_extra=schemas.PARAMS_BODY)
async def params(uid: str, request: Request, store: StoreDep, tenant: TenantDep, settings: SettingsDep) -> JSONResponse:
    """`{"params": n}`: how many keys were merged."""
    run = await _run(store, uid, tenant)
    data = await _data(request, settings)
    values = data.get("params") if isinstance(data, dict) else None
    if not isinstance(values, dict):
        raise InvalidInputError("body must be {\"params\": {name: value}}")
    await call(store.log_params, run.id, values)
    return JSONResponse({"params": len(values)})


@router.post("/runs/{uid}/update", summary="Replace tags, system info, config, summary or metric definitions", openapi_extra=schemas.UPDATE_BODY)
async def update(uid: str, request: Request, store: StoreDep, tenant: TenantDep, settings: SettingsDep) -> JSONResponse:
    """`{"updated": [fields]}`; fields not sent stay as they are."""
    run = await _run(store, uid, tenant)
    fields = schemas.update_fields(await _data(request, settings))
    await call(store.update_run, run.id, **fields)
    return JSONResponse({"updated": sorted(fields)})


@router.post("/runs/{uid}/artifacts", summary="Upload an artifact file (raw body)", openapi_extra=schemas.ARTIFACT_BODY)
async def artifact(
    uid: str,
    request: Request,
    store: StoreDep,
    tenant: TenantDep,
    settings: SettingsDep,
    name: Annotated[str, Query(min_length=1, max_length=1024, description="relative path in the run's artifacts")],
) -> JSONResponse:
    """`{path, size, sha256}`; 413 past `max_artifact_bytes`, 400 for a name that could escape."""
    run = await _run(store, uid, tenant)
    schemas.check_artifact_name(name)
    reader = raw_upload(request, settings)
    stored = await call(store.add_artifact_stream, run.id, name, reader, max_bytes=settings.max_artifact_bytes)
    return JSONResponse({"path": stored.path, "size": stored.size, "sha256": stored.sha256})
