"""expman test data: a seeded store, and raw ASGI requests whose path no client normalizes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import anyio
import numpy as np
import pytest
from fastapi import FastAPI

from runyard.store import MetricColumns, Project, Run, Store

BASE = "/api/experiments"
T0 = 1_700_000_000.0
EXPERIMENT = "vision/resnet 50%"  # a slash, a space and a percent sign: all must survive the URL
RUN = "run 1/a"


def seg(name: str) -> str:
    """A name as one URL path segment (`.` and `..` as `%2E`, else clients drop them as dot segments)."""
    encoded = quote(name, safe="")
    return encoded.replace(".", "%2E") if name in (".", "..") else encoded


def run_url(experiment: str = EXPERIMENT, run: str = RUN) -> str:
    """The URL of a run."""
    return f"{BASE}/{seg(experiment)}/runs/{seg(run)}"


def columns(steps: list[int], values: list[float], offset: float = 0.0) -> MetricColumns:
    """A series with times T0 + offset + step."""
    step_array = np.array(steps, dtype=np.int64)
    return MetricColumns(step_array, np.array(values, dtype=np.float64), T0 + offset + step_array.astype(np.float64))


@dataclass
class Seeded:
    project: Project
    run: Run
    other: Run


@pytest.fixture
def seeded(store: Store) -> Seeded:
    """An experiment with two runs; the first has metrics with NaN/Inf, config, params, artifacts."""
    project = store.create_project(EXPERIMENT, description="resnets", tags=["cv"])
    run = store.create_run(project.id, name=RUN, tags=["best"], start_time=T0,
                           config={"lr": 0.1, "optim": {"name": "adam", "betas": [0.9, 0.99]}, "note": "x" * 500},
                           params={"batch": 32}, system={"python_version": "3.12.1", "python_executable": "/usr/bin/py"})
    store.append_metrics(run.id, {
        "loss": columns([0, 1, 2, 3], [1.0, math.nan, math.inf, 0.25]),
        "acc": columns([1, 3, 5], [0.5, -math.inf, 0.75], offset=0.5),
    })
    store.add_artifact_bytes(run.id, "plots/loss.png", b"\x89PNG fake")
    store.add_artifact_bytes(run.id, "model.bin", b"\x00\x01weights")
    store.set_run_status(run.id, "finished", end_time=T0 + 90)
    other = store.create_run(project.id, name="second", start_time=T0 + 100)
    store.append_metrics(other.id, {"loss": columns([0], [2.0])})
    return Seeded(project, run, other)


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes


async def raw_get(app: FastAPI, raw_path: str, query: str = "") -> RawResponse:
    """GET with the exact bytes of `raw_path` (no `..` removal), decoded like uvicorn decodes it."""
    raw = raw_path.encode("ascii")
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": unquote_to_bytes(raw).decode("utf-8", "replace"), "raw_path": raw, "root_path": "",
        "query_string": query.encode("ascii"), "headers": [(b"host", b"runyard.test")],
        "client": ("127.0.0.1", 1234), "server": ("runyard.test", 80),
    }
    sent: list[dict[str, Any]] = []
    requested = False
    done = anyio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # like a server: the client disconnects only once the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            done.set()

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return RawResponse(start["status"], headers, body)
