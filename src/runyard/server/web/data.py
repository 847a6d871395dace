"""JSON reads the dashboard needs and no dialect offers: table rows, chart series, logs, files.

Every answer that the page later keeps live carries `cursor`, the newest change sequence
read *before* the data: the page opens its stream after that cursor, so nothing committed
in between is lost (a point seen twice is dropped by the page, by step).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response

from runyard import lookup, run_lifecycle
from runyard.errors import InvalidInputError
from runyard.jsonenc import json_float, json_safe
from runyard.server import listparams
from runyard.server.chart_points import READERS
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.downloads import file_response
from runyard.server.params import INT64_MAX, StepMax, StepMin, check_step_range
from runyard.server.responses import JSONResponse
from runyard.server.web.series import chart_series
from runyard.store import Filter, MetricSummary, Run, RunQuery, Store, parse_filter

router = APIRouter(prefix="/web/api", include_in_schema=False)
MAX_CHART_RUNS = 200
MAX_CHART_KEYS = 100
MAX_LOG_TAIL = 10_000


async def _run(store: Store, run_id: str, tenant: str) -> Run:
    """The caller's run by id (or uid); 400 for an id past int64, 404 unknown or another tenant's."""
    return (await call(lookup.run_by_id_or_uid, store, run_id, tenant)).run


def run_row(run: Run, summaries: dict[str, MetricSummary], archived: bool = False) -> dict[str, Any]:
    """One row of the runs table; times in epoch milliseconds.

    `config`, `summary` and `system` stay nested (the page flattens them into columns,
    static/dashboard/fields.js); each metric comes as its last value, min and max.
    """
    return {
        "id": run.id, "uid": run.uid, "name": run.name, "status": run.status,
        "start_time": run.start_time * 1000, "end_time": None if run.end_time is None else run.end_time * 1000,
        "archived": archived, "tags": run.tags, "notes": run.notes, "params": json_safe(run.params),
        "config": json_safe(run.config),
        "summary": json_safe(run.summary), "system": json_safe(run.system),
        "metrics": {key: json_float(s.last_value) for key, s in summaries.items()},
        "metrics_min": {key: json_float(s.min) for key, s in summaries.items()},
        "metrics_max": {key: json_float(s.max) for key, s in summaries.items()},
    }


def table_rows(store: Store, project_id: int, after_id: int = 0, archived: bool = False) -> dict[str, Any]:
    """Runs of a project (those with an id above `after_id`) with their metric summaries.

    Archived runs (`runyard.run_lifecycle`) are left out unless `archived` asks for them too.
    """
    cursor = store.last_change_seq()
    filters = (Filter("attributes", "id", ">", after_id),) if after_id else ()
    runs = store.search_runs(RunQuery(project_ids=(project_id,), filters=filters))
    ids = [run.id for run in runs]
    summaries = store.metric_summaries(ids)
    marks = store.run_tag_values(ids)
    flags = {run.id: run_lifecycle.is_archived(marks.get(run.id, {})) for run in runs}
    rows = [run_row(run, summaries[run.id], flags[run.id]) for run in runs if archived or not flags[run.id]]
    return {"cursor": cursor, "runs": rows}


def matching_runs(store: Store, project_id: int, text: str) -> dict[str, Any]:
    """Ids of the project's runs the filter keeps (the grammar of v1 and the CLI: `store.parse_filter`)."""
    try:
        filters = parse_filter(text)
    except InvalidInputError as exc:
        return {"error": str(exc)}
    runs = store.search_runs(RunQuery(project_ids=(project_id,), filters=filters))
    return {"runs": [run.id for run in runs]}


@router.get("/projects/{project_id}/runs")
async def project_runs(
    project_id: str, store: StoreDep, tenant: TenantDep,
    after_id: Annotated[int, Query(ge=0, le=INT64_MAX, description="only runs created after this one (new-run check)")] = 0,
    archived: Annotated[bool, Query(description="also the archived runs")] = False,
) -> Response:
    """Rows of the runs table: status, times, params, config, summary, system, tags, notes, metric summaries."""
    project = await call(lookup.project_by_id, store, lookup.parse_id(project_id, "project"), tenant)
    return JSONResponse(await call(table_rows, store, project.id, after_id, archived))


@router.get("/projects/{project_id}/runs/match")
async def match_runs(
    project_id: str, store: StoreDep, tenant: TenantDep,
    filter: Annotated[str, Query(max_length=10_000, description="e.g. loss < 0.5 and lr = 0.01, or vit")],
) -> Response:
    """Ids of the project's runs the filter keeps; 422 with the reason when it cannot parse."""
    project = await call(lookup.project_by_id, store, lookup.parse_id(project_id, "project"), tenant)
    answer = await call(matching_runs, store, project.id, filter)
    if "error" in answer:
        return JSONResponse({"detail": answer["error"]}, status_code=422)
    return JSONResponse(answer)


@router.get("/series")
async def series(
    store: StoreDep,
    tenant: TenantDep,
    runs: Annotated[str, Query(description="comma-separated run ids")],
    keys: Annotated[str, Query(description="comma-separated metric keys")],
    buckets: Annotated[int, Query(ge=10, le=10_000)] = 1000,
    step_min: StepMin = None,
    step_max: StepMax = None,
    smoothing: Annotated[float, Query(ge=0, le=0.999)] = 0.0,
) -> Response:
    """Chart lines of several runs and keys: min/max/last per bucket, EMA first when smoothing."""
    check_step_range(step_min, step_max)
    run_ids = listparams.ids(runs, "runs", MAX_CHART_RUNS)
    wanted = listparams.bounded(keys, "keys", MAX_CHART_KEYS, required=False, strip=False)
    await call(lookup.check_runs, store, run_ids, tenant)

    def read() -> dict[str, Any]:
        cursor = store.last_change_seq()
        summaries = store.metric_summaries(run_ids)
        jobs = {(key, run_id): READERS.submit(chart_series, store, run_id, key, buckets=buckets, step_min=step_min,
                                              step_max=step_max, smoothing=smoothing)
                for key in wanted for run_id in run_ids if key in summaries[run_id]}
        out: dict[str, dict[str, Any]] = {key: {} for key in wanted}
        for (key, run_id), job in jobs.items():
            line = job.result()
            out[key][str(run_id)] = {"steps": line.steps, "values": line.values, "timestamps": line.times,
                                     "total_points": line.total_points, "ema_last": line.ema_last,
                                     "ema_count": line.ema_count}
        return {"cursor": cursor, "buckets": buckets, "smoothing": smoothing, "metrics": out}

    return JSONResponse(await call(read))


@router.get("/runs/{run_id}/logs")
async def run_logs(
    run_id: str, store: StoreDep, tenant: TenantDep,
    tail: Annotated[int, Query(ge=1, le=MAX_LOG_TAIL)] = 1000,
) -> Response:
    """The last `tail` console lines of a run."""
    run = await _run(store, run_id, tenant)

    def read() -> dict[str, Any]:
        cursor = store.last_change_seq()
        lines = store.read_logs(run.id, tail=tail)
        return {"cursor": cursor, "lines": [{"id": line.id, "timestamp": line.time * 1000, "stream": line.stream,
                                             "line": line.line} for line in lines]}

    return JSONResponse(await call(read))


@router.get("/runs/{run_id}/artifacts/{path:path}", response_class=FileResponse)
async def artifact_file(run_id: str, path: str, store: StoreDep, tenant: TenantDep) -> Response:
    """One artifact file of the run, streamed from wherever the artifacts are kept."""
    run = await _run(store, run_id, tenant)
    return file_response(await call(store.open_artifact, run.id, path), name=path)
