"""Metric reads: one run's series, and several runs' series by metric (overlay charts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from runyard.server import listparams
from runyard.server.aspara import PREFIX, TAG, lookup
from runyard.server.aspara.path_params import ProjectName, RunName
from runyard.server.aspara.series import (
    MAX_POINTS_LIMIT,
    Selection,
    check_budget,
    encode,
    read_run,
    read_runs,
)
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.store import MetricColumns, Project, Run, Store

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"detail": "..."}`'}})
MAX_RUNS = 500
MAX_KEYS = 1_000

FormatQuery = Annotated[str, Query(pattern="^(json|msgpack)$", description="`json` (default) or `msgpack`")]
ArraysQuery = Annotated[str, Query(
    pattern="^(list|binary)$",
    description="runyard extension, msgpack only: `list` (default) packs arrays as msgpack arrays; "
                "`binary` as raw little-endian `bin` (steps <i8, values <f8, timestamps <f8 ms)")]
MetricsQuery = Annotated[str | None, Query(
    description="runyard extension: comma-separated metric keys (default: every key)")]
MaxPointsQuery = Annotated[int | None, Query(
    ge=3, le=MAX_POINTS_LIMIT,
    description="runyard extension: at most this many points per series (min/max/last per step bucket); "
                "default: every point")]
AbsoluteQuery = Annotated[bool, Query(
    description="runyard extension: `true` sends `steps` and `timestamps` as stored; by default they are "
                "delta-encoded like Aspara's (first value absolute, then differences from the one before)")]
SinceQuery = Annotated[float | None, Query(allow_inf_nan=False,
                                           description="only points logged at or after this UNIX time in ms")]


def _keys(raw: str | None) -> tuple[str, ...] | None:
    return None if raw is None else tuple(listparams.bounded(raw, "metrics", MAX_KEYS))


def _run_series(store: Store, project: str, name: str, tenant: str, selection: Selection,
                budget: int) -> tuple[Project, Run, dict[str, MetricColumns]]:
    found = lookup.run(store, project, name, tenant)
    run = found.run
    summaries = store.metric_summaries([run.id]).get(run.id, {})
    check_budget({run.id: summaries}, selection, budget)
    return found.project, run, read_run(store, run, summaries, selection)


@router.get("/{project}/runs/{run}/metrics", summary="Metrics of a run")
async def get_metrics_api(
    project: ProjectName,
    run: RunName,
    store: StoreDep,
    tenant: TenantDep,
    settings: SettingsDep,
    format: FormatQuery = "json",
    arrays: ArraysQuery = "list",
    metrics: MetricsQuery = None,
    max_points: MaxPointsQuery = None,
    since: SinceQuery = None,
    absolute: AbsoluteQuery = False,
) -> Response:
    """`{"project", "run", "metrics": {key: {"steps", "values", "timestamps"}}}`; timestamps in epoch ms."""
    selection = Selection(_keys(metrics), max_points, since, absolute)
    owner, found, series = await call(_run_series, store, project, run, tenant, selection,
                                      settings.max_points_per_request)
    return await call(encode, {"project": owner.name, "run": found.name}, series, format, arrays, absolute)


def _many(store: Store, project: str, names: list[str], tenant: str, selection: Selection,
          budget: int) -> tuple[dict[str, Any], dict[str, dict[str, MetricColumns]]]:
    owner = lookup.project(store, project, tenant)
    runs, missing = lookup.runs(store, owner, names)
    return {"project": owner.name, "missing_runs": missing}, read_runs(store, runs, selection, budget)


@router.get("/{project}/runs/metrics", summary="Metrics of several runs, by metric (for comparison)")
async def runs_metrics_api(
    project: ProjectName,
    store: StoreDep,
    tenant: TenantDep,
    settings: SettingsDep,
    runs: Annotated[str | None, Query(description=f"comma-separated run names (at most {MAX_RUNS})")] = None,
    format: FormatQuery = "json",
    arrays: ArraysQuery = "list",
    metrics: MetricsQuery = None,
    max_points: MaxPointsQuery = None,
    since: SinceQuery = None,
    absolute: AbsoluteQuery = False,
) -> Response:
    """`{"project", "metrics": {key: {run: {"steps", "values", "timestamps"}}}, "missing_runs": [...]}`.

    Runs that do not exist in the project are skipped and named in `missing_runs`; a run
    lacking a metric has no entry under it.
    """
    names = listparams.bounded(runs, "runs", MAX_RUNS)
    selection = Selection(_keys(metrics), max_points, since, absolute)
    fields, series = await call(_many, store, project, names, tenant, selection, settings.max_points_per_request)
    return await call(encode, fields, series, format, arrays, absolute)
