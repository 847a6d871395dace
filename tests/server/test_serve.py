"""`runyard serve` for real: start-up, tokens, and no acknowledged write lost on shutdown or kill."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import psutil
import pytest

from runyard.errors import NotFoundError
from runyard.store import open_store
from tests.live_server import LiveServer, free_port


@pytest.fixture
def servers() -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.stop()


def _launch(servers: list[LiveServer], data_dir: Path, *extra: str) -> LiveServer:
    server = LiveServer(data_dir, extra=extra)
    servers.append(server)
    return server.start()


def _log_points(url: str, run_id: str, start: int, count: int, headers: dict[str, str] | None = None) -> None:
    metrics = [{"key": "loss", "value": float(i), "step": i} for i in range(start, start + count)]
    response = httpx.post(f"{url}/api/v1/experiments/runs/{run_id}/log-batch", json={"metrics": metrics},
                          headers=headers, timeout=30)
    assert response.status_code == 200, response.text


def _new_run(url: str, headers: dict[str, str] | None = None) -> str:
    experiment = httpx.post(f"{url}/api/v1/experiments", json={"name": "e"}, headers=headers).json()
    run = httpx.post(f"{url}/api/v1/experiments/runs", json={"experiment_id": experiment["id"]}, headers=headers)
    assert run.status_code == 201, run.text
    return str(run.json()["id"])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_acknowledged_points_survive_stop(servers: list[LiveServer], tmp_path: Path, signum: int) -> None:
    server = _launch(servers, tmp_path)
    run_id = _new_run(server.url)
    for batch in range(5):
        _log_points(server.url, run_id, batch * 2000, 2000)
    server.signal(signum)
    with open_store(tmp_path) as store:
        got = store.read_metric(int(run_id), "loss")
    assert np.array_equal(got.steps, np.arange(10_000)) and np.array_equal(got.values, np.arange(10_000.0))


def test_restart_keeps_serving_same_data(servers: list[LiveServer], tmp_path: Path) -> None:
    first = _launch(servers, tmp_path)
    run_id = _new_run(first.url)
    _log_points(first.url, run_id, 0, 10)
    first.signal(signal.SIGKILL)
    second = LiveServer(tmp_path, port=first.port)
    servers.append(second)
    second.start()
    _log_points(second.url, run_id, 10, 10)
    history = httpx.get(f"{second.url}/api/v1/experiments/runs/{run_id}/metrics/history").json()
    assert history["metrics"]["loss"]["steps"] == list(range(20))


def test_auth_server_with_cli_tokens(servers: list[LiveServer], tmp_path: Path) -> None:
    made = subprocess.run([sys.executable, "-m", "runyard", "token", "create", "--tenant", "acme", "--dir", str(tmp_path)],
                          capture_output=True, text=True, check=True)
    secret = made.stdout.strip()
    server = _launch(servers, tmp_path, "--auth")
    assert httpx.get(f"{server.url}/api/v1/experiments").status_code == 401
    headers = {"Authorization": f"Bearer {secret}"}
    run_id = _new_run(server.url, headers)
    _log_points(server.url, run_id, 0, 5, headers)
    other = subprocess.run([sys.executable, "-m", "runyard", "token", "create", "--tenant", "globex", "--dir",
                            str(tmp_path)], capture_output=True, text=True, check=True).stdout.strip()
    denied = httpx.get(f"{server.url}/api/v1/experiments/runs/{run_id}", headers={"Authorization": f"Bearer {other}"})
    # Another tenant's run reads as one nobody holds (issue 12: existence does not leak).
    assert denied.status_code == 404 and denied.json() == {"detail": f"run {run_id} not found"}
    listed = subprocess.run([sys.executable, "-m", "runyard", "token", "list", "--dir", str(tmp_path)],
                            capture_output=True, text=True, check=True).stdout
    assert "acme" in listed and "globex" in listed and secret not in listed


def _demo_runs(data_dir: Path) -> dict[str, int]:
    from runyard.demo import DEMO_PROJECT
    from runyard.store import RunQuery

    with open_store(data_dir) as store:
        project = store.get_project_by_name(DEMO_PROJECT)
        return {run.name: run.id for run in store.search_runs(RunQuery(project_ids=(project.id,)))}


def _live_children(pid: int) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if "runyard.demo" in " ".join(child.cmdline()):
                found.append(child)
    return found


def _wait_for(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_busy_port_is_one_clear_line_and_no_demo(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "runyard", "serve", "--port", str(port), "--demo",
                               "--dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"port {port} is in use: pass --port N or set RUNYARD_PORT" in done.stderr
    assert "Traceback" not in done.stderr and "Errno" not in done.stderr
    with open_store(tmp_path) as store, pytest.raises(NotFoundError):
        store.get_project_by_name("demo")  # nothing started before the port was known to be free


def test_runyard_port_and_host_variables_are_honoured(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "RUNYARD_PORT": str(port), "RUNYARD_HOST": "127.0.0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "runyard", "serve", "--dir", str(tmp_path), "--log-level",
                             "warning"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def up() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200
            except httpx.TransportError:
                return proc.poll() is not None
        assert _wait_for(up, 30) and proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(15)


def test_demo_is_kept_and_its_live_run_stops_with_the_server(servers: list[LiveServer], tmp_path: Path) -> None:
    first = _launch(servers, tmp_path, "--demo", "--live-minutes", "5")
    assert first.proc is not None
    assert _wait_for(lambda: len(_live_children(first.proc.pid)) == 1, 20)  # type: ignore[union-attr]
    child = _live_children(first.proc.pid)[0]
    runs = _demo_runs(tmp_path)
    with open_store(tmp_path) as store:
        store.delete_run(runs["sgd-lr0.1"])  # the user's edit
    first.signal(signal.SIGTERM)
    assert _wait_for(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, 15)
    second = _launch(servers, tmp_path, "--demo", "--live-minutes", "5")
    assert second.proc is not None
    assert "sgd-lr0.1" not in _demo_runs(tmp_path) and "adam-lr1e-3" in _demo_runs(tmp_path)
    assert _wait_for(lambda: len(_live_children(second.proc.pid)) == 1, 20)  # type: ignore[union-attr]
    orphan = _live_children(second.proc.pid)[0]
    second.signal(signal.SIGKILL)  # no shutdown hook runs: the child notices its parent is gone
    assert _wait_for(lambda: not orphan.is_running() or orphan.status() == psutil.STATUS_ZOMBIE, 15)
