"""SSE streams of one and several runs through a real server, with a local-mode writer in this process."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from runyard.server.aspara import history
from runyard.server.times import iso
from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.server.aspara.conftest import T0, columns, project_url, run_url
from tests.server.expman.test_live import Follower
from tests.sse_client import Event


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("aspara-live")).start()
    yield live
    live.stop()


@pytest.fixture
def writer(server: LiveServer) -> Iterator[Store]:
    """The same data dir opened by this process, as a local-mode training script would."""
    opened = open_store(server.data_dir)
    yield opened
    opened.close()


def _runs(store: Store, project: str, *names: str) -> list[int]:
    owner = store.get_or_create_project(project)
    return [store.create_run(owner.id, name=name).id for name in names]


def _steps(events: list[Event], run: str, key: str = "loss") -> list[int]:
    return [e.data["step"] for e in events if e.event == "metric" and e.data["run"] == run and key in e.data["metrics"]]


def _still_open(follower: Follower, count: int, timeout: float = 10.0) -> list[Event]:
    """The `count` events the follower got, after checking the stream stayed open past them."""
    deadline = time.monotonic() + timeout
    while len(follower.events) < count and follower.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    follower.join(1.0)  # a stream that closes after its last event would end here
    assert follower.is_alive() and not follower.ended and follower.error is None, follower.error
    return [event for event, _ in follower.events]


def test_single_run_stream_sends_one_record_per_step_and_stays_open(server: LiveServer, writer: Store) -> None:
    (run_id,) = _runs(writer, "live one", "r/1")
    writer.append_metrics(run_id, {"loss": columns([0], [9.0])})  # before connecting: not streamed
    follower = Follower(f"{server.url}{run_url('live one', 'r/1')}/stream").start_and_wait()
    writer.append_metrics(run_id, {"loss": columns([1, 2], [1.0, math.nan]), "acc": columns([2], [0.5])})
    writer.append_metrics(run_id, {"loss": columns([3], [math.inf])})
    writer.set_run_status(run_id, "failed")
    events = _still_open(follower, 4)  # Aspara's dashboard reconnects when a stream closes
    assert [e.event for e in events] == ["metric", "metric", "metric", "status"]
    records = [e.data for e in events[:3]]
    assert [(r["step"], r["metrics"]) for r in records] == [
        (1, {"loss": 1.0}), (2, {"loss": "NaN", "acc": 0.5}), (3, {"loss": "Infinity"})]
    assert all(r["project"] == "live one" and r["run"] == "r/1" for r in records)
    # T0 + step seconds, as ISO strings (the dashboard reads them with `new Date(...)`)
    assert [r["timestamp"] for r in records] == [iso(T0 + 1), iso(T0 + 2), iso(T0 + 3)]
    status = events[3].data
    assert datetime.fromisoformat(status.pop("timestamp")).timestamp() == pytest.approx(time.time(), abs=60)
    assert status == {"project": "live one", "run": "r/1", "status": "failed", "is_finished": True,
                      "exit_code": 1, "runyard_status": "failed"}
    # The last record of each commit carries its change sequence: a resume repeats no commit.
    ids = [e.id for e in events]
    assert ids[0] is None and all(ids[1:])
    assert [int(i or 0) for i in ids[1:]] == sorted({int(i or 0) for i in ids[1:]})


def test_multi_run_stream_merges_in_commit_order_and_resumes(server: LiveServer, writer: Store) -> None:
    a, b = _runs(writer, "live many", "a", "b/2")
    url = f"{server.url}{project_url('live many')}/runs/stream?runs=a,b%2F2"
    witness = Follower(url).start_and_wait()
    early = Follower(url, stop_after=3).start_and_wait()
    for step in range(4):
        writer.append_metrics(a, {"loss": columns([step], [float(step)])})
        writer.append_metrics(b, {"loss": columns([step], [-float(step)])})
    early.join(10)
    assert not early.is_alive() and early.error is None
    writer.set_run_status(a, "finished")
    for step in range(4, 6):  # only b is left
        writer.append_metrics(b, {"loss": columns([step], [-float(step)])})
    writer.set_run_status(b, "crashed")
    everything = _still_open(witness, 12)  # 10 points and 2 statuses; every run ended, still open
    assert _steps(everything, "a") == [0, 1, 2, 3] and _steps(everything, "b/2") == [0, 1, 2, 3, 4, 5]
    ids = [int(e.id or 0) for e in everything]
    assert ids == sorted(set(ids))  # one increasing sequence across runs (one step per commit here)
    statuses = [(e.data["run"], e.data["status"]) for e in everything if e.event == "status"]
    assert statuses == [("a", "completed"), ("b/2", "maybe_failed")]
    seen = [event for event, _ in early.events]
    resumed = _still_open(Follower(url, headers={"Last-Event-ID": seen[-1].id or ""}).start_and_wait(), 9)
    assert [(e.id, e.event, e.data) for e in resumed] == [(e.id, e.event, e.data) for e in everything[3:]]
    via_query = _still_open(Follower(f"{url}&after={everything[5].id}").start_and_wait(), 6)
    assert [e.id for e in via_query] == [e.id for e in everything[6:]]


def test_multi_run_stream_of_ended_runs_tells_their_status_and_stays_open(server: LiveServer,
                                                                         writer: Store) -> None:
    a, b = _runs(writer, "live ended", "a", "b")
    writer.set_run_status(a, "finished")
    writer.set_run_status(b, "killed")
    events = _still_open(Follower(f"{server.url}{project_url('live ended')}/runs/stream?runs=a,b").start_and_wait(), 2)
    assert [(e.event, e.data["run"], e.data["status"]) for e in events] == [
        ("status", "a", "completed"), ("status", "b", "failed")]
    assert all(e.id and e.data["timestamp"] for e in events)


def test_stream_errors(server: LiveServer, writer: Store) -> None:
    _runs(writer, "live errors", "a")
    base = f"{server.url}{project_url('live errors')}"
    for url, status in ((f"{base}/runs/stream", 400), (f"{base}/runs/stream?runs=", 400),
                        (f"{base}/runs/stream?runs=ghost", 404), (f"{base}/runs/ghost/stream", 404),
                        (f"{server.url}{project_url('nope')}/runs/stream?runs=a", 404),
                        (f"{base}/runs/stream?runs=" + ",".join(f"r{i}" for i in range(501)), 400)):
        response = httpx.get(url, timeout=10)
        assert response.status_code == status, url
        assert set(response.json()) == {"detail"}


def test_unknown_runs_are_skipped_and_named_in_a_header(server: LiveServer, writer: Store, tmp_path: Path) -> None:
    (a,) = _runs(writer, "live partial", "a")
    writer.set_run_status(a, "finished")
    url = f"{server.url}{project_url('live partial')}/runs/stream?runs=a,gh%20ost"
    with httpx.stream("GET", url, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["x-missing-runs"] == "gh%20ost"
        assert "event: status" in response.iter_lines()  # the stream stays open: read up to it


def _wait_for(follower: Follower, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(follower.events) < count:
        assert time.monotonic() < deadline and follower.error is None, (follower.events, follower.error)
        time.sleep(0.02)


def test_since_sends_the_points_logged_since_then_before_live_ones(server: LiveServer, writer: Store) -> None:
    # Aspara's dashboard opens its stream with `since` = the newest timestamp it fetched.
    (run_id,) = _runs(writer, "live since", "r")
    writer.append_metrics(run_id, {"loss": columns(list(range(10)), [float(s) for s in range(10)]),
                                   "acc": columns([8], [0.5])})
    url = f"{server.url}{project_url('live since')}/runs/stream?runs=r&since={(T0 + 7) * 1000}"
    follower = Follower(url).start_and_wait()
    _wait_for(follower, 3)  # what was logged since T0 + 7 s
    writer.append_metrics(run_id, {"loss": columns([10], [10.0])})
    events = _still_open(follower, 4)
    assert [(e.data["step"], e.data["metrics"]) for e in events] == [
        (7, {"loss": 7.0}), (8, {"loss": 8.0, "acc": 0.5}), (9, {"loss": 9.0}), (10, {"loss": 10.0})]
    # The history is numbered as the stream's start: resuming from it gets only later commits.
    assert [e.id is not None for e in events] == [False, False, True, True]
    resumed = _still_open(Follower(url, headers={"Last-Event-ID": events[2].id or ""}).start_and_wait(), 1)
    assert [e.data["step"] for e in resumed] == [10]  # `since` is not used when resuming by id
    single = Follower(f"{server.url}{run_url('live since', 'r')}/stream?since={(T0 + 9) * 1000}").start_and_wait()
    assert [e.data["step"] for e in _still_open(single, 2)] == [9, 10]


def test_since_history_is_bounded_to_the_newest_steps(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "HISTORY_STEPS", 3)
    (run_id,) = _runs(store, "bounded", "r")
    store.append_metrics(run_id, {"loss": columns(list(range(10)), [1.0] * 10), "acc": columns([2, 8], [0.1, 0.2])})
    (event,) = history.recent_points(store, [store.get_run(run_id)], 0.0)
    assert event.metrics["loss"].steps.tolist() == [7, 8, 9] and event.metrics["acc"].steps.tolist() == [8]
    assert history.recent_points(store, [store.get_run(run_id)], (T0 + 100) * 1000) == []
