"""Metric histories: metrics/get-history (paged) and metrics/get-history-bulk-interval.

Both read the key's full history (`Store.read_metric_history`: every distinct point as
logged; a key logged by the SDK or another dialect answers its series), ordered by time,
step and value like MLflow's SQL store.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query

from runyard.errors import InvalidInputError, NotFoundError
from runyard.server.deps import StoreDep, TenantDep
from runyard.server.mlflow import ids
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.paging import window, with_token
from runyard.server.mlflow.shapes import ms, number
from runyard.server.responses import JSONResponse
from runyard.store import MetricColumns, Store
from runyard.store.codec import distinct_steps

router = APIRouter(prefix="/api/2.0/mlflow/metrics", tags=["mlflow"], route_class=MlflowRoute)
MAX_HISTORY_PAGE = 25_000  # the client's own page size; without max_results every point comes back
MAX_RUNS_BULK = 100  # MLflow's MAX_RUNS_GET_METRIC_HISTORY_BULK
MAX_RESULTS_PER_RUN = 2_500
Id = Annotated[str, Query(max_length=1_000)]


def _history(store: Store, run_id: int, key: str) -> MetricColumns:
    try:
        return store.read_metric_history(run_id, key)
    except NotFoundError:  # MLflow answers an unknown key with an empty history
        return MetricColumns.empty()


def _points(key: str, columns: MetricColumns, run_uid: str | None = None) -> list[dict[str, Any]]:
    rows = []
    for step, value, when in zip(columns.steps.tolist(), columns.values.tolist(), columns.times.tolist(), strict=True):
        row: dict[str, Any] = {"key": key, "value": number(value), "timestamp": ms(when), "step": step}
        if run_uid is not None:
            row["run_id"] = run_uid
        rows.append(row)
    return rows


@router.get("/get-history", summary="Every point of a run's metric (paged)")
def get_history(
    store: StoreDep, tenant: TenantDep, metric_key: Annotated[str, Query(min_length=1, max_length=1_000)],
    run_id: Id = "", run_uuid: Id = "",
    max_results: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    page_token: Annotated[str | None, Query(max_length=1_000)] = None,
) -> JSONResponse:
    """`{"metrics": [{key, value, timestamp, step}], "next_page_token"?}`; an unknown key has no points."""
    found = ids.run(store, run_id or run_uuid, tenant)
    columns = _history(store, found.run.id, metric_key)
    if max_results is None and not page_token:
        return JSONResponse({"metrics": _points(metric_key, columns)})
    start, end, next_token = window(len(columns), page_token, max_results or MAX_HISTORY_PAGE)
    shown = MetricColumns(columns.steps[start:end], columns.values[start:end], columns.times[start:end])
    return JSONResponse(with_token("metrics", _points(metric_key, shown), next_token))


def sampled(columns: MetricColumns, start: int | None, end: int | None, max_results: int) -> MetricColumns:
    """The points at up to `max_results` steps in [start, end], evenly spread, first and last step included."""
    inside = np.ones(len(columns), dtype=bool)
    if start is not None:
        inside &= columns.steps >= start
    if end is not None:
        inside &= columns.steps <= end
    steps = distinct_steps(columns.steps[inside])
    if len(steps) > max_results:
        picks = np.unique(np.round(np.linspace(0, len(steps) - 1, max_results)).astype(np.int64))
        steps = steps[picks]
    keep = inside & np.isin(columns.steps, steps)
    order = np.lexsort((columns.times[keep], columns.steps[keep]))
    return MetricColumns(columns.steps[keep][order], columns.values[keep][order], columns.times[keep][order])


@router.get("/get-history-bulk-interval", summary="Sampled metric histories of several runs")
def get_history_bulk_interval(
    store: StoreDep, tenant: TenantDep, metric_key: Annotated[str, Query(min_length=1, max_length=1_000)],
    run_ids: Annotated[list[str] | None, Query(max_length=MAX_RUNS_BULK)] = None,
    start_step: Annotated[int | None, Query(ge=0)] = None,
    end_step: Annotated[int | None, Query(ge=0)] = None,
    max_results: Annotated[int, Query(ge=1, le=MAX_RESULTS_PER_RUN)] = MAX_RESULTS_PER_RUN,
) -> JSONResponse:
    """`{"metrics": [{key, value, timestamp, step, run_id}]}`: per run, points at up to `max_results` steps."""
    if not run_ids:
        raise InvalidInputError("GetMetricHistoryBulkInterval request must specify at least one run_id.")
    if (start_step is None) != (end_step is None):
        raise InvalidInputError("If either start step or end step are specified, both must be specified.")
    if start_step is not None and end_step is not None and start_step > end_step:
        raise InvalidInputError("end_step must be greater than or equal to start_step.")
    rows: list[dict[str, Any]] = []
    for ref in dict.fromkeys(run_ids):
        run = ids.run(store, ref, tenant).run
        rows.extend(_points(metric_key, sampled(_history(store, run.id, metric_key), start_step, end_step,
                                                max_results), run.uid))
    return JSONResponse({"metrics": rows})
