"""MLflow logging into a run: log-metric, log-parameter, log-batch, set-tag, delete-tag.

Each request is one unit of work (`Store.apply`): all of it is written or none. Metrics go
both to the run's series (one value per step, the last wins: what the dashboard and every
other dialect read) and to the key's full history (every point as logged: MLflow's
get-history), where a retried request's identical points count once. Params never change
(MLflow's rule): the same value again is fine, another value is INVALID_PARAMETER_VALUE and
nothing of the request is written. Limits and key rules are MLflow's (mlflow/utils/validation.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from fastapi import APIRouter

from runyard.errors import InvalidInputError, NotFoundError
from runyard.lookup import Located
from runyard.server.deps import StoreDep, TenantDep
from runyard.server.mlflow import ids, tags
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.rules import (
    MAX_ENTITIES_PER_BATCH,
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_VALUE,
    MAX_PARAMS_TAGS_PER_BATCH,
    bounded,
    check_key,
    check_tags,
)
from runyard.server.mlflow.runs import rename
from runyard.server.mlflow.schemas import DeleteTag, LogBatch, LogMetric, LogParam, Metric, SetTag
from runyard.server.responses import JSONResponse
from runyard.store import MetricColumns, Store, WriteBatch

router = APIRouter(prefix="/api/2.0/mlflow/runs", tags=["mlflow"], route_class=MlflowRoute)
def active_run(store: Store, run_id: str, tenant: str) -> tuple[Located, dict[str, str]]:
    """The caller's run and its key-value tags; 400 when MLflow deleted it (MLflow logs to active runs only)."""
    found = ids.run(store, run_id, tenant)
    values = store.run_tag_values([found.run.id])[found.run.id]
    if tags.is_deleted(values):
        raise InvalidInputError(f"The run {run_id} must be in the 'active' state. Current state is deleted.")
    return found, values


def metric_columns(metrics: Sequence[Metric]) -> dict[str, MetricColumns]:
    """Points per key, in the order sent (times: ms -> epoch seconds)."""
    grouped: dict[str, tuple[list[int], list[float], list[int]]] = {}
    for metric in metrics:
        steps, values, times = grouped.setdefault(metric.key, ([], [], []))
        steps.append(metric.step)
        values.append(metric.value)
        times.append(metric.timestamp)
    return {check_key(key, "metrics.key"): MetricColumns(np.array(s, dtype=np.int64), np.array(v, dtype=np.float64),
                                                         np.array(t, dtype=np.float64) / 1000)
            for key, (s, v, t) in grouped.items()}


def _params(params: Sequence[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in params:
        check_key(key, "params.key")
        bounded(value, MAX_PARAM_VALUE, f"params[{key}].value")
        if key in found and found[key] != value:
            raise InvalidInputError(f"Duplicate parameter keys have been submitted: [{key!r}]. Please ensure "
                                    "the request contains only one param value per param key.")
        found[key] = value
    return found


def write(store: Store, located: Located, values: Mapping[str, str], metrics: Sequence[Metric] = (),
          params: Sequence[tuple[str, str]] = (), sets: Mapping[str, str] | None = None,
          deletes: Sequence[str] = ()) -> None:
    """One unit of work: metrics (series + full history), fixed params, tags (notes, list tags, key-values)."""
    run = located.run
    check_tags(sets or {})
    checked_params = _params(params)
    points = metric_columns(metrics)
    writes = tags.tag_writes(run, values, sets or {}, deletes)
    if writes.run_name is not None and writes.run_name.strip():
        run = rename(store, run, writes.run_name.strip())
    store.apply(run.id, WriteBatch(
        metrics=points, history=points, params=checked_params or None, fixed_params=True,
        tag_values=writes.values or None, tag_deletes=writes.deletes, notes=writes.notes, tags=writes.list_tags,
    ))


@router.post("/log-metric", summary="Log one metric point")
def log_metric(body: LogMetric, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; every (step, timestamp, value) is kept in the history, the series keeps the last per step."""
    found, values = active_run(store, body.ref, tenant)
    write(store, found, values, metrics=[Metric(key=body.key, value=body.value, timestamp=body.timestamp,
                                                step=body.step)])
    return JSONResponse({})


@router.post("/log-parameter", summary="Log a param")
def log_param(body: LogParam, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; INVALID_PARAMETER_VALUE when the param already holds another value."""
    found, values = active_run(store, body.ref, tenant)
    write(store, found, values, params=[(body.key, body.value)])
    return JSONResponse({})


@router.post("/log-batch", summary="Log metrics, params and tags in one request")
def log_batch(body: LogBatch, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; MLflow's limits: 1000 metrics, 100 params, 100 tags, 1000 in all per request."""
    for what, items, limit in (("metrics", body.metrics, MAX_METRICS_PER_BATCH),
                               ("params", body.params, MAX_PARAMS_TAGS_PER_BATCH),
                               ("tags", body.tags, MAX_PARAMS_TAGS_PER_BATCH)):
        if len(items) > limit:
            raise InvalidInputError(f"A batch logging request can contain at most {limit} {what}. "
                                    f"Got {len(items)} {what}. Please split up {what} across multiple requests "
                                    "and try again.")
    total = len(body.metrics) + len(body.params) + len(body.tags)
    if total > MAX_ENTITIES_PER_BATCH:
        raise InvalidInputError(f"A batch logging request can contain at most {MAX_ENTITIES_PER_BATCH} metrics, "
                                f"params, and tags in total. Received {total} in total.")
    found, values = active_run(store, body.ref, tenant)
    write(store, found, values, metrics=body.metrics, params=[(p.key, p.value) for p in body.params],
          sets={t.key: t.value for t in body.tags})
    return JSONResponse({})


@router.post("/set-tag", summary="Set a run tag")
def set_tag(body: SetTag, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; `mlflow.note.content` is the run's notes, an empty value a list tag, `mlflow.runName` also renames."""
    found, values = active_run(store, body.ref, tenant)
    write(store, found, values, sets={body.key: body.value})
    return JSONResponse({})


@router.post("/delete-tag", summary="Delete a run tag")
def delete_tag(body: DeleteTag, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; RESOURCE_DOES_NOT_EXIST when the run has no such tag."""
    found, values = active_run(store, body.ref, tenant)
    if body.key not in tags.mlflow_tags(found.run, values) or (body.key == tags.RUN_NAME and body.key not in values):
        raise NotFoundError(f"No tag with name: {body.key} in run with id {body.ref}")
    write(store, found, values, deletes=[body.key])
    return JSONResponse({})
