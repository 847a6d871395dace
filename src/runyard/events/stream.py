"""What a followed stream yields, where it resumes, and waiting for its next live event.

`runyard.events.multi` follows runs with these; the SSE layer renders them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from runyard.events.model import RunEvent
from runyard.lookup import INT64_MAX, is_id

# Change sequences are SQLite integers: a client's resume id past this (`after=2**63`) would
# overflow the replay query after the stream's 200 was sent. Every id from here on means the
# same thing ("after everything"), so such ids are clamped.
MAX_SEQ = INT64_MAX


@dataclass(slots=True)
class Resync:
    """The follower fell behind: it should reconnect with `Last-Event-ID: last_seq`."""

    last_seq: int


@dataclass(slots=True)
class Opened:
    """The stream is live; events after `cursor` will follow."""

    cursor: int


StreamItem = RunEvent | Resync | Opened


def parse_last_event_id(raw: str | None) -> int | None:
    """A `Last-Event-ID` header (or `?last_event_id=`) as a change sequence; None when absent or junk."""
    if raw is None:
        return None
    text = raw.strip()
    return int(text) if is_id(text) else None


def resume_point(last_event_id: int | None) -> int | None:
    """A client's resume id within the change log's range (None: no resume)."""
    return None if last_event_id is None else min(max(last_event_id, 0), MAX_SEQ)


async def next_event(queue: asyncio.Queue[RunEvent], lagging: asyncio.Event) -> RunEvent | None:
    """The next queued event, or None when the subscriber was just marked lagging."""
    if not queue.empty():
        return queue.get_nowait()
    getter = asyncio.ensure_future(queue.get())
    flag = asyncio.ensure_future(lagging.wait())
    done, pending = await asyncio.wait({getter, flag}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if getter in done:
        return getter.result()
    return None
