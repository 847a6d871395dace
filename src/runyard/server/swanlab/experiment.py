"""`/api/v1/experiment/<id>`: one experiment (run), its charts, status, summary and recent log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse, json_float
from runyard.server.swanlab import charts, lookup, scopes, shapes
from runyard.server.swanlab.common import FLOATS, ROUTER_OPTIONS, ExperimentId
from runyard.server.swanlab.times import iso
from runyard.store import MetricSummary, Project, Run, Store

router = APIRouter(prefix="/api/v1/experiment", **ROUTER_OPTIONS)
RECENT_LINES = 5
DEFAULT_LOG_LINES = 1000
MAX_LOG_LINES = 10_000


def _load(store: Store, experiment_id: int, tenant: str) -> tuple[Project, Run, dict[str, MetricSummary]]:
    found = lookup.experiment(store, experiment_id, tenant)
    return found.project, found.run, store.metric_summaries([found.run.id]).get(found.run.id, {})


def _detail(store: Store, experiment_id: int, tenant: str, logdir: str) -> dict[str, Any]:
    _, run, summaries = _load(store, experiment_id, tenant)
    return shapes.envelope(shapes.experiment_detail(run, shapes.update_time(run, summaries), logdir))


@router.get("/{experiment_id}", summary="One experiment: config and system info")
async def get_experiment(experiment_id: ExperimentId, store: StoreDep, settings: SettingsDep,
                         tenant: TenantDep) -> JSONResponse:
    """The run's fields, its config and the machine it ran on (CPU, GPUs, OS, Python, command)."""
    logdir = "" if settings.auth_required else str(settings.data_dir)  # no server paths under auth
    return JSONResponse(await call(_detail, store, experiment_id, tenant, logdir))


def _charts(store: Store, project: Project, run: Run, summaries: dict[str, MetricSummary]) -> dict[str, Any]:
    return scopes.run_charts(store, project, run, summaries, lookup.runs_count(store, project))


def _chart(store: Store, experiment_id: int, tenant: str) -> dict[str, Any]:
    return shapes.envelope(_charts(store, *_load(store, experiment_id, tenant)))


@router.get("/{experiment_id}/chart", summary="Charts and namespaces of an experiment")
async def get_charts(experiment_id: ExperimentId, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """One line chart per metric key (x: step); namespaces from the key prefix before `/`."""
    return JSONResponse(await call(_chart, store, experiment_id, tenant))


def _status(store: Store, experiment_id: int, tenant: str) -> dict[str, Any]:
    project, run, summaries = _load(store, experiment_id, tenant)
    return shapes.envelope({
        "status": shapes.status_code(run.status),
        "update_time": iso(shapes.update_time(run, summaries)),
        "finish_time": iso(run.end_time),
        "charts": _charts(store, project, run, summaries),
    })


@router.get("/{experiment_id}/status", summary="Status, update and finish time, charts")
async def get_status(experiment_id: ExperimentId, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Status 0 running, 1 finished, -1 failed/crashed/killed; what the dashboard polls."""
    return JSONResponse(await call(_status, store, experiment_id, tenant))


def _summary(store: Store, experiment_id: int, tenant: str) -> dict[str, Any]:
    _, _, summaries = _load(store, experiment_id, tenant)
    ordered = [key for _, keys in charts.layout(summaries) for key in keys]
    return shapes.envelope({"summaries": [
        {"key": key, "value": json_float(summaries[key].last_value, FLOATS)} for key in ordered
    ]})


@router.get("/{experiment_id}/summary", summary="Latest value of every metric")
async def get_summary(experiment_id: ExperimentId, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{key, value}` per metric key, in chart order; non-finite values spelled "NaN", "INF", "-INF"."""
    return JSONResponse(await call(_summary, store, experiment_id, tenant))


def _recent_log(store: Store, experiment_id: int, tenant: str, limit: int) -> dict[str, Any]:
    _, run, _ = _load(store, experiment_id, tenant)
    logs = [line.line for line in store.read_logs(run.id, tail=limit)]
    return shapes.envelope({"recent": logs[-RECENT_LINES:], "logs": logs})


@router.get("/{experiment_id}/recent_log", summary="The end of an experiment's console output")
async def get_recent_log(
    experiment_id: ExperimentId,
    store: StoreDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LOG_LINES, description="lines in `logs`")] = DEFAULT_LOG_LINES,
) -> JSONResponse:
    """`logs`: the last `limit` console lines, oldest first; `recent`: the last few of them."""
    return JSONResponse(await call(_recent_log, store, experiment_id, tenant, limit))
