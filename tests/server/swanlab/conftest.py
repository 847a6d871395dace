"""SwanLab test data: a project with a finished run (like the reference capture) and a live one."""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import MetricColumns, Project, Run, Store

T0 = 1_795_000_000.0
STEPS = 2000
SYSTEM: dict[str, Any] = {
    "hostname": "gpu-box", "os": "Linux", "os_release": "6.1.0", "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
    "os_pretty": "Debian GNU/Linux 12 (bookworm)", "machine": "x86_64", "python_version": "3.11.7",
    "python_implementation": "CPython", "python_verbose": "3.11.7 (main) [GCC 12.2.0]",
    "python_executable": "/venv/bin/python", "argv": ["train.py", "--lr", "0.001", "a b"], "cwd": "/work",
    "pid": 4242, "runyard_version": "0.1.0", "cpu_model": "Intel(R) Xeon(R) Processor",
    "cpu_count_logical": 104, "cpu_count_physical": 52, "memory_total_bytes": 500 * (1 << 30),
    "gpus": [{"index": 0, "name": "NVIDIA A100-PCIE-40GB", "memory_total_bytes": 40 * (1 << 30)},
             {"index": 1, "name": "NVIDIA A100-PCIE-40GB", "memory_total_bytes": 40 * (1 << 30)}],
    "gpu_driver_version": "535.104.05", "cuda_version": "12.2", "monitor_interval_s": 10.0,
    "git": {"commit": "abc123", "branch": "main", "dirty": False, "remote": "https://example.com/repo.git"},
}


def columns(values: list[float] | np.ndarray, start: int = 0, offset: float = 0.0) -> MetricColumns:
    """A series at steps start, start+1, ... with times T0 + offset + step / 100."""
    steps = np.arange(start, start + len(values), dtype=np.int64)
    return MetricColumns(steps, np.asarray(values, dtype=np.float64), T0 + offset + steps / 100.0)


@dataclass
class Seeded:
    project: Project
    finished: Run
    live: Run
    loss: np.ndarray


def seed(store: Store) -> Seeded:
    """`anchor-demo`: run2k (finished; train/loss, train/acc, val/loss x 2000; logs) and a live
    run with a key without `/`, NaN and infinities, and system metrics."""
    project = store.create_project("anchor-demo")
    finished = store.create_run(project.id, name="run2k", start_time=T0, system=SYSTEM,
                                config={"lr": 0.001, "batch_size": 32, "optimizer": "adam"})
    rng = np.random.default_rng(7)
    loss = np.exp(-np.arange(STEPS) / 500.0) + rng.normal(0, 0.01, STEPS)
    store.append_metrics(finished.id, {
        "train/loss": columns(loss),
        "train/acc": columns(1 - loss),
        "val/loss": columns(loss + 0.1),
    })
    store.append_logs(finished.id, [(T0 + i, "stdout", f"line {i}") for i in range(20)])
    store.set_run_status(finished.id, "finished", end_time=T0 + 60)
    live = store.create_run(project.id, name="media-run", start_time=T0 + 100)
    store.append_metrics(live.id, {
        "loss": columns([1.0, math.nan, math.inf, 0.5, -math.inf], offset=100),
        "noslash": columns([3.0, 2.0], offset=100),
        "system/gpu.0.utilization_percent": columns([50.0, 75.0], offset=100),
        "train/nan_only": columns([math.nan, math.nan], offset=100),
    })
    return Seeded(project, store.get_run(finished.id), store.get_run(live.id), loss)


@pytest.fixture
def seeded(store: Store) -> Seeded:
    """The seeded project (see `seed`)."""
    return seed(store)


def data(response: httpx.Response, status: int = 200) -> Any:
    """The envelope's `data` after checking status and envelope."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == 0 and body["message"] == "success", body
    return body["data"]


def error(response: httpx.Response, status: int) -> str:
    """The message of a SwanLab-shaped error, after checking its shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "data"}, body
    assert body["code"] == 3000 + status and body["data"] is None
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


@contextlib.asynccontextmanager
async def client_for(settings: Settings, store: Store, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with changed settings."""
    app: FastAPI = create_app(settings.with_changes(**changes), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        yield http
