"""Live SSE streams: one run (`.../runs/{run}/stream`) or several (`.../runs/stream?runs=a,b`).

Events: `metric` (only the points just committed, for every key the batch touched) and
`status`. Every event has an `id:` (its change-log sequence, increasing across runs);
reconnect with `Last-Event-ID` (or `?after=`) to get exactly what was missed. A stream
ends once its runs have ended; a run that had already ended is told as one `status` event.
"""

from __future__ import annotations

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
from runyard.server import listparams
from runyard.server.aspara import PREFIX, TAG, lookup
from runyard.server.aspara.metrics import MAX_RUNS
from runyard.server.aspara.path_params import ProjectName, RunName
from runyard.server.aspara.shapes import status_fields
from runyard.server.deps import FeedDep, StoreDep, TenantDep, call
from runyard.server.params import ResumeFrom
from runyard.server.series_encoding import series_json
from runyard.store import Project, Run, Store

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"detail": "..."}`'}})


def renderer(project: str, names: Mapping[int, str]) -> Renderer:
    """Render run events as Aspara's `metric` and `status` events, naming project and run."""

    def render(event: RunEvent) -> ServerSentEvent | None:
        data: dict[str, Any] = {"project": project, "run": names.get(event.run_id, str(event.run_id))}
        if event.kind == "metrics":
            data["metrics"] = {key: series_json(series) for key, series in sorted(event.metrics.items())}
            return ServerSentEvent(event="metric", data=json_data(data))
        if event.kind == "status":
            data.update(status_fields(event.status), runyard_status=event.status)
            return ServerSentEvent(event="status", data=json_data(data))
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
) -> EventSourceResponse:
    """`metric` and `status` events committed after connecting (or after the id); ends with the run."""
    found = await call(lookup.run, store, project, run, tenant)
    items = follow_run(store, feed, found.run.id, last_event_id=resume)
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
) -> EventSourceResponse:
    """Events of every named run, in commit order; unknown runs are skipped (header `X-Missing-Runs`)."""
    names = listparams.bounded(runs, "runs", MAX_RUNS)
    owner, found, missing = await call(_runs, store, project, names, tenant)
    items = follow_runs(store, feed, [r.id for r in found], last_event_id=resume)
    response = sse_response(items, renderer(owner.name, {r.id: r.name for r in found}))
    if missing:
        response.headers["X-Missing-Runs"] = ",".join(quote(name, safe="") for name in missing)
    return response
