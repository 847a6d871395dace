from __future__ import annotations

import math
from typing import Any

import httpx
import numpy as np
import pytest

from runyard.store import MetricColumns, Store
from tests.server.v1.conftest import RUNS, new_run

pytestmark = pytest.mark.anyio
URL = f"{RUNS}/compare"


def _log(store: Store, run_id: str, key: str, values: list[float]) -> None:
    steps = np.arange(len(values))
    store.append_metrics(int(run_id), {key: MetricColumns(steps, np.array(values), 1.7e9 + steps.astype(float))})


@pytest.fixture
async def trio(client: httpx.AsyncClient, store: Store, exp: dict[str, Any]) -> list[dict[str, Any]]:
    runs = [await new_run(client, exp["id"], name=name) for name in ("a", "b", "c")]
    _log(store, runs[0]["id"], "val_loss", [0.9, 0.2, 0.4])
    _log(store, runs[0]["id"], "val_acc", [0.1, math.nan])
    _log(store, runs[1]["id"], "val_loss", [0.8, 0.7])
    store.log_params(int(runs[0]["id"]), {"lr": 0.1, "bs": 32, "opt": "adam", "drop": 1, "flag": True})
    store.log_params(int(runs[1]["id"]), {"lr": 0.01, "bs": 32, "opt": "adam", "drop": 1.0, "flag": "True"})
    store.log_params(int(runs[2]["id"]), {"lr": 0.1, "bs": 32, "opt": "adam", "drop": 1, "flag": True, "extra": "x"})
    return runs


async def test_compare(client: httpx.AsyncClient, trio: list[dict[str, Any]]) -> None:
    a, b, c = (run["id"] for run in trio)
    response = await client.post(URL, json={"run_ids": [a, int(b), c], "metrics": ["val_loss", "val_acc", "nope"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["name"] for r in body["runs"]] == ["a", "b", "c"]
    assert body["runs"][0]["status"] == "RUNNING" and body["runs"][0]["uid"] == trio[0]["uid"]
    assert body["metrics"]["val_loss"] == {
        a: {"latest": 0.4, "min": 0.2, "max": 0.9, "step": 2},
        b: {"latest": 0.7, "min": 0.7, "max": 0.8, "step": 1},
        c: None,
    }
    assert body["metrics"]["val_acc"][a] == {"latest": "NaN", "min": 0.1, "max": 0.1, "step": 1}
    assert body["metrics"]["nope"] == {a: None, b: None, c: None}
    assert body["params_diff"] == {
        "lr": {a: 0.1, b: 0.01, c: 0.1},
        "flag": {a: True, b: "True", c: True},
        "extra": {a: None, b: None, c: "x"},
    }


async def test_compare_all_metrics_by_default(client: httpx.AsyncClient, trio: list[dict[str, Any]]) -> None:
    body = (await client.post(URL, json={"run_ids": [trio[0]["uid"], trio[1]["id"]]})).json()
    assert list(body["metrics"]) == ["val_acc", "val_loss"]
    assert body["metrics"]["val_acc"][trio[1]["id"]] is None


@pytest.mark.parametrize(
    ("run_ids", "status"),
    [
        (["1"], 400),
        ([], 400),
        ([str(i) for i in range(1, 12)], 400),
        (["1", "1"], 400),
        (["1", "999"], 404),
        (["1", "abc"], 404),
        (["1", None], 422),
    ],
)
async def test_compare_rejects(client: httpx.AsyncClient, trio: list[dict[str, Any]], run_ids: list[Any],
                               status: int) -> None:
    response = await client.post(URL, json={"run_ids": run_ids})
    assert response.status_code == status, response.text
    assert "detail" in response.json()


async def test_compare_needs_run_ids(client: httpx.AsyncClient) -> None:
    assert (await client.post(URL, json={"metrics": ["x"]})).status_code == 422
