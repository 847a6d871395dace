"""The store's checks seen through the real HTTP routes: 4xx for bad ids, times and names, reads unharmed."""

from __future__ import annotations

import errno
import math
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import ormsgpack
import pytest

from runyard.paths import ARTIFACTS_DIR_NAME, DB_FILE_NAME
from runyard.sdk.wire import metrics_request
from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import MetricColumns, Store, open_store
from runyard.store.artifacts import local as artifacts

pytestmark = pytest.mark.anyio

SDK = "/api/v1/sdk/runs"
V1 = "/api/v1/experiments"
MSGPACK = {"content-type": "application/msgpack"}
T0 = 1_700_000_000.0


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data: Path) -> Iterator[Store]:
    with open_store(data) as opened:
        yield opened


@pytest.fixture
async def client(data: Path, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(data_dir=data), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as http:
        yield http


async def _sdk_run(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post(SDK, json={"project": "p", "host": "h", "pid": 1, **fields})


async def _reads_work(client: httpx.AsyncClient, uid: str, name: str) -> None:
    run = await client.get(f"/api/experiments/p/runs/{name}")
    assert run.status_code == 200, run.text
    rows = await client.get(f"/api/experiments/p/runs/{name}/metrics")
    assert rows.status_code == 200, rows.text
    page = await client.get(f"/projects/p/runs/{name}")
    assert page.status_code == 200, page.text
    assert (await client.post(f"{SDK}/{uid}/heartbeat")).status_code == 200


@pytest.mark.parametrize("uid", ["..", ".", "...", "a/../b", "Run-A", "x" * 65, "\u202eabc"])
async def test_sdk_create_refuses_unsafe_uids(client: httpx.AsyncClient, data: Path, uid: str) -> None:
    response = await _sdk_run(client, uid=uid)
    assert response.status_code == 400, response.text
    assert (data / DB_FILE_NAME).is_file()


async def test_sdk_dot_uid_cannot_reach_the_data_dir(client: httpx.AsyncClient, data: Path) -> None:
    victim = (await _sdk_run(client, uid="run-victim", name="victim")).json()["run"]
    put = await client.post(f"{SDK}/run-victim/artifacts", params={"name": "model.bin"}, content=b"mine")
    assert put.status_code == 200, put.text
    for uid in ("..", "."):
        assert (await _sdk_run(client, uid=uid)).status_code == 400
        sneaky = await client.post(f"{SDK}/{uid}/artifacts", params={"name": "run-victim/model.bin"},
                                   content=b"overwritten")
        assert sneaky.status_code in (404, 405), sneaky.text
    assert (data / ARTIFACTS_DIR_NAME / victim["uid"] / "model.bin").read_bytes() == b"mine"


@pytest.mark.parametrize("when", [math.nan, math.inf, -math.inf, 1e300, 1e15, 1.7e12])
async def test_sdk_batch_refuses_bad_wall_times(client: httpx.AsyncClient, when: float) -> None:
    made = (await _sdk_run(client, uid="run-t", name="t")).json()["run"]
    good = MetricColumns(np.array([0, 1]), np.array([1.0, 2.0]), np.array([T0, T0 + 1]))
    assert (await client.post(f"{SDK}/run-t/batch", content=metrics_request("run-t", "b0", {"loss": good}).body,
                              headers=MSGPACK)).status_code == 200
    bad = MetricColumns(np.array([2]), np.array([3.0]), np.array([when]))
    response = await client.post(f"{SDK}/run-t/batch", content=metrics_request("run-t", "b1", {"loss": bad}).body,
                                 headers=MSGPACK)
    assert response.status_code == 400, response.text
    logs = await client.post(f"{SDK}/run-t/batch", content=ormsgpack.packb(
        {"batch_id": "b2", "logs": [[when, "stdout", "x"]]}), headers=MSGPACK)
    assert logs.status_code == 400, logs.text
    await _reads_work(client, made["uid"], made["name"])


async def test_sdk_create_refuses_bad_numbers_and_depth(client: httpx.AsyncClient) -> None:
    assert (await _sdk_run(client, uid="run-a", pid=2**63)).status_code == 400
    assert (await _sdk_run(client, uid="run-a", pid_started_at=1e300)).status_code == 400
    deep: dict[str, Any] = {}
    for _ in range(100):
        deep = {"a": deep}
    assert (await _sdk_run(client, uid="run-a", config=deep)).status_code == 400
    huge = ('{"project": "p", "config": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}").encode()
    response = await client.post(SDK, content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    surrogate = b'{"project": "p", "uid": "run-a", "name": "\\ud800"}'
    response = await client.post(SDK, content=surrogate, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert (await _sdk_run(client, uid="run-a", name="a\u202egpj.exe")).status_code == 400
    assert (await _sdk_run(client, uid="run-a", name="fine")).status_code == 200


@pytest.mark.parametrize("timestamp_ms", [1e15, 1.7e12 * 100, 5e9 * 1000])
async def test_v1_log_batch_refuses_bad_wall_times(client: httpx.AsyncClient, timestamp_ms: float) -> None:
    exp = (await client.post(V1, json={"name": "p"})).json()
    run = (await client.post(f"{V1}/runs", json={"experiment_id": exp["id"], "name": "r"})).json()
    ok = await client.post(f"{V1}/runs/{run['id']}/log-batch",
                           json={"metrics": [{"key": "loss", "value": 1.0, "step": 0}]})
    assert ok.status_code == 200, ok.text
    response = await client.post(f"{V1}/runs/{run['id']}/log-batch", json={
        "metrics": [{"key": "loss", "value": 2.0, "step": 1, "timestamp": timestamp_ms}]})
    assert response.status_code == 400, response.text
    await _reads_work(client, run["uid"], "r")


async def test_artifact_name_errors_are_4xx(client: httpx.AsyncClient, data: Path) -> None:
    await _sdk_run(client, uid="run-art", name="art")

    async def put(name: str, body: bytes = b"x") -> httpx.Response:
        return await client.post(f"{SDK}/run-art/artifacts", params={"name": name}, content=body)

    assert (await put("a" * 256)).status_code == 400
    assert (await put("d/" + "é" * 128)).status_code == 400
    assert (await put("a" * 255)).status_code == 200
    assert (await put("a")).status_code == 200
    collide = await put("a/b")
    assert collide.status_code == 409 and "a" in collide.json()["detail"]
    assert (await put("d/x")).status_code == 200
    assert (await put("d")).status_code == 409
    assert (await put("d/x", b"again")).status_code == 200  # the run is not jammed
    names = sorted(p.name for p in (data / ARTIFACTS_DIR_NAME / "run-art").rglob("*"))
    assert not [n for n in names if n.startswith(".upload-")]


async def test_disk_full_during_upload_is_507_and_leaves_nothing(
    client: httpx.AsyncClient, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full disk cannot be made here without root (no loop mounts): the file write is made to fail.
    await _sdk_run(client, uid="run-full", name="full")
    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, fd: int, mode: str) -> None:
            self.inner = real_fdopen(fd, mode)

        def __enter__(self) -> FullFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.close()

        def write(self, block: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(artifacts.os, "fdopen", FullFile)
    response = await client.post(f"{SDK}/run-full/artifacts", params={"name": "big.bin"}, content=b"x" * 70_000)
    monkeypatch.undo()
    assert response.status_code == 507, response.text
    folder = data / ARTIFACTS_DIR_NAME / "run-full"
    assert not folder.exists() or list(folder.rglob("*")) == []
    assert (await client.post(f"{SDK}/run-full/artifacts", params={"name": "big.bin"}, content=b"ok")).status_code == 200
