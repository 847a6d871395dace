"""The change feed: follows the store's change log and hands run events to subscribers.

Commits of this process wake the feed at once (a commit listener); commits of other
processes (local-mode training scripts on the same data dir) are found by polling the
change log every `poll_interval` seconds. Each change is read back once, however many
clients follow the run, and offered to every subscriber's bounded queue. A subscriber
that falls a queue behind is marked lagging and is told to resync, never slowing the
feed, ingest or other clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from runyard.events.model import RunEvent, materialize
from runyard.store import Store

log = logging.getLogger("runyard.events")
DEFAULT_QUEUE_SIZE = 512
BATCH = 1000


class Subscription:
    """One follower of one run: a bounded queue of events."""

    def __init__(self, run_id: int, size: int, run_ids: tuple[int, ...] = ()) -> None:
        self.run_id = run_id
        self.run_ids = run_ids or (run_id,)  # several when one queue follows many runs
        self.queue: asyncio.Queue[RunEvent] = asyncio.Queue(maxsize=size)
        self.lagging = False
        self.lagging_signal = asyncio.Event()

    def offer(self, event: RunEvent) -> None:
        """Queue an event, or mark the subscriber lagging when its queue is full."""
        if self.lagging:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagging = True
            self.lagging_signal.set()


class ChangeFeed:
    """One per server: polls the change log, materializes events, fans them out."""

    def __init__(self, store: Store, *, poll_interval: float = 0.2, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.store = store
        self.poll_interval = poll_interval
        self.queue_size = queue_size
        self.cursor = 0
        self._subscribers: dict[int, set[Subscription]] = defaultdict(set)
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        # The first streams of a server start the feed at once: a second follow task sharing the
        # cursor would deliver events out of order, and a subscriber drops what looks already sent.
        self._start_lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        """Whether the feed task is alive."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Begin following from the newest change."""
        async with self._start_lock:
            if self.running:
                return
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self.cursor = await run_in_threadpool(self.store.last_change_seq)
            self.store.add_commit_listener(self._on_commit)
            self._task = asyncio.create_task(self._follow(), name="runyard-change-feed")

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_commit(self) -> None:
        # Called in the store's writer thread: hop onto the event loop.
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def subscribe(self, run_id: int) -> Subscription:
        """Follow a run's events from now on."""
        subscription = Subscription(run_id, self.queue_size)
        self._subscribers[run_id].add(subscription)
        return subscription

    def subscribe_many(self, run_ids: Sequence[int]) -> Subscription:
        """Follow several runs through one queue, so their events stay in change-log order."""
        ids = tuple(dict.fromkeys(run_ids))
        if not ids:
            raise ValueError("subscribe_many needs at least one run id")
        subscription = Subscription(ids[0], self.queue_size, ids)
        for run_id in ids:
            self._subscribers[run_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop following."""
        for run_id in subscription.run_ids:
            followers = self._subscribers.get(run_id)
            if followers is not None:
                followers.discard(subscription)
                if not followers:
                    del self._subscribers[run_id]

    def subscriber_count(self) -> int:
        """How many followers there are now."""
        return sum(len(followers) for followers in self._subscribers.values())

    async def _follow(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()
            try:
                await self._drain()
            except Exception:
                log.exception("change feed failed; retrying")
                await asyncio.sleep(self.poll_interval)

    async def _drain(self) -> None:
        while True:
            changes = await run_in_threadpool(self.store.changes_since, self.cursor, limit=BATCH)
            for change in changes:
                self.cursor = change.seq
                followers = self._subscribers.get(change.run_id or -1)
                if not followers:
                    continue
                event = await run_in_threadpool(materialize, self.store, change)
                if event is None:
                    continue
                for subscription in list(followers):
                    subscription.offer(event)
            if len(changes) < BATCH:
                return
