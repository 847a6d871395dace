"""`GET .../log/stream?file=`: expman-rs's web app's Console tab, through a real server.

The lines so far, then new ones live (here written by a local-mode writer on the same data
dir), one unnamed SSE event per line with an `id:`, so the browser's reconnect resumes
without repeats; the stream ends with the run, and a reconnect after that answers 204.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runyard.server.expman.console import HISTORY_LINES
from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.server.expman.conftest import seg
from tests.server.expman.test_live import Follower
from tests.sse_client import read_events

EXPERIMENT = "console exp"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("expman-console")


@pytest.fixture(scope="module")
def server(data: Path) -> Iterator[LiveServer]:
    with open_store(data) as store:
        project = store.create_project(EXPERIMENT)
        done = store.create_run(project.id, name="done")
        store.append_logs(done.id, [(1.0, "stdout", "line 1"), (2.0, "stderr", "oops"), (3.0, "stdout", "")])
        store.set_run_status(done.id, "finished")
        long = store.create_run(project.id, name="long")
        store.append_logs(long.id, [(float(i), "stdout", f"line {i}") for i in range(HISTORY_LINES + 5)])
        store.set_run_status(long.id, "finished")
    live = LiveServer(data).start()
    yield live
    live.stop()


@pytest.fixture
def store(data: Path, server: LiveServer) -> Iterator[Store]:
    with open_store(data) as opened:
        yield opened


def _url(server: LiveServer, run: str, file: str = "console.log") -> str:
    return f"{server.url}/api/experiments/{seg(EXPERIMENT)}/runs/{seg(run)}/log/stream?file={file}"


def test_an_ended_runs_log_then_the_end(server: LiveServer) -> None:
    events = read_events(_url(server, "done"))
    assert [(e.event, e.data) for e in events] == [("message", "line 1"), ("message", "oops"), ("message", " ")]
    assert events[-1].id is not None
    errors = read_events(_url(server, "done", "run.log"))
    assert [e.data for e in errors] == ["oops"]
    # The browser reconnects after the end with the last id: told to stop (204), not sent it all again.
    again = httpx.get(_url(server, "done"), headers={"Last-Event-ID": events[-1].id}, timeout=10)
    assert again.status_code == 204 and again.content == b""


def test_a_running_runs_log_grows_live(server: LiveServer, store: Store) -> None:
    run = store.create_run(store.get_project_by_name(EXPERIMENT).id, name="live")
    store.append_logs(run.id, [(1.0, "stdout", "before")])
    follower = Follower(_url(server, "live")).start_and_wait()
    store.append_logs(run.id, [(2.0, "stdout", "during 1"), (3.0, "stderr", "during 2")])
    store.append_logs(run.id, [(4.0, "stdout", "during 3")])
    store.set_run_status(run.id, "finished")
    events = follower.finish()
    assert [e.data for e in events] == ["before", "during 1", "during 2", "during 3"]  # each once, in order
    # The last line of each write carries the write's id: resuming after the first write's.
    cut = next(e for e in events if e.data == "during 2")
    assert cut.id is not None
    resumed = read_events(_url(server, "live"), headers={"Last-Event-ID": cut.id})
    assert [e.data for e in resumed] == ["during 3"]


def test_only_the_two_files_and_known_runs(server: LiveServer) -> None:
    unknown_file = httpx.get(_url(server, "done", "../../secret"), timeout=10)
    assert unknown_file.status_code == 400 and set(unknown_file.json()) == {"error"}
    unknown_run = httpx.get(_url(server, "nope"), timeout=10)
    assert unknown_run.status_code == 404 and set(unknown_run.json()) == {"error"}


def test_a_tail_starts_with_the_newest_lines(server: LiveServer) -> None:
    events = read_events(_url(server, "long"))
    assert len(events) == HISTORY_LINES  # the app renders a node per line: not a whole huge log
    assert events[0].data == "line 5" and events[-1].data == f"line {HISTORY_LINES + 4}"
