"""`GET /web/api/stream?runs=1,2,3`: live events of several runs on one SSE connection.

A page overlaying 100 runs cannot hold 100 EventSources (browsers allow 6 connections per
host), so the runs share one stream (`follow_runs`: change-log order, so ids only grow).
Events are the v1 stream's (`metrics`, `logs`, `status`, each with `run_id`); each `id`
is a change sequence. A reconnect resumes exactly: from `after=` when given (the page
reconnects by itself with the last id it saw), else from the browser's `Last-Event-ID`.
`end` says every run has ended (so the page does not reconnect); `resync` says the page
fell behind (it reconnects to resume).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse

from runyard.errors import InvalidInputError
from runyard.events import follow_runs, sse_response
from runyard.lookup import check_runs
from runyard.server import listparams
from runyard.server.deps import FeedDep, StoreDep, TenantDep, call
from runyard.server.params import ResumeFrom
from runyard.server.run_events import render_run_event

router = APIRouter(prefix="/web/api", include_in_schema=False)
MAX_STREAM_RUNS = 200


@router.get("/stream", response_class=EventSourceResponse)
async def stream(
    store: StoreDep,
    tenant: TenantDep,
    feed: FeedDep,
    runs: Annotated[str, Query(description="comma-separated run ids")],
    resume: ResumeFrom,
) -> EventSourceResponse:
    """Metrics, logs and status of several runs, live; `after` wins over Last-Event-ID, as in every dialect."""
    run_ids = listparams.ids(runs, "runs", MAX_STREAM_RUNS)
    if not run_ids:
        raise InvalidInputError("runs must name at least one run")
    await call(check_runs, store, run_ids, tenant)
    items = follow_runs(store, feed, run_ids, last_event_id=resume)
    return sse_response(items, render_run_event, end=True)
