"""`GET /web/api/stream?runs=1,2,3`: live events of several runs on one SSE connection.

A page overlaying 100 runs cannot hold 100 EventSources (browsers allow 6 connections per
host), so the runs share one stream (`follow_runs`: change-log order, so ids only grow).
Events are the v1 stream's (`metrics`, `logs`, `status`, each with `run_id`); each `id`
is a change sequence. A reconnect resumes exactly: the browser's `Last-Event-ID`, or
`after=` for a page that reconnects by itself. `end` says every run has ended (so the
page does not reconnect); `resync` says the page fell behind (it reconnects to resume).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from runyard.errors import InvalidInputError
from runyard.events import Opened, Resync, StreamItem, follow_runs, json_data, parse_last_event_id
from runyard.events.sse import PING_SECONDS
from runyard.lookup import check_runs
from runyard.server.deps import FeedDep, StoreDep, TenantDep, call
from runyard.server.params import AfterEvent
from runyard.server.run_events import render_run_event
from runyard.server.web.data import id_list

router = APIRouter(prefix="/web/api", include_in_schema=False)
MAX_STREAM_RUNS = 200


async def rendered(items: AsyncIterator[StreamItem]) -> AsyncIterator[ServerSentEvent]:
    """SSE events of a followed set of runs, closed by `end` when they have all ended."""
    async for item in items:
        if isinstance(item, Opened):
            yield ServerSentEvent(comment=f"cursor {item.cursor}")
        elif isinstance(item, Resync):
            yield ServerSentEvent(event="resync", id=str(item.last_seq), data=json_data({"last_event_id": item.last_seq}))
            return
        else:
            event = render_run_event(item)
            if event is not None:
                event.id = str(item.seq)
                yield event
    yield ServerSentEvent(event="end", data="{}")


@router.get("/stream", response_class=EventSourceResponse)
async def stream(
    store: StoreDep,
    tenant: TenantDep,
    feed: FeedDep,
    runs: Annotated[str, Query(description="comma-separated run ids")],
    after: AfterEvent = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Metrics, logs and status of several runs, live; the browser's Last-Event-ID wins over `after`."""
    run_ids = id_list(runs, "runs", MAX_STREAM_RUNS)
    if not run_ids:
        raise InvalidInputError("runs must name at least one run")
    await call(check_runs, store, run_ids, tenant)
    resume = parse_last_event_id(last_event_id)
    items = follow_runs(store, feed, run_ids, last_event_id=resume if resume is not None else after)
    return EventSourceResponse(rendered(items), ping=PING_SECONDS,
                               headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
