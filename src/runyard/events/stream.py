"""Following one run as an async stream of events, with resume from a Last-Event-ID.

The order of operations makes resume exact: subscribe first (so nothing committed from
now on is missed), then replay what the change log holds after the client's last id,
then hand out live events, skipping any the replay already covered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from runyard.events.feed import ChangeFeed
from runyard.events.model import RunEvent, materialize
from runyard.store import Store
from runyard.store.models import TERMINAL_STATUSES

REPLAY_BATCH = 500
# Change sequences are SQLite integers: a client's resume id past this (`after=2**63`) would
# overflow the replay query after the stream's 200 was sent. Every id from here on means the
# same thing ("after everything"), so such ids are clamped.
MAX_SEQ = (1 << 63) - 1


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
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def resume_point(last_event_id: int | None) -> int | None:
    """A client's resume id within the change log's range (None: no resume)."""
    return None if last_event_id is None else min(max(last_event_id, 0), MAX_SEQ)


async def _replay(store: Store, run_id: int, after: int) -> AsyncIterator[RunEvent]:
    cursor = after
    while True:
        changes = await run_in_threadpool(store.changes_since, cursor, limit=REPLAY_BATCH, run_id=run_id)
        for change in changes:
            cursor = change.seq
            event = await run_in_threadpool(materialize, store, change)
            if event is not None:
                yield event
        if len(changes) < REPLAY_BATCH:
            return


async def follow_run(
    store: Store, feed: ChangeFeed, run_id: int, *, last_event_id: int | None = None
) -> AsyncIterator[StreamItem]:
    """Events of a run: replayed after `last_event_id` (when given), then live; ends with the run."""
    last_event_id = resume_point(last_event_id)
    subscription = feed.subscribe(run_id)
    try:
        now = await run_in_threadpool(store.last_change_seq)
        run = await run_in_threadpool(store.get_run, run_id)
        sent = now if last_event_id is None else last_event_id
        yield Opened(sent)
        if last_event_id is not None:
            async for event in _replay(store, run_id, last_event_id):
                sent = max(sent, event.seq)
                yield event
                if event.final:
                    return
        if last_event_id is not None:
            run = await run_in_threadpool(store.get_run, run_id)
        if run.status in TERMINAL_STATUSES:
            # Following a run that already ended: say so once, then close.
            yield RunEvent(max(now, sent), run_id, "status", status=run.status)
            return
        while True:
            if subscription.lagging and subscription.queue.empty():
                yield Resync(sent)
                return
            live = await _next(subscription.queue, subscription.lagging_signal)
            if live is None or live.seq <= sent:
                continue
            sent = live.seq
            yield live
            if live.final:
                return
    finally:
        feed.unsubscribe(subscription)


async def _next(queue: asyncio.Queue[RunEvent], lagging: asyncio.Event) -> RunEvent | None:
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
