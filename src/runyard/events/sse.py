"""Server-Sent Events: a followed run rendered into a dialect's event names and payloads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import orjson
from sse_starlette import EventSourceResponse, ServerSentEvent

from runyard.events.model import RunEvent
from runyard.events.stream import Opened, Resync, StreamItem

PING_SECONDS = 15
Renderer = Callable[[RunEvent], ServerSentEvent | None]


def json_data(payload: object) -> str:
    """Compact JSON for an event's data line (numpy arrays allowed)."""
    return orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode()


def sse_response(items: AsyncIterator[StreamItem], render: Renderer, *, ping: int = PING_SECONDS) -> EventSourceResponse:
    """Stream a followed run. Each run event becomes one SSE event whose `id` is its change
    sequence, so a reconnecting client's `Last-Event-ID` resumes exactly after it."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        async for item in items:
            if isinstance(item, Opened):
                yield ServerSentEvent(comment=f"cursor {item.cursor}")
            elif isinstance(item, Resync):
                yield ServerSentEvent(event="resync", id=str(item.last_seq),
                                      data=json_data({"last_event_id": item.last_seq,
                                                      "reason": "client fell behind; reconnect to resume"}))
            else:
                rendered = render(item)
                if rendered is not None:
                    rendered.id = str(item.seq)
                    yield rendered

    return EventSourceResponse(events(), ping=ping, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
