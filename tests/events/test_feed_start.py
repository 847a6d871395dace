"""A server's first streams start its change feed at the same moment: one follow task, not two.

Two tasks sharing the feed's cursor delivered events out of order, and a subscriber then
dropped the late one as already sent (found by tests/replicas: a skipped event on the
stress test's first streams).
"""

from __future__ import annotations

import asyncio

import pytest

from runyard.events import ChangeFeed
from runyard.store import Store

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_concurrent_starts_make_one_follow_task(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    listeners: list[object] = []
    real = store.add_commit_listener
    monkeypatch.setattr(store, "add_commit_listener", lambda fn: (listeners.append(fn), real(fn)))
    feed = ChangeFeed(store)
    await asyncio.gather(*(feed.start() for _ in range(4)))
    try:
        tasks = [t for t in asyncio.all_tasks() if t.get_name() == "runyard-change-feed"]
        assert len(tasks) == 1 and len(listeners) == 1
    finally:
        await feed.stop()
