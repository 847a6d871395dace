"""The change feed and run following, in process: fan-out, resume, lagging followers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from runyard.events import ChangeFeed, Opened, Resync, RunEvent, follow_run
from runyard.store import MetricColumns, Store, open_store

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path)
    yield opened
    opened.close()


def _points(start: int, count: int) -> dict[str, MetricColumns]:
    steps = np.arange(start, start + count)
    return {"loss": MetricColumns(steps, steps * 1.0, 1.7e9 + steps * 0.01)}


async def _collect(items: object, count: int, timeout: float = 5.0) -> list[object]:
    got: list[object] = []

    async def run() -> None:
        async for item in items:  # type: ignore[attr-defined]
            got.append(item)
            if len(got) >= count:
                return

    await asyncio.wait_for(run(), timeout)
    return got


async def test_live_events_only_new_points(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    store.append_metrics(run.id, _points(0, 100))  # history: not streamed
    feed = ChangeFeed(store, poll_interval=0.05)
    await feed.start()
    try:
        stream = follow_run(store, feed, run.id)
        opened = await stream.__anext__()
        assert isinstance(opened, Opened)
        await asyncio.to_thread(store.append_metrics, run.id, _points(100, 5))
        await asyncio.to_thread(store.append_logs, run.id, [(1.0, "stdout", "hello")])
        await asyncio.to_thread(store.set_run_status, run.id, "finished")
        items = await _collect(stream, 10)
    finally:
        await feed.stop()
    kinds = [item.kind for item in items if isinstance(item, RunEvent)]
    assert kinds == ["metrics", "logs", "status"]
    first = items[0]
    assert isinstance(first, RunEvent) and first.metrics["loss"].steps.tolist() == [100, 101, 102, 103, 104]
    assert feed.subscriber_count() == 0  # the stream ended with the run and unsubscribed


async def test_resume_after_last_event_id(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    seqs = [await asyncio.to_thread(store.append_metrics, run.id, _points(i * 10, 10)) for i in range(5)]
    await asyncio.to_thread(store.set_run_status, run.id, "finished")
    feed = ChangeFeed(store)
    items = await _collect(follow_run(store, feed, run.id, last_event_id=seqs[1]), 10)
    events = [item for item in items if isinstance(item, RunEvent)]
    assert [e.seq for e in events[:3]] == seqs[2:]
    assert [e.metrics["loss"].steps[0] for e in events[:3]] == [20, 30, 40]
    assert events[-1].kind == "status" and events[-1].final


async def test_ended_run_says_so_and_closes(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    store.set_run_status(run.id, "failed")
    feed = ChangeFeed(store)
    items = await _collect(follow_run(store, feed, run.id), 5)
    assert isinstance(items[-1], RunEvent) and items[-1].status == "failed"


async def test_lagging_follower_told_to_resync(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    feed = ChangeFeed(store, poll_interval=0.05, queue_size=3)
    await feed.start()
    try:
        stream = follow_run(store, feed, run.id)
        await stream.__anext__()  # opened; now do not read while 10 batches commit
        for i in range(10):
            await asyncio.to_thread(store.append_metrics, run.id, _points(i, 1))
        await asyncio.sleep(0.5)
        items = await _collect(stream, 4)
    finally:
        await feed.stop()
    assert [type(item) for item in items] == [RunEvent, RunEvent, RunEvent, Resync]
    resync = items[-1]
    assert isinstance(resync, Resync) and resync.last_seq == items[2].seq  # type: ignore[union-attr]
