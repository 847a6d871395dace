"""`runyard serve` for real: start-up, tokens, and no acknowledged write lost on shutdown or kill."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from runyard.store import open_store
from tests.live_server import LiveServer


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
    assert denied.status_code == 403 and denied.json() == {"detail": "Tenant access denied"}
    listed = subprocess.run([sys.executable, "-m", "runyard", "token", "list", "--dir", str(tmp_path)],
                            capture_output=True, text=True, check=True).stdout
    assert "acme" in listed and "globex" in listed and secret not in listed
