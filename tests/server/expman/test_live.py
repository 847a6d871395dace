"""expman `/live` through a real server: v1 ingest, a local-mode process, resume, and raw-socket traversal."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_server import LiveServer
from tests.server.expman.conftest import seg
from tests.sse_client import Event, parse_lines

V1 = "/api/v1/experiments"
LATENCY_S = 2.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path).start()
    yield live
    live.stop()


class Follower(threading.Thread):
    """Reads one SSE stream in the background: events with their arrival times."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, stop_after: int | None = None) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.stop_after = url, headers, stop_after
        self.events: list[tuple[Event, float]] = []
        self.opened = threading.Event()  # the server subscribed: later writes will be streamed
        self.ended = False  # the server closed the stream
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with httpx.stream("GET", self.url, headers=self.headers, timeout=httpx.Timeout(20)) as response:
                response.raise_for_status()
                for event in parse_lines(self._lines(response)):
                    self.events.append((event, time.time()))
                    if self.stop_after is not None and len(self.events) >= self.stop_after:
                        return
                self.ended = True
        except BaseException as exc:
            self.error = exc
        finally:
            self.opened.set()

    def _lines(self, response: httpx.Response) -> Iterator[str]:
        for line in response.iter_lines():
            if line.startswith(": cursor"):
                self.opened.set()
            yield line

    def start_and_wait(self) -> Follower:
        self.start()
        assert self.opened.wait(10) and self.error is None, self.error
        return self

    def finish(self, timeout: float = 20) -> list[Event]:
        self.join(timeout)
        assert not self.is_alive(), "stream did not end"
        assert self.error is None, self.error
        return [event for event, _ in self.events]

    def arrival_of_step(self, key: str, step: int, timeout: float = 5.0) -> float:
        deadline = time.time() + timeout
        while True:
            for event, arrived in list(self.events):
                if event.event == "MetricsUpdated" and step in event.data["metrics"].get(key, {}).get("steps", []):
                    return arrived
            if time.time() >= deadline:
                break
            time.sleep(0.01)
        raise AssertionError(f"no MetricsUpdated for {key} step {step} within {timeout} s")


def _v1_run(url: str, experiment: str, run: str) -> str:
    exp = httpx.post(f"{url}{V1}", json={"name": experiment}).json()
    created = httpx.post(f"{url}{V1}/runs", json={"experiment_id": exp["id"], "name": run})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _log(url: str, run_id: str, step: int, value: Any) -> None:
    response = httpx.post(f"{url}{V1}/runs/{run_id}/log-metrics", json={"metrics": {"loss": value}, "step": step})
    assert response.status_code == 200, response.text


def _live(url: str, experiment: str, run: str) -> str:
    return f"{url}/api/experiments/{seg(experiment)}/runs/{seg(run)}/live"


def test_v1_points_stream_as_metrics_updated(server: LiveServer) -> None:
    run_id = _v1_run(server.url, "live exp/1", "r/1")
    _log(server.url, run_id, 0, 9.0)  # history before connecting: not streamed
    follower = Follower(_live(server.url, "live exp/1", "r/1")).start_and_wait()
    for step, value in ((1, 1.0), (2, "NaN"), (3, 0.5)):
        sent = time.time()
        _log(server.url, run_id, step, value)
        assert follower.arrival_of_step("loss", step) - sent < LATENCY_S
    ended = httpx.post(f"{server.url}{V1}/runs/{run_id}/end", json={"status": "FINISHED"})
    assert ended.status_code == 200
    events = follower.finish()
    assert follower.ended
    assert [e.event for e in events] == ["MetricsUpdated"] * 3 + ["StatusChanged"]
    first = events[0].data
    assert first["experiment"] == "live exp/1" and first["run"] == "r/1"
    assert [e.data["metrics"]["loss"]["steps"] for e in events[:3]] == [[1], [2], [3]]  # only new points
    assert [e.data["metrics"]["loss"]["values"] for e in events[:3]] == [[1.0], ["NaN"], [0.5]]
    assert all(isinstance(t, float) for t in first["metrics"]["loss"]["timestamps"])
    assert events[-1].data == {"experiment": "live exp/1", "run": "r/1", "status": "FINISHED"}
    ids = [int(e.id or 0) for e in events]
    assert ids == sorted(set(ids)) and ids[0] > 0


_LOCAL_WRITER = """
import sys, time, runyard
run = runyard.init(project=sys.argv[2], name=sys.argv[3], dir=sys.argv[1])
print("READY", flush=True)
sys.stdin.readline()
for step in range(5):
    run.log({"acc": step / 10}, step=step)
    print(f"LOGGED {step} {time.time()!r}", flush=True)
    time.sleep(0.4)
run.finish()
"""


def test_local_mode_process_is_streamed(server: LiveServer) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _LOCAL_WRITER, str(server.data_dir), "local exp", "w/1"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdin is not None and writer.stdout is not None
        assert writer.stdout.readline().strip() == "READY"
        follower = Follower(_live(server.url, "local exp", "w/1")).start_and_wait()
        writer.stdin.write("go\n")
        writer.stdin.flush()
        logged: dict[int, float] = {}
        for line in writer.stdout:
            if line.startswith("LOGGED"):
                _, step, at = line.split()
                logged[int(step)] = float(at)
        assert writer.wait(30) == 0
        events = follower.finish(30)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert sorted(logged) == [0, 1, 2, 3, 4]
    for step, at in logged.items():
        assert follower.arrival_of_step("acc", step, timeout=0) - at < LATENCY_S, step
    steps = [s for e in events if e.event == "MetricsUpdated" for s in e.data["metrics"]["acc"]["steps"]]
    assert steps == [0, 1, 2, 3, 4]  # each point once, in order
    lines = [line for e in events if e.event == "LogMessage" for line in e.data["lines"]]
    assert [line["line"] for line in lines if line["line"].startswith("LOGGED")] == [
        f"LOGGED {step} {logged[step]!r}" for step in range(5)
    ]
    assert all(line["stream"] == "stdout" and line["time"].endswith("Z") for line in lines)
    assert events[-1].event == "StatusChanged" and events[-1].data["status"] == "FINISHED"
    assert follower.ended


def test_reconnect_with_last_event_id_gets_exactly_the_missed(server: LiveServer) -> None:
    run_id = _v1_run(server.url, "resume", "r")
    url = _live(server.url, "resume", "r")
    witness = Follower(url).start_and_wait()  # sees everything
    early = Follower(url, stop_after=2).start_and_wait()  # hangs up after two events
    _log(server.url, run_id, 0, 0.0)
    _log(server.url, run_id, 1, 1.0)
    early.join(10)
    assert not early.is_alive() and early.error is None
    for step in range(2, 6):  # logged while `early` is away
        _log(server.url, run_id, step, float(step))
    httpx.post(f"{server.url}{V1}/runs/{run_id}/end", json={})
    everything = witness.finish()
    seen = [event for event, _ in early.events]
    resumed = Follower(url, headers={"Last-Event-ID": seen[-1].id or ""}).start_and_wait().finish()
    assert [(e.id, e.event, e.data) for e in resumed] == [(e.id, e.event, e.data) for e in everything[2:]]
    steps = [s for e in [*seen, *resumed] if e.event == "MetricsUpdated" for s in e.data["metrics"]["loss"]["steps"]]
    assert steps == list(range(6))  # no gap, no duplicate
    assert resumed[-1].event == "StatusChanged"
    via_query = Follower(f"{url}?after={everything[3].id}").start_and_wait().finish()
    assert [e.id for e in via_query] == [e.id for e in everything[4:]]
    gone = httpx.get(_live(server.url, "resume", "nope"), timeout=10)
    assert gone.status_code == 404 and gone.json() == {"error": "run 'nope' not found in experiment 'resume'"}


def _raw_request(port: int, target: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("ascii"))
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_traversal_through_a_real_socket(server: LiveServer) -> None:
    secret = b"REAL-SERVER-SECRET"
    (server.data_dir / "secret.txt").write_bytes(secret)
    run_id = _v1_run(server.url, "files", "r")
    upload = httpx.post(f"{server.url}{V1}/runs/{run_id}/log-artifact", files={"file": ("ok.txt", b"fine")})
    assert upload.status_code == 200
    base = "/api/experiments/files/runs/r/artifacts"
    assert _raw_request(server.port, f"{base}/ok.txt").split(b"\r\n")[0] == b"HTTP/1.1 200 OK"
    for attack in ("../../secret.txt", "%2e%2e/%2e%2e/secret.txt", "..%2F..%2Fsecret.txt", "%252e%252e%252fsecret.txt",
                   "..%5C..%5Csecret.txt", "%2F" + str(server.data_dir / "secret.txt").lstrip("/").replace("/", "%2F"),
                   "ok.txt%00", "ok.txt?file=../../secret.txt"):
        answer = _raw_request(server.port, f"{base}/{attack}")
        status = answer.split(b"\r\n")[0]
        assert status in (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 404 Not Found"), (attack, status)
        assert secret not in answer
    legacy = _raw_request(server.port, f"{base}?file=../../secret.txt")
    assert legacy.split(b"\r\n")[0] == b"HTTP/1.1 400 Bad Request" and secret not in legacy
