"""Server-Sent Events: a followed stream rendered into a dialect's event names and payloads.

Every dialect resumes the same way (`resume_id`) and streams through the same loop
(`sse_response`); a dialect only chooses how a run event looks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from sse_starlette import EventSourceResponse, ServerSentEvent

from runyard.events.model import RunEvent
from runyard.events.stream import Opened, Resync, StreamItem, parse_last_event_id
from runyard.jsonenc import dumps

PING_SECONDS = 15
# A run event becomes one SSE event, several (Aspara: one per step of a metric batch), or none.
Renderer = Callable[[RunEvent], ServerSentEvent | list[ServerSentEvent] | None]


def json_data(payload: object) -> str:
    """Compact JSON for an event's data line (numpy arrays allowed)."""
    return dumps(payload).decode()


def resume_id(after: int | None, last_event_id: str | None) -> int | None:
    """Where a client resumes: `?after=` when given, else its `Last-Event-ID` header.

    The query parameter wins because a client that sets it chose it on purpose; the header
    is the browser's automatic retry. A client that wants the header's id omits `after`.
    """
    return after if after is not None else parse_last_event_id(last_event_id)


def sse_response(items: AsyncIterator[StreamItem], render: Renderer, *, ping: int = PING_SECONDS,
                 end: bool = False) -> EventSourceResponse:
    """Stream followed runs. Each run event becomes SSE events the last of which has the change
    sequence as `id`, so a reconnecting client's `Last-Event-ID` resumes exactly after it (a
    client cut off between the events of one change gets that change again). With
    `end`, a stream whose runs have all ended says so with an `end` event (not after a
    `resync`: that client should reconnect)."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        async for item in items:
            if isinstance(item, Opened):
                yield ServerSentEvent(comment=f"cursor {item.cursor}")
            elif isinstance(item, Resync):
                yield ServerSentEvent(event="resync", id=str(item.last_seq),
                                      data=json_data({"last_event_id": item.last_seq,
                                                      "reason": "client fell behind; reconnect to resume"}))
                return
            else:
                rendered = render(item)
                batch = [] if rendered is None else rendered if isinstance(rendered, list) else [rendered]
                if batch:
                    batch[-1].id = str(item.seq)
                for event in batch:
                    yield event
        if end:
            yield ServerSentEvent(event="end", data="{}")

    return EventSourceResponse(events(), ping=ping, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
