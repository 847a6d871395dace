"""`GET /api/v1/experiments/runs/{run_id}/stream`: a run's live events over SSE.

Events: `metrics` (new points only), `logs` (new lines), `status`. Every event has an
`id:` (its change sequence); reconnect with `Last-Event-ID` to get exactly what was
missed. The stream ends after the run's final status.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from sse_starlette import EventSourceResponse, ServerSentEvent

from runyard.events import RunEvent, follow_run, json_data, parse_last_event_id, sse_response
from runyard.server.deps import FeedDep, StoreDep, TenantDep
from runyard.server.params import AfterEvent
from runyard.server.series_encoding import series_json
from runyard.server.v1.access import load_run

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"])


def render_v1(event: RunEvent) -> ServerSentEvent | None:
    """One SSE event per run event, in runyard's own JSON shapes."""
    run_id = str(event.run_id)
    data: dict[str, Any]
    if event.kind == "metrics":
        data = {"run_id": run_id, "metrics": {key: series_json(s) for key, s in event.metrics.items()}}
    elif event.kind == "logs":
        data = {"run_id": run_id, "lines": [{"id": line.id, "timestamp": line.time * 1000, "stream": line.stream,
                                             "line": line.line} for line in event.lines]}
    else:
        data = {"run_id": run_id, "status": event.status.upper()}
    return ServerSentEvent(event=event.kind, data=json_data(data))


@router.get("/{run_id}/stream", summary="Live events of a run (SSE)", response_class=EventSourceResponse)
async def run_stream(
    run_id: str,
    store: StoreDep,
    tenant: TenantDep,
    feed: FeedDep,
    last_event_id: Annotated[str | None, Header()] = None,
    after: AfterEvent = None,
) -> EventSourceResponse:
    """`metrics`, `logs` and `status` events with ids; only data committed after connecting (or after the id)."""
    run, _project = await load_run(store, run_id, tenant)
    resume = after if after is not None else parse_last_event_id(last_event_id)
    return sse_response(follow_run(store, feed, run.id, last_event_id=resume), render_v1)
