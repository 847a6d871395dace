"""Live SSE streams: one run (`.../runs/{run}/stream`) or several (`.../runs/stream?runs=a,b`).

Events as Aspara's server sends them: `metric`, one record per step of what was just
committed (`{"timestamp", "step", "metrics": {key: value}, "run", "project"}`), and `status`
(with its `timestamp`). The last event of each commit has an `id:` (its change-log
sequence, increasing across runs); reconnect with `Last-Event-ID` (or `?after=`) to get
exactly what was missed. Like Aspara's, a stream stays open (keep-alive comments) after its
runs end: Aspara's dashboard takes a closed stream for a failure and reconnects. A run that
had already ended is told as one `status` event. With Aspara's `since`, the points logged
since then come first (`history.py`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from runyard.errors import NotFoundError
from runyard.events import (
    RunEvent,
    follow_run,
    follow_runs,
    json_data,
    sse_response,
)
from runyard.events.sse import Renderer
from runyard.jsonenc import json_float
from runyard.server import listparams
from runyard.server.aspara import PREFIX, TAG, lookup
from runyard.server.aspara.history import HISTORY_STEPS, since_then
from runyard.server.aspara.metrics import MAX_RUNS
from runyard.server.aspara.path_params import ProjectName, RunName
from runyard.server.aspara.shapes import status_fields
from runyard.server.deps import FeedDep, StoreDep, TenantDep, call
from runyard.server.params import ResumeFrom
from runyard.server.times import iso
from runyard.store import MetricColumns, Project, Run, Store

SinceQuery = Annotated[float | None, Query(
    allow_inf_nan=False, description="UNIX time in ms (Aspara's dashboard sends the newest timestamp it holds): "
    f"the points logged at or after it come first (at most the newest {HISTORY_STEPS} steps of each run), "
    "then live events; not used when resuming by event id")]

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"detail": "..."}`'}})


def step_records(metrics: Mapping[str, MetricColumns]) -> list[tuple[int, float, dict[str, Any]]]:
    """`(step, time, {key: value})` per step, steps ascending, keys in the batch's (logging) order;
    the time of a step is its latest point's."""
    by_step: dict[int, tuple[float, dict[str, Any]]] = {}
    for key, series in metrics.items():
        for step, value, when in zip(series.steps.tolist(), series.values.tolist(), series.times.tolist(),
                                     strict=True):
            latest, values = by_step.get(step, (when, {}))
            values[key] = json_float(value)
            by_step[step] = (max(latest, when), values)
    return [(step, *by_step[step]) for step in sorted(by_step)]


def renderer(project: str, names: Mapping[int, str]) -> Renderer:
    """Render run events as Aspara's `metric` (one per step) and `status` events."""

    def render(event: RunEvent) -> list[ServerSentEvent] | None:
        run = names.get(event.run_id, str(event.run_id))
        if event.kind == "metrics":
            return [ServerSentEvent(event="metric", data=json_data({
                "timestamp": iso(when), "step": step, "metrics": values, "run": run, "project": project}))
                for step, when, values in step_records(event.metrics)]
        if event.kind == "status":
            # A status told at connect time (the run had ended before) has no commit time: now.
            when = event.time if event.time is not None else time.time()
            return [ServerSentEvent(event="status", data=json_data({
                "timestamp": iso(when), "run": run, "project": project, **status_fields(event.status),
                "runyard_status": event.status}))]
        return None  # console lines are not part of this API

    return render


@router.get("/{project}/runs/{run}/stream", summary="Live metrics and status of a run (SSE)",
            response_class=EventSourceResponse)
async def stream_metrics(
    project: ProjectName,
    run: RunName,
    store: StoreDep,
    tenant: TenantDep,
    feed: FeedDep,
    resume: ResumeFrom,
    since: SinceQuery = None,
) -> EventSourceResponse:
    """`metric` and `status` events committed after connecting (or after the id); stays open."""
    found = await call(lookup.run, store, project, run, tenant)
    items = since_then(follow_run(store, feed, found.run.id, last_event_id=resume, until_ended=False),
                       store, [found.run], None if resume is not None else since)
    return sse_response(items, renderer(found.project.name, {found.run.id: found.run.name}))


def _runs(store: Store, project: str, names: list[str], tenant: str) -> tuple[Project, list[Run], list[str]]:
    owner = lookup.project(store, project, tenant)
    found, missing = lookup.runs(store, owner, names)
    if not found:
        raise NotFoundError(f"None of the runs {', '.join(names)} found in project '{project}'")
    return owner, found, missing


@router.get("/{project}/runs/stream", summary="Live metrics and status of several runs (SSE)",
            response_class=EventSourceResponse)
async def stream_multiple_runs(
    project: ProjectName,
    store: StoreDep,
    tenant: TenantDep,
    feed: FeedDep,
    resume: ResumeFrom,
    runs: Annotated[str | None, Query(description=f"comma-separated run names (at most {MAX_RUNS})")] = None,
    since: SinceQuery = None,
) -> EventSourceResponse:
    """Events of every named run, in commit order; unknown runs are skipped (header `X-Missing-Runs`)."""
    names = listparams.bounded(runs, "runs", MAX_RUNS)
    owner, found, missing = await call(_runs, store, project, names, tenant)
    items = since_then(follow_runs(store, feed, [r.id for r in found], last_event_id=resume, until_ended=False),
                       store, found, None if resume is not None else since)
    response = sse_response(items, renderer(owner.name, {r.id: r.name for r in found}))
    if missing:
        response.headers["X-Missing-Runs"] = ",".join(quote(name, safe="") for name in missing)
    return response
