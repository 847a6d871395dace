"""runyard.events.sse: one resume precedence and one rendering loop for every dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sse_starlette import ServerSentEvent

from runyard.events import Opened, Resync, RunEvent, StreamItem, resume_id, sse_response

pytestmark = pytest.mark.anyio


def test_after_wins_over_last_event_id() -> None:
    assert resume_id(7, "9") == 7
    assert resume_id(None, "9") == 9
    assert resume_id(None, "junk") is None and resume_id(None, None) is None
    assert resume_id(0, "9") == 0


async def _items(*items: StreamItem) -> AsyncIterator[StreamItem]:
    for item in items:
        yield item


def _render(event: RunEvent) -> ServerSentEvent | None:
    return None if event.kind == "logs" else ServerSentEvent(event=event.kind, data="{}")


async def _events(items: AsyncIterator[StreamItem], end: bool) -> list[ServerSentEvent]:
    response = sse_response(items, _render, end=end)
    return [event async for event in response.body_iterator]  # type: ignore[misc]


async def test_one_loop_with_or_without_end() -> None:
    stream = (Opened(4), RunEvent(5, 1, "status", status="running"), RunEvent(6, 1, "logs"),
              RunEvent(7, 1, "status", status="finished"))
    plain = await _events(_items(*stream), end=False)
    assert [(e.event, e.id, e.comment) for e in plain] == [
        (None, None, "cursor 4"), ("status", "5", None), ("status", "7", None)]
    ended = await _events(_items(*stream), end=True)
    assert [e.event for e in ended][-1] == "end"


async def test_resync_closes_without_end() -> None:
    events = await _events(_items(Opened(1), Resync(3), RunEvent(9, 1, "status", status="finished")), end=True)
    assert [e.event for e in events] == [None, "resync"] and events[-1].id == "3"
