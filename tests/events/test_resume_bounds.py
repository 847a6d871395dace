"""A resume id past what the change log can hold replays nothing: no OverflowError mid-stream."""

from __future__ import annotations

import pytest

from runyard.events import ChangeFeed, Opened, RunEvent, follow_run
from runyard.events.multi import follow_runs
from runyard.store import Store

pytestmark = pytest.mark.anyio


def _finished_run(store: Store) -> int:
    project = store.create_project("p")
    run = store.create_run(project.id, name="r")
    store.set_run_status(run.id, "finished")
    return run.id


@pytest.mark.parametrize("after", [2**63, 2**64 + 5])
async def test_following_one_run_after_a_huge_id_replays_nothing_and_ends(store: Store, after: int) -> None:
    run_id = _finished_run(store)
    items = [item async for item in follow_run(store, ChangeFeed(store), run_id, last_event_id=after)]
    assert isinstance(items[0], Opened)
    assert [item.status for item in items[1:] if isinstance(item, RunEvent)] == ["finished"]


async def test_following_several_runs_after_a_huge_id_ends(store: Store) -> None:
    run_id = _finished_run(store)
    items = [item async for item in follow_runs(store, ChangeFeed(store), [run_id], last_event_id=2**63)]
    assert isinstance(items[0], Opened)
