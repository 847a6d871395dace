"""Live SSE through a real server: HTTP ingest, a local-mode process, resume, 100 followers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.live_server import LiveServer
from tests.sse_client import Event, parse_lines, read_events


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path).start()
    yield live
    live.stop()


def _new_run(url: str) -> str:
    experiment = httpx.post(f"{url}/api/v1/experiments", json={"name": "live"}).json()
    return str(httpx.post(f"{url}/api/v1/experiments/runs", json={"experiment_id": experiment["id"]}).json()["id"])


def _log(url: str, run_id: str, step: int, value: float) -> None:
    response = httpx.post(f"{url}/api/v1/experiments/runs/{run_id}/log-metrics",
                          json={"metrics": {"loss": value}, "step": step})
    assert response.status_code == 200


def _follow(url: str, collected: list[Event], ready: threading.Event, headers: dict[str, str] | None = None) -> None:
    with httpx.stream("GET", url, headers=headers, timeout=20) as response:
        ready.set()
        for event in parse_lines(response.iter_lines()):
            collected.append(event)


def test_http_ingest_streams_new_points_and_ends(server: LiveServer) -> None:
    run_id = _new_run(server.url)
    _log(server.url, run_id, 0, 9.0)  # before connecting: history, not streamed
    collected: list[Event] = []
    ready = threading.Event()
    follower = threading.Thread(target=_follow, args=(f"{server.url}/api/v1/experiments/runs/{run_id}/stream",
                                                      collected, ready))
    follower.start()
    assert ready.wait(10)
    time.sleep(0.2)
    for step in range(1, 4):
        _log(server.url, run_id, step, float(step))
    assert httpx.post(f"{server.url}/api/v1/experiments/runs/{run_id}/end", json={"status": "FINISHED"}).status_code == 200
    follower.join(20)
    assert not follower.is_alive(), "stream did not end with the run"
    metrics = [e for e in collected if e.event == "metrics"]
    assert [e.data["metrics"]["loss"]["steps"] for e in metrics] == [[1], [2], [3]]
    assert collected[-1].event == "status" and collected[-1].data["status"] == "FINISHED"
    ids = [int(e.id) for e in collected if e.id]
    assert ids == sorted(ids) and len(ids) == len(collected)


_LOCAL_WRITER = """
import sys, time, runyard
run = runyard.init(project="live", name="local", dir=sys.argv[1])
print("READY", flush=True)
for step in range(5):
    run.log({"acc": step / 10}, step=step)
    print(f"line {step}", flush=True)
    time.sleep(0.3)
run.finish()
"""


def test_local_mode_process_is_streamed(server: LiveServer, tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _LOCAL_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "READY"
        runs = httpx.get(f"{server.url}/api/v1/experiments").json()["experiments"]
        experiment = next(e for e in runs if e["name"] == "live")
        run = httpx.get(f"{server.url}/api/v1/experiments/runs", params={"experiment_id": experiment["id"]}).json()
        run_id = run["runs"][0]["id"]
        started = time.perf_counter()
        events = read_events(f"{server.url}/api/v1/experiments/runs/{run_id}/stream", timeout=30)
        elapsed = time.perf_counter() - started
    finally:
        writer.wait(30)
    steps = [s for e in events if e.event == "metrics" for s in e.data["metrics"]["acc"]["steps"]]
    lines = [line["line"] for e in events if e.event == "logs" for line in e.data["lines"]]
    assert steps and steps == sorted(steps) and steps[-1] == 4  # the tail arrived live, in order
    assert "line 4" in lines
    assert events[-1].event == "status" and events[-1].data["status"] == "FINISHED"
    assert elapsed < 15


def test_resume_with_last_event_id(server: LiveServer) -> None:
    run_id = _new_run(server.url)
    url = f"{server.url}/api/v1/experiments/runs/{run_id}/stream"
    collected: list[Event] = []
    ready = threading.Event()
    follower = threading.Thread(target=_follow, args=(url, collected, ready))
    follower.start()
    assert ready.wait(10)
    time.sleep(0.2)
    for step in range(6):
        _log(server.url, run_id, step, float(step))
    httpx.post(f"{server.url}/api/v1/experiments/runs/{run_id}/end", json={})
    follower.join(20)
    assert [e.event for e in collected] == ["metrics"] * 6 + ["status"]
    # A client that saw only the first two events reconnects: it gets exactly the rest.
    resumed = read_events(url, headers={"Last-Event-ID": collected[1].id or ""})
    assert [e.id for e in resumed] == [e.id for e in collected[2:]]
    assert [e.data for e in resumed] == [e.data for e in collected[2:]]
    assert read_events(f"{url}?after={collected[4].id}") == collected[5:]


def test_hundred_followers_while_ingesting(server: LiveServer) -> None:
    run_id = _new_run(server.url)
    url = f"{server.url}/api/v1/experiments/runs/{run_id}/stream"
    batches = 20
    server_process = psutil.Process(server.proc.pid)  # type: ignore[union-attr]
    rss_before = server_process.memory_info().rss

    async def follower(client: httpx.AsyncClient, connected: asyncio.Semaphore) -> list[int]:
        steps: list[int] = []
        async with client.stream("GET", url) as response:
            connected.release()
            lines = response.aiter_lines()
            async for event in _aparse(lines):
                if event.event == "metrics":
                    steps.extend(event.data["metrics"]["loss"]["steps"])
                if event.event == "status":
                    break
        return steps

    async def main() -> list[list[int]]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            connected = asyncio.Semaphore(0)
            tasks = [asyncio.create_task(follower(client, connected)) for _ in range(100)]
            for _ in range(100):
                await asyncio.wait_for(connected.acquire(), 30)
            await asyncio.sleep(0.3)
            for batch in range(batches):
                metrics = [{"key": "loss", "value": float(i), "step": i} for i in range(batch * 100, batch * 100 + 100)]
                response = await client.post(f"{server.url}/api/v1/experiments/runs/{run_id}/log-batch",
                                             json={"metrics": metrics})
                assert response.status_code == 200
            await client.post(f"{server.url}/api/v1/experiments/runs/{run_id}/end", json={})
            return await asyncio.wait_for(asyncio.gather(*tasks), 60)

    results = asyncio.run(main())
    assert len(results) == 100
    for steps in results:
        assert steps == list(range(batches * 100))
    growth_mb = (server_process.memory_info().rss - rss_before) / 2**20
    assert growth_mb < 150, f"server grew {growth_mb:.0f} MB serving 100 followers"


async def _aparse(lines: object) -> object:
    buffer: list[str] = []
    async for line in lines:  # type: ignore[attr-defined]
        buffer.append(line)
        if line == "":
            for event in parse_lines(iter(buffer)):
                yield event
            buffer = []
