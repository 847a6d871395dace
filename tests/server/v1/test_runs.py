from __future__ import annotations

import math
import time
from typing import Any

import httpx
import numpy as np
import pytest

from runyard.store import MetricColumns, Store
from tests.server.v1.conftest import RUNS, new_experiment, new_run

pytestmark = pytest.mark.anyio


async def test_create_shape(client: httpx.AsyncClient, exp: dict[str, Any]) -> None:
    before = time.time() * 1000
    run = await new_run(client, int(exp["id"]), description="first", tags={"k": "v", "plain": ""})
    assert run["id"] == "1" and run["uid"].startswith("run-") and run["experiment_id"] == exp["id"]
    assert run["name"] and run["description"] == "first" and run["status"] == "RUNNING"
    assert before - 5 <= run["start_time"] <= time.time() * 1000 + 5 and run["end_time"] is None
    assert run["params"] == {} and run["metrics"] == {} and run["tags"] == {"k": "v", "plain": ""}
    named = await new_run(client, exp["id"], name="chosen")
    assert named["name"] == "chosen"
    for ref in (run["id"], run["uid"]):
        fetched = await client.get(f"{RUNS}/{ref}")
        assert fetched.status_code == 200 and fetched.json() == run


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({}, 422),
        ({"experiment_id": None}, 422),
        ({"experiment_id": 1.5}, 422),
        ({"experiment_id": "abc"}, 400),
        ({"experiment_id": "999"}, 404),
        ({"experiment_id": "1", "name": ""}, 422),
        ({"experiment_id": "1", "name": "  "}, 400),
        ({"experiment_id": "1", "tags": {"a=b": "c"}}, 400),
        ({"experiment_id": "1", "tags": {"a": 3}}, 422),
    ],
)
async def test_create_rejects(client: httpx.AsyncClient, exp: dict[str, Any], payload: dict[str, Any],
                              status: int) -> None:
    response = await client.post(RUNS, json=payload)
    assert response.status_code == status, response.text
    assert (await client.get(RUNS, params={"experiment_id": exp["id"]})).json()["total"] == 0


async def test_duplicate_run_name_409(client: httpx.AsyncClient, exp: dict[str, Any]) -> None:
    await new_run(client, exp["id"], name="dup")
    response = await client.post(RUNS, json={"experiment_id": exp["id"], "name": "dup"})
    assert response.status_code == 409 and "already exists" in response.json()["detail"]
    other = await new_experiment(client, "other")
    await new_run(client, other["id"], name="dup")  # unique per experiment only


async def test_get_run_errors(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{RUNS}/999")).status_code == 404
    assert (await client.get(f"{RUNS}/run-nope")).status_code == 404
    assert (await client.get(f"{RUNS}/{'9' * 30}")).status_code == 400


async def test_end(client: httpx.AsyncClient, exp: dict[str, Any]) -> None:
    run = await new_run(client, exp["id"])
    url = f"{RUNS}/{run['id']}/end"
    ended = await client.post(url)
    assert ended.status_code == 200 and ended.json()["status"] == "FINISHED"
    assert ended.json()["end_time"] >= run["start_time"]
    assert (await client.post(url, json={"status": "killed"})).json()["status"] == "KILLED"
    when = run["start_time"] + 60_000
    failed = (await client.post(url, json={"status": "Failed", "end_time": when})).json()
    assert failed["status"] == "FAILED" and failed["end_time"] == when
    for bad in ({"status": "RUNNING"}, {"status": "bogus"}, {"status": 3}, {"end_time": -1}):
        response = await client.post(url, json=bad)
        assert response.status_code == 422, bad
    assert (await client.post(url, json={"end_time": run["start_time"] - 10_000})).status_code == 400
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["status"] == "FAILED"
    assert (await client.post(f"{RUNS}/999/end")).status_code == 404


@pytest.fixture
async def five_runs(client: httpx.AsyncClient, store: Store, exp: dict[str, Any]) -> list[dict[str, Any]]:
    runs = []
    for index, loss in enumerate([0.5, 0.1, 0.9, 0.3, math.nan]):
        run = await new_run(client, exp["id"], name=f"r{index}", tags={"group": "even" if index % 2 == 0 else "odd"})
        store.append_metrics(int(run["id"]), {"loss": MetricColumns(np.array([0, 1]), np.array([1.0, loss]),
                                                                    np.array([1.7e9, 1.7e9 + 1]))})
        store.log_params(int(run["id"]), {"lr": 0.1 * (index + 1), "opt": "adam" if index < 3 else "sgd"})
        runs.append(run)
    await client.post(f"{RUNS}/{runs[1]['id']}/end", json={"status": "FAILED"})
    return runs


async def _names(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(RUNS, params=params)
    assert response.status_code == 200, response.text
    return [run["name"] for run in response.json()["runs"]]


async def test_list_pages(client: httpx.AsyncClient, exp: dict[str, Any], five_runs: list[dict[str, Any]]) -> None:
    page = (await client.get(RUNS, params={"experiment_id": exp["id"], "limit": 2, "offset": 2})).json()
    assert [r["name"] for r in page["runs"]] == ["r2", "r3"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
    first = page["runs"][0]
    assert first["metrics"] == {"loss": 0.9} and first["params"]["opt"] == "adam"
    assert first["tags"] == {"group": "even"}
    last = (await client.get(RUNS, params={"experiment_id": exp["id"], "offset": 4})).json()["runs"]
    assert last[0]["metrics"] == {"loss": "NaN"}
    other = await new_experiment(client, "other")
    assert await _names(client, experiment_id=other["id"]) == []


async def test_list_filter_and_sort(client: httpx.AsyncClient, exp: dict[str, Any],
                                    five_runs: list[dict[str, Any]]) -> None:
    eid = exp["id"]
    assert await _names(client, experiment_id=eid, filter="metrics.loss < 0.6", order_by="metrics.loss desc") == [
        "r0", "r3", "r1"]
    assert await _names(client, experiment_id=eid, order_by="metrics.loss") == ["r1", "r3", "r0", "r2", "r4"]
    assert await _names(client, experiment_id=eid, filter="params.opt = 'sgd'") == ["r3", "r4"]
    assert await _names(client, experiment_id=eid, filter="tags.group = 'odd'") == ["r1", "r3"]
    assert await _names(client, experiment_id=eid, status="failed") == ["r1"]
    assert await _names(client, experiment_id=eid, filter="status = 'RUNNING' and params.lr >= 0.3") == [
        "r2", "r3", "r4"]
    ordered = await _names(client, experiment_id=eid, order_by="params.opt desc,metrics.loss asc")
    assert ordered == ["r3", "r4", "r1", "r0", "r2"]
    repeated = await client.get(f"{RUNS}?experiment_id={eid}&order_by=params.opt+desc&order_by=metrics.loss")
    assert [r["name"] for r in repeated.json()["runs"]] == ordered
    started = five_runs[2]["start_time"]  # whole milliseconds: filters compare at that precision
    assert await _names(client, experiment_id=eid, filter=f"start_time >= {started}") == ["r2", "r3", "r4"]
    assert "r2" in await _names(client, experiment_id=eid, filter=f"attributes.start_time <= {started}")
    assert "r2" not in await _names(client, experiment_id=eid, filter=f"start_time > {started}")
    assert "r2" not in await _names(client, experiment_id=eid, filter=f"start_time < {started}")
    assert "r2" in await _names(client, experiment_id=eid, filter=f"start_time = {started}")
    assert await _names(client, experiment_id=eid, filter=f"start_time = {started}.5") == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"filter": "metrics.loss <"}, 400),
        ({"filter": "name = 'unclosed"}, 400),
        ({"filter": "start_time > inf"}, 400),
        ({"filter": "tags.x != 'y'"}, 400),
        ({"order_by": "metrics.loss sideways"}, 400),
        ({"order_by": "tags.x"}, 400),
        ({"status": "sleeping"}, 422),
        ({"limit": 0}, 422),
        ({"limit": 1001}, 422),
        ({"offset": -1}, 422),
    ],
)
async def test_list_rejects(client: httpx.AsyncClient, exp: dict[str, Any], params: dict[str, Any],
                            status: int) -> None:
    response = await client.get(RUNS, params={"experiment_id": exp["id"], **params})
    assert response.status_code == status, response.text


async def test_list_unknown_or_bad_experiment(client: httpx.AsyncClient) -> None:
    assert (await client.get(RUNS, params={"experiment_id": "999"})).status_code == 404
    assert (await client.get(RUNS, params={"experiment_id": "x"})).status_code == 400
