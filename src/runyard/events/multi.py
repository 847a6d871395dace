"""Following runs (one or several) as one async stream, in change-log order, with exact resume.

One subscription queue serves all the runs, and the feed offers events in sequence
order, so the merged stream's ids only ever grow: a client that reconnects with the
last id it saw gets exactly what it missed, whichever run it belonged to. The order of
operations makes resume exact: subscribe first (so nothing committed from now on is
missed), replay what the change log holds after the client's id, then hand out live
events that the replay did not cover. The stream ends once every
followed run has ended (a run resumed later is followed again), unless the follower asks
to stay (`until_ended=False`: Aspara's dashboard treats a closed stream as an error and reconnects).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from starlette.concurrency import run_in_threadpool

from runyard.errors import NotFoundError
from runyard.events.feed import ChangeFeed
from runyard.events.model import RunEvent, materialize
from runyard.events.stream import Opened, Resync, StreamItem, next_event, resume_point
from runyard.store import Store
from runyard.store.models import TERMINAL_STATUSES

REPLAY_BATCH = 1000


async def _replay(store: Store, run_ids: frozenset[int], after: int) -> AsyncIterator[RunEvent]:
    # One run: its own index. Several: one pass over the log in sequence order, filtered,
    # which keeps the merged order without a k-way merge of per-run cursors.
    only = next(iter(run_ids)) if len(run_ids) == 1 else None
    cursor = after
    while True:
        changes = await run_in_threadpool(store.changes_since, cursor, limit=REPLAY_BATCH, run_id=only)
        for change in changes:
            cursor = change.seq
            if change.run_id not in run_ids:
                continue
            event = await run_in_threadpool(materialize, store, change)
            if event is not None:
                yield event
        if len(changes) < REPLAY_BATCH:
            return


def _statuses(store: Store, run_ids: Sequence[int]) -> dict[int, str | None]:
    """Current status per run; None for a run deleted meanwhile (blocking)."""
    out: dict[int, str | None] = {}
    for run_id in run_ids:
        try:
            out[run_id] = store.get_run(run_id).status
        except NotFoundError:
            out[run_id] = None
    return out


class _Ended:
    """Which runs have ended, and with which status (to drop a repeated final status)."""

    def __init__(self) -> None:
        self.status: dict[int, str] = {}

    def note(self, event: RunEvent) -> bool:
        """Record a status event; False when it repeats a final status already told."""
        if event.kind != "status":
            return True
        if event.final:
            if self.status.get(event.run_id) == event.status:
                return False
            self.status[event.run_id] = event.status
        else:
            self.status.pop(event.run_id, None)
        return True

    def all(self, run_ids: frozenset[int]) -> bool:
        return run_ids <= self.status.keys()


async def follow_runs(
    store: Store, feed: ChangeFeed, run_ids: Sequence[int], *, last_event_id: int | None = None,
    until_ended: bool = True,
) -> AsyncIterator[StreamItem]:
    """Events of several runs: replayed after `last_event_id`, then live; ends when all have ended
    (with `until_ended`; otherwise it goes on until the client leaves)."""
    last_event_id = resume_point(last_event_id)
    ordered = tuple(dict.fromkeys(run_ids))
    wanted = frozenset(ordered)
    subscription = feed.subscribe_many(ordered)
    ended = _Ended()
    try:
        now = await run_in_threadpool(store.last_change_seq)
        # Read with `now`, before the first yield: a status that changes later arrives live.
        statuses = await run_in_threadpool(_statuses, store, ordered)
        sent = now if last_event_id is None else last_event_id
        yield Opened(sent)
        if last_event_id is not None:
            async for event in _replay(store, wanted, last_event_id):
                sent = max(sent, event.seq)
                if ended.note(event):
                    yield event
            statuses = await run_in_threadpool(_statuses, store, ordered)
        # Runs that had ended before this stream (or its replay) began: say so once each.
        for run_id, status in statuses.items():
            if status is None:
                ended.status[run_id] = "deleted"
            elif status in TERMINAL_STATUSES and run_id not in ended.status:
                told = RunEvent(max(now, sent), run_id, "status", status=status)
                ended.note(told)
                yield told
        while not (until_ended and ended.all(wanted)):
            if subscription.lagging and subscription.queue.empty():
                yield Resync(sent)
                return
            live = await next_event(subscription.queue, subscription.lagging_signal)
            if live is None or live.seq <= sent:
                continue
            sent = live.seq
            if ended.note(live):
                yield live
    finally:
        feed.unsubscribe(subscription)


def follow_run(
    store: Store, feed: ChangeFeed, run_id: int, *, last_event_id: int | None = None, until_ended: bool = True
) -> AsyncIterator[StreamItem]:
    """Events of one run: `follow_runs` of that run alone."""
    return follow_runs(store, feed, [run_id], last_event_id=last_event_id, until_ended=until_ended)
