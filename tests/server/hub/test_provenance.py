"""Only models the hub itself wrote are ever unpickled (issue 11, critical).

A token holder can upload `hub.json` + `model/model.joblib` into a run of its own (v1
log-artifact, SDK ingest) or overwrite the model of a run the hub made; `load` and
`predict` must refuse both, and the pickle must never run.
"""

from __future__ import annotations

import pickle
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from runyard.store import Store

pytestmark = pytest.mark.anyio
Idle = Callable[[str], Awaitable[None]]
FD_CONFIG = {"create_model": {"model_type": "PCA"}}
RUNS = "/api/v1/experiments/runs"


class _Evil:
    """Unpickling it writes a marker file: the proof that uploaded code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return exec, (f"open({self.marker!r}, 'w').write('pwned')",)


def evil_pickle(marker: Path) -> bytes:
    return pickle.dumps(_Evil(str(marker)))


def sensors(n: int = 40) -> bytes:
    return orjson.dumps([{"a": float(i % 7), "b": float((i * 3) % 5), "c": float(i % 3)} for i in range(n)])


def manifest(name: str) -> bytes:
    return orjson.dumps({"experiment": name, "type": "fault_detection", "config": FD_CONFIG, "kind": "train"})


async def _upload(client: httpx.AsyncClient, run_id: Any, folder: str | None, name: str, data: bytes) -> None:
    params = {"artifact_path": folder} if folder else {}
    response = await client.post(f"{RUNS}/{run_id}/log-artifact", params=params, files={"file": (name, data)})
    assert response.status_code == 200, response.text


async def _refused(client: httpx.AsyncClient, marker: Path, name: str, run_uid: str, *,
                   predict: bool = True) -> None:
    loaded = await client.post(f"/{name}/load/{run_uid}")
    assert loaded.status_code == 403, loaded.text
    assert "not made by the hub" in loaded.json()["detail"]
    if predict:  # the refused load left nothing to predict with
        predicted = await client.post(f"/{name}/predict")
        assert predicted.status_code in (403, 404, 409), predicted.text
    assert not marker.exists(), "the uploaded pickle ran"


async def test_a_model_forged_through_the_v1_artifact_route_is_never_loaded(
        client: httpx.AsyncClient, tmp_path: Path) -> None:
    marker = tmp_path / "pwned-v1"
    exp = (await client.post("/api/v1/experiments", json={"name": "evil"})).json()
    run = (await client.post(RUNS, json={"experiment_id": exp["id"]})).json()
    await _upload(client, run["id"], None, "hub.json", manifest("evil"))
    await _upload(client, run["id"], "model", "model.joblib", evil_pickle(marker))
    await _refused(client, marker, "evil", run["uid"])
    assert (await client.get("/evil/cfg")).status_code == 404  # nothing was created from it


async def test_a_model_forged_through_the_store_is_never_loaded(client: httpx.AsyncClient, store: Store,
                                                                tmp_path: Path) -> None:
    # What SDK ingest (and a local run) does: artifacts straight into the store.
    marker = tmp_path / "pwned-store"
    run = store.create_run(store.get_or_create_project("evil2").id)
    store.add_artifact_bytes(run.id, "hub.json", manifest("evil2"))
    store.add_artifact_bytes(run.id, "model/model.joblib", evil_pickle(marker))
    await _refused(client, marker, "evil2", run.uid)


async def test_a_hub_model_overwritten_afterwards_is_refused_and_a_genuine_one_works(
        client: httpx.AsyncClient, idle: Idle, store: Store, tmp_path: Path) -> None:
    marker = tmp_path / "pwned-overwrite"
    assert (await client.post("/fd/data", content=sensors())).status_code == 202
    assert (await client.post("/create_experiment/fd/fault_detection", json=FD_CONFIG)).status_code == 200
    await idle("fd")
    status = (await client.get("/fd/status")).json()
    assert status["status"] == "trained", status
    model_run = status["model_run"]
    # The genuine model loads and predicts.
    assert (await client.post(f"/fd/load/{model_run}")).status_code == 200
    predicted = await client.post("/fd/predict", content=sensors(5))
    assert predicted.status_code == 200, predicted.text
    # The tenant overwrites the pickle of its own hub-made run through the v1 upload route.
    run = store.get_run_by_uid(model_run)
    await _upload(client, run.id, "model", "model.joblib", evil_pickle(marker))
    await _refused(client, marker, "fd", model_run, predict=False)  # the current model is the prediction's
    # Overwrite the model the experiment points at now: predict refuses it, before any process starts.
    assert (await client.post(f"/fd/load/{predicted.headers['x-runyard-run']}")).status_code == 200
    await _upload(client, store.get_run_by_uid(predicted.headers["x-runyard-run"]).id, "model", "model.joblib",
                  evil_pickle(marker))
    again = await client.post("/fd/predict")
    assert again.status_code == 403 and "not made by the hub" in again.json()["detail"], again.text
    assert not marker.exists()


async def test_a_changed_manifest_is_refused(client: httpx.AsyncClient, idle: Idle, store: Store) -> None:
    assert (await client.post("/fd2/data", content=sensors())).status_code == 202
    assert (await client.post("/create_experiment/fd2/fault_detection", json=FD_CONFIG)).status_code == 200
    await idle("fd2")
    model_run = (await client.get("/fd2/status")).json()["model_run"]
    run = store.get_run_by_uid(model_run)
    await _upload(client, run.id, None, "hub.json", manifest("other"))
    refused = await client.post(f"/fd2/load/{model_run}")
    assert refused.status_code == 403 and "not made by the hub" in refused.json()["detail"]
