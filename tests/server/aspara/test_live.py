"""SSE streams of one and several runs through a real server, with a local-mode writer in this process."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.server.aspara.conftest import columns, project_url, run_url
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
    return [s for e in events if e.event == "metric" and e.data["run"] == run for s in e.data["metrics"][key]["steps"]]


def test_single_run_stream(server: LiveServer, writer: Store) -> None:
    (run_id,) = _runs(writer, "live one", "r/1")
    writer.append_metrics(run_id, {"loss": columns([0], [9.0])})  # before connecting: not streamed
    follower = Follower(f"{server.url}{run_url('live one', 'r/1')}/stream").start_and_wait()
    writer.append_metrics(run_id, {"loss": columns([1, 2], [1.0, math.nan]), "acc": columns([2], [0.5])})
    writer.append_metrics(run_id, {"loss": columns([3], [math.inf])})
    writer.set_run_status(run_id, "failed")
    events = follower.finish()
    assert follower.ended
    assert [e.event for e in events] == ["metric", "metric", "status"]
    first = events[0].data
    assert first["project"] == "live one" and first["run"] == "r/1"
    assert first["metrics"]["loss"] == {"steps": [1, 2], "values": [1.0, "NaN"],
                                        "timestamps": first["metrics"]["loss"]["timestamps"]}
    assert first["metrics"]["acc"]["values"] == [0.5]
    assert events[1].data["metrics"]["loss"]["values"] == ["Infinity"]
    assert events[2].data == {"project": "live one", "run": "r/1", "status": "failed", "is_finished": True,
                              "exit_code": 1, "runyard_status": "failed"}
    ids = [int(e.id or 0) for e in events]
    assert ids == sorted(set(ids)) and ids[0] > 0


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
    everything = witness.finish()
    assert witness.ended  # every followed run ended: the stream closed
    assert _steps(everything, "a") == [0, 1, 2, 3] and _steps(everything, "b/2") == [0, 1, 2, 3, 4, 5]
    ids = [int(e.id or 0) for e in everything]
    assert ids == sorted(set(ids))  # one increasing sequence across runs
    statuses = [(e.data["run"], e.data["status"]) for e in everything if e.event == "status"]
    assert statuses == [("a", "completed"), ("b/2", "maybe_failed")]
    seen = [event for event, _ in early.events]
    resumed = Follower(url, headers={"Last-Event-ID": seen[-1].id or ""}).start_and_wait().finish()
    assert [(e.id, e.event, e.data) for e in resumed] == [(e.id, e.event, e.data) for e in everything[3:]]
    via_query = Follower(f"{url}&after={everything[5].id}").start_and_wait().finish()
    assert [e.id for e in via_query] == [e.id for e in everything[6:]]


def test_multi_run_stream_of_ended_runs_tells_their_status_and_closes(server: LiveServer, writer: Store) -> None:
    a, b = _runs(writer, "live ended", "a", "b")
    writer.set_run_status(a, "finished")
    writer.set_run_status(b, "killed")
    events = Follower(f"{server.url}{project_url('live ended')}/runs/stream?runs=a,b").start_and_wait().finish()
    assert [(e.event, e.data["run"], e.data["status"]) for e in events] == [
        ("status", "a", "completed"), ("status", "b", "failed")]
    assert all(e.id for e in events)


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
        body = response.read().decode()
    assert "event: status" in body
