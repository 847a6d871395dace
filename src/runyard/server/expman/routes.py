"""expman REST routes: experiments, runs, one run, metric history (JSON rows or Parquet)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from runyard.errors import NotFoundError
from runyard.jsonenc import dumps
from runyard.server import budget, listparams
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.expman import PREFIX, lookup, shapes, wide
from runyard.server.expman.path_params import ExperimentName, RunName
from runyard.server.params import Offset, StepMax, StepMin, check_step_range
from runyard.server.responses import JSONResponse
from runyard.server.series_encoding import MEDIA_TYPES, frame_bytes, long_frame, series_json
from runyard.store import MetricColumns, Project, Run, RunQuery, Store
from runyard.store.query import NEWEST_FIRST

router = APIRouter(prefix=PREFIX, tags=["expman"], responses={404: {"description": '`{"error": "..."}`'}})
KeysQuery = Annotated[str | None, Query(description="comma-separated metric keys")]


def _experiments(store: Store, tenant: str) -> list[dict[str, Any]]:
    out = []
    for project in store.list_projects(tenant=tenant):
        count = store.count_runs(RunQuery(project_ids=(project.id,)))
        newest = store.search_runs(RunQuery(project_ids=(project.id,), order_by=NEWEST_FIRST, limit=1))
        out.append(shapes.experiment_json(project, count, newest[0].start_time if newest else None))
    return out


@router.get("", summary="List experiments")
async def list_experiments(store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Every experiment (project) of the caller's tenant, ordered by id."""
    return JSONResponse(await call(_experiments, store, tenant))


def _runs(store: Store, name: str, tenant: str, keys: list[str] | None,
          limit: int | None, offset: int) -> list[dict[str, Any]]:
    project = lookup.project(store, name, tenant)
    runs = store.search_runs(RunQuery(project_ids=(project.id,), order_by=NEWEST_FIRST, limit=limit, offset=offset))
    summaries = store.metric_summaries([run.id for run in runs]) if runs else {}
    return [shapes.run_json(run, project.name, summaries.get(run.id, {}), keys) for run in runs]


@router.get("/{experiment}/runs", summary="List the runs of an experiment")
async def list_runs(
    experiment: ExperimentName,
    store: StoreDep,
    tenant: TenantDep,
    metrics: Annotated[str | None, Query(
        description="comma-separated keys: `metrics` holds exactly these (null where a run lacks one); "
                    "omitted: every key's latest value")] = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    offset: Offset = 0,
) -> JSONResponse:
    """Runs newest first: name, uid, status, times, duration, tags, config summary, latest metric values."""
    return JSONResponse(await call(_runs, store, experiment, tenant, listparams.items(metrics), limit, offset))


def _run_detail(store: Store, experiment: str, name: str, tenant: str) -> dict[str, Any]:
    found = lookup.run(store, experiment, name, tenant)
    summaries = store.metric_summaries([found.run.id]).get(found.run.id, {})
    return shapes.run_detail_json(found.run, found.project.name, summaries)


@router.get("/{experiment}/runs/{run}", summary="One run: metadata, config, params, system info, summaries")
async def get_run(experiment: ExperimentName, run: RunName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Everything known about a run except its metric points and files."""
    return JSONResponse(await call(_run_detail, store, experiment, run, tenant))


def _read(store: Store, run: Run, keys: list[str] | None, step_min: int | None, step_max: int | None,
          limit: int) -> dict[str, MetricColumns]:
    summaries = store.metric_summaries([run.id]).get(run.id, {})
    chosen = keys if keys is not None else sorted(summaries)
    tally = budget.check([summaries[key] for key in chosen if key in summaries], limit,
                         lambda _total: f"more than {limit} points requested: ask for fewer keys or a step range",
                         step_min=step_min, step_max=step_max)
    result: dict[str, MetricColumns] = {}
    for key in chosen:
        try:
            result[key] = store.read_metric(run.id, key, step_min=step_min, step_max=step_max)
        except NotFoundError:  # a requested key this run lacks: no points (like `?metrics=` gives null)
            result[key] = MetricColumns.empty()
        tally.add(len(result[key]))
    return result


def _format(fmt: str | None, accept: str | None) -> str:
    if fmt is not None:
        return fmt
    wanted = (accept or "").lower()
    for name in ("parquet", "arrow"):
        if MEDIA_TYPES[name] in wanted:
            return name
    return "json"


def _encode(project: Project, run: Run, series: dict[str, MetricColumns], fmt: str, layout: str) -> Response:
    """Blocking: build the body (rows, frames and Parquet cost CPU)."""
    vary = {"Vary": "Accept"}  # the format may come from Accept
    if fmt == "json" and layout == "wide":
        return Response(wide.rows_json(wide.frame(wide.align(series))), media_type=MEDIA_TYPES["json"], headers=vary)
    if fmt == "json":
        payload = {"experiment": project.name, "run": run.name,
                   "metrics": {key: series_json(s) for key, s in series.items()}}
        return Response(dumps(payload), media_type=MEDIA_TYPES["json"], headers=vary)
    table = wide.frame(wide.align(series)) if layout == "wide" else long_frame(series)
    return Response(frame_bytes(table, fmt), media_type=MEDIA_TYPES[fmt],
                    headers={**vary, "Content-Disposition": f'inline; filename="metrics.{fmt}"'})


@router.get("/{experiment}/runs/{run}/metrics", summary="Metric history of a run (JSON rows, Parquet or Arrow)")
async def get_metrics(
    experiment: ExperimentName,
    run: RunName,
    store: StoreDep,
    tenant: TenantDep,
    settings: SettingsDep,
    keys: KeysQuery = None,
    step_min: StepMin = None,
    step_max: StepMax = None,
    format: Annotated[str | None, Query(pattern="^(json|parquet|arrow)$",
                                        description="default: json, or what `Accept` names")] = None,
    layout: Annotated[str, Query(pattern="^(wide|series)$",
                                 description="wide: a row per step, a column per key; series: per key")] = "wide",
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Every point, no sampling. Parquet also with `Accept: application/vnd.apache.parquet`."""
    check_step_range(step_min, step_max)
    found = await call(lookup.run, store, experiment, run, tenant)
    series = await call(_read, store, found.run, listparams.items(keys), step_min, step_max, settings.max_points_per_request)
    return await call(_encode, found.project, found.run, series, _format(format, accept), layout)
