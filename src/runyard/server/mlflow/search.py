"""runs/search: MLflow's filter grammar, order_by and paging over the caller's runs of the given experiments.

The runs of the experiments are read in three store reads (runs, latest metric values,
key-value tags) and matched here (`filters.py`, `matching.py`): params compare as strings,
metrics by their latest value, attributes as MLflow names them. Runs MLflow deleted show
only with `run_view_type` DELETED_ONLY or ALL. Default order: start time, newest first,
then run id; missing values sort last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from runyard.errors import InvalidInputError
from runyard.server.deps import StoreDep, TenantDep
from runyard.server.mlflow import ids, tags
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.filters import Identifier, Order, parse_filter, parse_order
from runyard.server.mlflow.matching import Value, order, select
from runyard.server.mlflow.paging import page, with_token
from runyard.server.mlflow.schemas import SearchRuns
from runyard.server.mlflow.shapes import STATUS_OUT, artifact_uri, ms, param_text, run_json
from runyard.server.responses import JSONResponse
from runyard.store import MetricSummary, Project, Run, RunQuery, Store

router = APIRouter(prefix="/api/2.0/mlflow/runs", tags=["mlflow"], route_class=MlflowRoute)
NUMERIC_ATTRIBUTES = frozenset({"start_time", "end_time", "created", "Created"})
STRING_ATTRIBUTES = frozenset({"run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage",
                               "run name", "Run name", "Run Name"})
ATTRIBUTES = NUMERIC_ATTRIBUTES | STRING_ATTRIBUTES | {"experiment_id"}
VIEWS = {"ACTIVE_ONLY": (False,), "DELETED_ONLY": (True,), "ALL": (False, True)}
TIE_BREAK = [Order(Identifier("attribute", "start_time"), ascending=False),
             Order(Identifier("attribute", "run_id"), ascending=True)]


@dataclass(frozen=True, slots=True)
class Found:
    """A run with what its filters and order read."""

    project: Project
    run: Run
    values: dict[str, str]
    summaries: dict[str, MetricSummary]

    def tags(self) -> dict[str, str]:
        return tags.mlflow_tags(self.run, self.values)


def _attribute(item: Found, key: str) -> Value:
    run = item.run
    if key in ("start_time", "created", "Created"):
        return float(ms(run.start_time) or 0)
    if key == "end_time":
        return None if run.end_time is None else float(ms(run.end_time) or 0)
    if key == "run_id":
        return run.uid
    if key in ("run_name", "run name", "Run name", "Run Name"):
        return item.tags().get(tags.RUN_NAME, run.name)
    if key == "status":
        return STATUS_OUT.get(run.status, "RUNNING")
    if key == "user_id":
        return item.values.get(tags.USER, "")
    if key == "artifact_uri":
        return artifact_uri(item.project, run)
    if key == "experiment_id":
        return ids.experiment_id(item.project)
    return "deleted" if tags.is_deleted(item.values) else "active"


def value_of(item: Found, target: Identifier) -> Value:
    """What an identifier reads on one run (None: the run has no such key)."""
    if target.entity == "metric":
        summary = item.summaries.get(target.key)
        return None if summary is None else summary.last_value
    if target.entity == "param":
        return param_text(item.run.params[target.key]) if target.key in item.run.params else None
    if target.entity == "tag":
        return item.tags().get(target.key)
    return _attribute(item, target.key)


def _view(text: str) -> tuple[bool, ...]:
    view = VIEWS.get(text)
    if view is None:
        raise InvalidInputError(f"run_view_type must be one of {sorted(VIEWS)}, not {text!r}")
    return view


def search(store: Store, tenant: str, query: SearchRuns) -> dict[str, Any]:
    """The page of matching runs and the next page's token."""
    view = _view(query.run_view_type)
    clauses = parse_filter(query.filter, ATTRIBUTES, NUMERIC_ATTRIBUTES)
    orders = parse_order(query.order_by, ATTRIBUTES) + TIE_BREAK
    projects = {p.id: p for p in (ids.experiment(store, ref, tenant) for ref in dict.fromkeys(query.experiment_ids))}
    runs = store.search_runs(RunQuery(project_ids=tuple(projects))) if projects else []
    run_ids = [run.id for run in runs]
    values = store.run_tag_values(run_ids)
    summaries = store.metric_summaries(run_ids)
    found = [Found(projects[run.project_id], run, values[run.id], summaries.get(run.id, {})) for run in runs]
    found = [item for item in found if tags.is_deleted(item.values) in view]
    matched = order(select(found, clauses, value_of), orders, value_of)
    shown, next_token = page(matched, query.page_token, query.max_results)
    links = store.run_links([item.run.id for item in shown])
    return with_token("runs", [run_json(i.project, i.run, i.values, i.summaries, links.get(i.run.id))
                               for i in shown], next_token)


@router.post("/search", summary="Search runs")
def search_runs(body: SearchRuns, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"runs", "next_page_token"?}`: MLflow's filter grammar, order_by, opaque page tokens."""
    return JSONResponse(search(store, tenant, body))
