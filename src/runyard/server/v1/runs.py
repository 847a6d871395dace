"""v1 runs: create, search an experiment's runs, read one, end one."""

from __future__ import annotations

import dataclasses
import math
from typing import Annotated, Any

from fastapi import APIRouter, Query

from runyard.errors import InvalidInputError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.params import Offset
from runyard.server.responses import JSONResponse
from runyard.server.v1.access import load_active_experiment, load_experiment, load_run
from runyard.server.v1.schemas import ERRORS, CreateRun, EndRun, RunListOut, RunOut
from runyard.server.v1.shapes import INT64_MAX, run_json, tags_to_list
from runyard.store import Filter, Run, RunQuery, Store, parse_filter, parse_order_by

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"], responses=ERRORS)
STATUS_PATTERN = "^(?i:running|finished|failed|killed|crashed)$"


def with_metrics(store: Store, found: list[Run]) -> list[dict[str, Any]]:
    """v1 run dicts with the latest metric values, read in one query."""
    summaries = store.metric_summaries([run.id for run in found])
    return [run_json(run, summaries[run.id]) for run in found]


def _ms_filter(item: Filter, value: float) -> tuple[Filter, ...]:
    """A comparison on a time in whole milliseconds, as conditions on the stored epoch seconds."""
    if not math.isfinite(value):
        raise InvalidInputError(f"{item.name} must be compared with a number of milliseconds, not {value}")
    low, high = math.ceil(value), math.floor(value) + 1
    bounds = {">=": ((">=", low),), ">": ((">=", high),), "<": (("<", low),), "<=": (("<", high),),
              "=": ((">=", low), ("<", high)) if value == low else (("<", -1),)}
    if item.op not in bounds:
        return (dataclasses.replace(item, value=value / 1000),)
    return tuple(dataclasses.replace(item, op=op, value=bound / 1000) for op, bound in bounds[item.op])


def _v1_filter(item: Filter) -> tuple[Filter, ...]:
    """v1 spellings: `tags.k = 'v'` means the tag `k=v`; status in any case; times in ms."""
    if isinstance(item.value, int) and not isinstance(item.value, bool) and abs(item.value) > INT64_MAX:
        item = dataclasses.replace(item, value=float(item.value))  # SQLite integers are 64-bit
    if item.kind == "tags" and item.name not in ("", "tags"):
        value = str(item.value)
        return (Filter("tags", "tags", "=", f"{item.name}={value}" if value else item.name),)
    if item.kind == "attributes" and item.name == "status" and isinstance(item.value, str):
        return (dataclasses.replace(item, value=item.value.lower()),)
    if (item.kind == "attributes" and item.name in ("start_time", "end_time")
            and isinstance(item.value, int | float) and not isinstance(item.value, bool)):
        return _ms_filter(item, float(item.value))
    return (item,)


def build_query(experiment_id: int, status: str | None, filter_text: str | None,
                order_by: list[str] | None, limit: int, offset: int) -> RunQuery:
    """A store query from the v1 list parameters."""
    filters = tuple(part for item in parse_filter(filter_text or "") for part in _v1_filter(item))
    if status is not None:
        filters += (Filter("attributes", "status", "=", status.lower()),)
    terms = [part for raw in order_by or () for part in raw.split(",") if part.strip()]
    return RunQuery(project_ids=(experiment_id,), filters=filters, order_by=parse_order_by(terms),
                    limit=limit, offset=offset)


def _page(store: Store, query: RunQuery) -> dict[str, Any]:
    found = store.search_runs(query)
    total = store.count_runs(dataclasses.replace(query, limit=None, offset=0))
    return {"runs": with_metrics(store, found), "total": total, "limit": query.limit, "offset": query.offset}


@router.post("", status_code=201, response_model=RunOut, summary="Create a run")
async def create_run(body: CreateRun, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """201 with the run (status RUNNING); 409 for a taken name or a deleted experiment."""
    project = await load_active_experiment(store, body.experiment_id, tenant)
    tags = tags_to_list(body.tags)
    run = await call(store.create_run, project.id, name=body.name, description=body.description, tags=tags)
    return JSONResponse(run_json(run, {}), status_code=201)


@router.get("", response_model=RunListOut, summary="List and search the runs of an experiment")
async def list_runs(
    store: StoreDep,
    tenant: TenantDep,
    experiment_id: Annotated[str, Query(description="the experiment to list")],
    status: Annotated[str | None, Query(pattern=STATUS_PATTERN, description="RUNNING, FINISHED, ...")] = None,
    filter: Annotated[str | None, Query(max_length=10_000,
                                        description="e.g. metrics.loss < 0.5 and params.lr = 0.01")] = None,
    order_by: Annotated[list[str] | None, Query(description="e.g. metrics.loss desc (repeat or comma-separate)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> JSONResponse:
    """Runs matching every condition; default order: by id."""
    project = await load_experiment(store, experiment_id, tenant)
    query = build_query(project.id, status, filter, order_by, limit, offset)
    return JSONResponse(await call(_page, store, query))


@router.get("/{run_id}", response_model=RunOut, summary="Get a run")
async def get_run(run_id: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """The run with its params, tags and latest metric values; `run_id` may also be the uid."""
    run = (await load_run(store, run_id, tenant)).run
    return JSONResponse((await call(with_metrics, store, [run]))[0])


@router.post("/{run_id}/end", response_model=RunOut, summary="End a run")
async def end_run(run_id: str, store: StoreDep, tenant: TenantDep, body: EndRun | None = None) -> JSONResponse:
    """Set a terminal status (default FINISHED) and the end time (default now)."""
    run = (await load_run(store, run_id, tenant)).run
    end = body or EndRun()
    end_time = None if end.end_time is None else end.end_time / 1000
    if end_time is not None and end_time < run.start_time - 0.001:
        raise InvalidInputError("end_time must not be before the run's start_time")
    ended = await call(store.set_run_status, run.id, end.status, end_time=end_time)
    return JSONResponse((await call(with_metrics, store, [ended]))[0])
