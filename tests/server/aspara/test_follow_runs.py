"""`follow_runs` (events/multi.py) in process: one queue for several runs, order, unsubscribe."""

from __future__ import annotations

import pytest

from runyard.events import ChangeFeed, Opened, RunEvent, follow_runs
from runyard.store import Store
from tests.server.aspara.conftest import columns

pytestmark = pytest.mark.anyio


async def test_subscribe_many_is_one_queue_and_unsubscribes_everywhere(store: Store) -> None:
    feed = ChangeFeed(store)
    subscription = feed.subscribe_many([3, 1, 3])
    assert subscription.run_ids == (3, 1)
    assert feed.subscriber_count() == 2  # one follower registered under each run
    feed.unsubscribe(subscription)
    assert feed.subscriber_count() == 0
    with pytest.raises(ValueError):
        feed.subscribe_many([])


async def test_replay_merges_runs_in_change_order_and_ends_with_them(store: Store) -> None:
    project = store.create_project("p")
    a, b, c = (store.create_run(project.id, name=name).id for name in ("a", "b", "c"))
    start = store.last_change_seq()
    store.append_metrics(b, {"loss": columns([0], [1.0])})
    store.append_metrics(c, {"loss": columns([0], [9.0])})  # not followed
    store.append_metrics(a, {"loss": columns([0], [2.0])})
    store.set_run_status(b, "finished")
    store.append_metrics(a, {"loss": columns([1], [3.0])})
    store.set_run_status(a, "failed")
    feed = ChangeFeed(store)
    await feed.start()
    try:
        items = [item async for item in follow_runs(store, feed, [a, b], last_event_id=start)]
    finally:
        await feed.stop()
    assert isinstance(items[0], Opened) and items[0].cursor == start
    events = [item for item in items[1:] if isinstance(item, RunEvent)]
    assert [(e.run_id, e.kind) for e in events] == [(b, "metrics"), (a, "metrics"), (b, "status"),
                                                    (a, "metrics"), (a, "status")]
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs))
    assert feed.subscriber_count() == 0
