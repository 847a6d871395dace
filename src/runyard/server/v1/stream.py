"""`GET /api/v1/experiments/runs/{run_id}/stream`: a run's live events over SSE.

Events: `metrics` (new points only), `logs` (new lines), `status`. Every event has an
`id:` (its change sequence); reconnect with `Last-Event-ID` to get exactly what was
missed. The stream ends after the run's final status.
"""

from __future__ import annotations

from fastapi import APIRouter
from sse_starlette import EventSourceResponse

from runyard.events import follow_run, sse_response
from runyard.server.deps import FeedDep, StoreDep, TenantDep
from runyard.server.params import ResumeFrom
from runyard.server.run_events import render_run_event
from runyard.server.v1.access import load_run

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"])


@router.get("/{run_id}/stream", summary="Live events of a run (SSE)", response_class=EventSourceResponse)
async def run_stream(
    run_id: str,
    store: StoreDep,
    tenant: TenantDep,
    feed: FeedDep,
    resume: ResumeFrom,
) -> EventSourceResponse:
    """`metrics`, `logs` and `status` events with ids; only data committed after connecting (or after the id)."""
    run = (await load_run(store, run_id, tenant)).run
    return sse_response(follow_run(store, feed, run.id, last_event_id=resume), render_run_event)
