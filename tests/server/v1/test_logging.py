from __future__ import annotations

import json
import math
from typing import Any

import httpx
import ormsgpack
import pytest

from runyard.settings import Settings
from runyard.store import Store
from tests.server.v1.conftest import RUNS, client_for, new_run

pytestmark = pytest.mark.anyio


async def _history(client: httpx.AsyncClient, run_id: str, key: str) -> dict[str, Any]:
    response = await client.get(f"{RUNS}/{run_id}/metrics/history", params={"keys": key})
    assert response.status_code == 200, response.text
    series: dict[str, Any] = response.json()["metrics"][key]
    return series


async def test_log_metrics_steps_append(client: httpx.AsyncClient, run: dict[str, Any]) -> None:
    url = f"{RUNS}/{run['id']}/log-metrics"
    first = await client.post(url, json={"metrics": {"loss": 1.0, "acc": 0.1}})
    assert first.status_code == 200 and first.json() == {"metrics": 2, "steps": {"loss": 0, "acc": 0}}
    second = await client.post(url, json={"metrics": {"loss": 0.5}})
    assert second.json()["steps"] == {"loss": 1}
    await client.post(url, json={"metrics": {"loss": 0.4}, "step": 10, "timestamp": 1_700_000_000_123})
    third = await client.post(url, json={"metrics": {"loss": 0.3, "acc": 0.2}})
    assert third.json()["steps"] == {"loss": 11, "acc": 1}
    loss = await _history(client, run["id"], "loss")
    assert loss["steps"] == [0, 1, 10, 11] and loss["values"] == [1.0, 0.5, 0.4, 0.3]
    assert loss["timestamps"][2] == pytest.approx(1_700_000_000_123)
    await client.post(url, json={"metrics": {"loss": 0.35}, "step": 10})  # explicit step: last write wins
    assert (await _history(client, run["id"], "loss"))["values"] == [1.0, 0.5, 0.35, 0.3]
    fetched = (await client.get(f"{RUNS}/{run['id']}")).json()
    assert fetched["metrics"] == {"acc": 0.2, "loss": 0.3}


async def test_non_finite_values_round_trip(client: httpx.AsyncClient, run: dict[str, Any]) -> None:
    url = f"{RUNS}/{run['id']}/log-metrics"
    # Python's json module writes bare NaN/Infinity literals.
    literal = await client.post(url, content=b'{"metrics": {"x": NaN}, "step": 0}',
                                headers={"content-type": "application/json"})
    assert literal.status_code == 200, literal.text
    for step, value in enumerate(["Infinity", "-Infinity", "nan", 2.5], start=1):
        response = await client.post(url, json={"metrics": {"x": value}, "step": step})
        assert response.status_code == 200, response.text
    assert (await _history(client, run["id"], "x"))["values"] == ["NaN", "Infinity", "-Infinity", "NaN", 2.5]
    await client.post(url, json={"metrics": {"y": "-Infinity"}})
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["metrics"]["y"] == "-Infinity"


@pytest.mark.parametrize(
    "payload",
    [
        {"metrics": {"x": "abc"}},
        {"metrics": {"x": "1.5"}},
        {"metrics": {"x": True}},
        {"metrics": {"x": None}},
        {"metrics": {"x": [1]}},
        {"metrics": {"x": 10**400}},
        {"metrics": {}},
        {"metrics": {"x": 1}, "step": -1},
        {"metrics": {"x": 1}, "step": 1.5},
        {"metrics": {"x": 1}, "step": 2**63},
        {"metrics": {"x": 1}, "timestamp": -5},
        {"metrics": {"x": 1}, "timestamp": "now"},
        {},
    ],
)
async def test_log_metrics_422(client: httpx.AsyncClient, run: dict[str, Any], payload: dict[str, Any]) -> None:
    response = await client.post(f"{RUNS}/{run['id']}/log-metrics", json=payload)
    assert response.status_code == 422, response.text
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["metrics"] == {}


async def test_log_metrics_400_and_404(client: httpx.AsyncClient, run: dict[str, Any]) -> None:
    bad_key = await client.post(f"{RUNS}/{run['id']}/log-metrics", json={"metrics": {"ok": 1, "": 2}})
    assert bad_key.status_code == 400
    long_key = await client.post(f"{RUNS}/{run['id']}/log-metrics", json={"metrics": {"k" * 300: 1}})
    assert long_key.status_code == 400
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["metrics"] == {}
    assert (await client.post(f"{RUNS}/999/log-metrics", json={"metrics": {"x": 1}})).status_code == 404


async def test_log_params(client: httpx.AsyncClient, run: dict[str, Any]) -> None:
    url = f"{RUNS}/{run['id']}/log-params"
    response = await client.post(url, json={"params": {"lr": 0.01, "layers": 3, "opt": "adam", "bn": True}})
    assert response.status_code == 200 and response.json() == {"params": 4}
    await client.post(url, json={"params": {"lr": "0.02"}})
    params = (await client.get(f"{RUNS}/{run['id']}")).json()["params"]
    assert params == {"lr": "0.02", "layers": 3, "opt": "adam", "bn": True}
    for bad, status in (({"params": {}}, 422), ({"params": {"x": None}}, 422), ({"params": {"x": [1]}}, 422),
                        ({"params": {"x": {"a": 1}}}, 422), ({"params": {"": 1}}, 400),
                        ({"params": {"x": "v" * 10_001}}, 400), ({"params": {"x": 10**30}}, 400)):
        assert (await client.post(url, json=bad)).status_code == status, bad
    nan = await client.post(url, content=b'{"params": {"x": NaN}}', headers={"content-type": "application/json"})
    assert nan.status_code == 400
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["params"] == params
    assert (await client.post(f"{RUNS}/999/log-params", json={"params": {"a": 1}})).status_code == 404


async def test_log_batch(client: httpx.AsyncClient, run: dict[str, Any]) -> None:
    url = f"{RUNS}/{run['id']}/log-batch"
    batch = {
        "metrics": [{"key": "loss", "value": 0.9}, {"key": "loss", "value": 0.8},
                    {"key": "loss", "value": 0.1, "step": 7, "timestamp": 1_700_000_000_000},
                    {"key": "loss", "value": 0.05}, {"key": "acc", "value": "NaN", "step": 3}],
        "params": [{"key": "lr", "value": "0.01"}, {"key": "epochs", "value": 5}],
        "tags": [{"key": "type", "value": "baseline"}, {"key": "plain"}],
    }
    response = await client.post(url, json=batch)
    assert response.status_code == 200, response.text
    assert response.json() == {"metrics": 5, "params": 2, "tags": 2, "replayed": False}
    loss = await _history(client, run["id"], "loss")
    assert loss["steps"] == [0, 1, 7, 8] and loss["values"] == [0.9, 0.8, 0.1, 0.05]
    assert loss["timestamps"][2] == 1_700_000_000_000
    body = (await client.get(f"{RUNS}/{run['id']}")).json()
    assert body["params"] == {"lr": "0.01", "epochs": 5}
    assert body["tags"] == {"type": "baseline", "plain": ""}
    assert body["metrics"] == {"acc": "NaN", "loss": 0.05}
    empty = await client.post(url, json={})
    assert empty.status_code == 200 and empty.json()["metrics"] == 0


async def test_log_batch_idempotent(client: httpx.AsyncClient, run: dict[str, Any], exp: dict[str, Any]) -> None:
    url = f"{RUNS}/{run['id']}/log-batch"
    batch = {"batch_id": "b-1", "metrics": [{"key": "loss", "value": 1.0}, {"key": "loss", "value": 0.5}],
             "params": [{"key": "lr", "value": 1}], "tags": [{"key": "stage", "value": "one"}]}
    assert (await client.post(url, json=batch)).json()["replayed"] is False
    await client.post(f"{RUNS}/{run['id']}/log-params", json={"params": {"lr": 2}})
    again = await client.post(url, json=batch)
    assert again.status_code == 200 and again.json()["replayed"] is True
    loss = await _history(client, run["id"], "loss")
    assert loss["steps"] == [0, 1]  # no second copy at steps 2, 3
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["params"] == {"lr": 2}  # replay changed nothing
    other = await new_run(client, exp["id"])  # batch ids are per run
    replayed = (await client.post(f"{RUNS}/{other['id']}/log-batch", json=batch)).json()["replayed"]
    assert replayed is False
    assert (await client.post(url, json={**batch, "batch_id": ""})).status_code == 422


@pytest.mark.parametrize(
    ("batch", "status"),
    [
        ({"metrics": [{"key": "ok", "value": 1}, {"key": "", "value": 2}]}, 400),
        ({"metrics": [{"key": "ok", "value": 1}], "tags": [{"key": "a=b", "value": "c"}]}, 400),
        ({"metrics": [{"key": "ok", "value": 1}], "params": [{"key": "", "value": 1}]}, 400),
        ({"metrics": [{"key": "ok", "value": "high"}], "params": [{"key": "p", "value": 1}]}, 422),
        ({"metrics": [{"key": "ok"}]}, 422),
        ({"metrics": [{"key": "ok", "value": 1, "step": -2}]}, 422),
        ({"params": [{"key": "p", "value": None}]}, 422),
        ({"tags": [{"key": "t", "value": 5}]}, 422),
        ({"metrics": {"ok": 1}}, 422),
    ],
)
async def test_log_batch_all_or_nothing(client: httpx.AsyncClient, run: dict[str, Any], batch: dict[str, Any],
                                        status: int) -> None:
    response = await client.post(f"{RUNS}/{run['id']}/log-batch", json=batch)
    assert response.status_code == status, response.text
    body = (await client.get(f"{RUNS}/{run['id']}")).json()
    assert body["metrics"] == {} and body["params"] == {} and body["tags"] == {}


@pytest.mark.parametrize("params", [{"key": "p\ud800", "value": 1}, {"key": "p", "value": "v\ud800"}])
async def test_log_batch_refused_inside_the_write_leaves_nothing(client: httpx.AsyncClient, run: dict[str, Any],
                                                                params: dict[str, Any]) -> None:
    """The store refuses the params after the metrics were written in the same unit: neither stays."""
    batch = {"batch_id": "b", "metrics": [{"key": "ok", "value": 1}], "params": [params],
             "tags": [{"key": "t", "value": "v"}]}
    raw = json.dumps(batch).encode()  # escapes the lone surrogate, as a client in another language would send it
    response = await client.post(f"{RUNS}/{run['id']}/log-batch", content=raw,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    body = (await client.get(f"{RUNS}/{run['id']}")).json()
    assert body["metrics"] == {} and body["params"] == {} and body["tags"] == {}
    fixed = {**batch, "params": [{"key": "p", "value": 1}]}
    assert (await client.post(f"{RUNS}/{run['id']}/log-batch", json=fixed)).json()["replayed"] is False


async def test_log_batch_without_metrics_is_replayed_once(client: httpx.AsyncClient, run: dict[str, Any]) -> None:
    url = f"{RUNS}/{run['id']}/log-batch"
    batch = {"batch_id": "p-1", "params": [{"key": "lr", "value": 1}], "tags": [{"key": "stage", "value": "one"}]}
    assert (await client.post(url, json=batch)).json()["replayed"] is False
    await client.post(f"{RUNS}/{run['id']}/log-params", json={"params": {"lr": 2}})
    assert (await client.post(url, json=batch)).json()["replayed"] is True
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["params"] == {"lr": 2}


async def test_log_batch_limits_413(settings: Settings, store: Store) -> None:
    async with client_for(settings, store, max_batch_metrics=3, max_batch_params=2, max_batch_tags=1) as http:
        project = store.create_project("limits")
        run_id = store.create_run(project.id).id
        url = f"{RUNS}/{run_id}/log-batch"
        cases = {
            "max_batch_metrics": {"metrics": [{"key": "m", "value": i} for i in range(4)]},
            "max_batch_params": {"params": [{"key": f"p{i}", "value": i} for i in range(3)]},
            "max_batch_tags": {"tags": [{"key": "a"}, {"key": "b"}]},
        }
        for limit_name, batch in cases.items():
            response = await http.post(url, json=batch)
            assert response.status_code == 413 and limit_name in response.json()["detail"], response.text
        at_limit = {"metrics": [{"key": "m", "value": i} for i in range(3)],
                    "params": [{"key": "a", "value": 1}, {"key": "b", "value": 2}], "tags": [{"key": "t"}]}
        assert (await http.post(url, json=at_limit)).status_code == 200
        run = store.get_run(run_id)
        assert run.params == {"a": 1, "b": 2} and run.tags == ["t"]
        assert len(store.read_metric(run_id, "m")) == 3


async def test_msgpack_log_batch(client: httpx.AsyncClient, run: dict[str, Any]) -> None:
    batch = {"metrics": [{"key": "loss", "value": math.nan, "step": 0}, {"key": "loss", "value": 0.25, "step": 1}],
             "params": [{"key": "lr", "value": 0.5}]}
    response = await client.post(f"{RUNS}/{run['id']}/log-batch", content=ormsgpack.packb(batch),
                                  headers={"content-type": "application/msgpack"})
    assert response.status_code == 200, response.text
    assert (await _history(client, run["id"], "loss"))["values"] == ["NaN", 0.25]
    assert (await client.get(f"{RUNS}/{run['id']}")).json()["params"] == {"lr": 0.5}
