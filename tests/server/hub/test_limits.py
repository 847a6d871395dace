"""Hub work is bounded: concurrent jobs per server and per tenant, and every size parameter (issue 11)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import orjson
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from tests.hub.conftest import rows
from tests.server.hub.conftest import auth_hub_app, bearer

pytestmark = pytest.mark.anyio
SLOW = {"target": "y", "steps": 10_000, "sleep": 0.05}


@pytest.fixture
async def limited(settings: Settings, store: Store) -> AsyncIterator[FastAPI]:
    async with auth_hub_app(settings, store, hub_max_jobs=2, hub_max_jobs_per_tenant=1) as app:
        yield app


def test_the_defaults_are_small() -> None:
    settings = Settings()
    assert settings.hub_max_jobs == 2 and settings.hub_max_jobs_per_tenant == 1


async def test_concurrent_jobs_are_limited_per_tenant_and_per_server(limited: FastAPI, store: Store) -> None:
    a, b, c = (bearer(store, tenant) for tenant in ("acme", "bravo", "carol"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as http:
        for headers in (a, b, c):
            for name in ("one", "two"):
                await http.post(f"/{name}/data", content=rows(), headers=headers)
        assert (await http.post("/create_experiment/one/toy", json=SLOW, headers=a)).status_code == 200
        # The tenant's one job runs: a second one of the same tenant waits its turn (429).
        refused = await http.post("/create_experiment/two/toy", json=SLOW, headers=a)
        assert refused.status_code == 429, refused.text
        assert "hub_max_jobs_per_tenant" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        assert (await http.get("/two/cfg", headers=a)).status_code == 404  # nothing half-created
        # Another tenant still gets the server's second slot; a third tenant finds it full.
        assert (await http.post("/create_experiment/one/toy", json=SLOW, headers=b)).status_code == 200
        full = await http.post("/create_experiment/one/toy", json=SLOW, headers=c)
        assert full.status_code == 429 and "hub_max_jobs" in full.json()["detail"]
        assert "retry-after" in full.headers
        # A slot comes back when a job ends.
        assert (await http.post("/one/stop_training", headers=b)).status_code == 200
        assert (await http.post("/create_experiment/one/toy", json={"target": "y"}, headers=c)).status_code == 200
        assert (await http.post("/one/stop_training", headers=a)).status_code == 200


async def _post_config(client: httpx.AsyncClient, name: str, kind: str, config: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/create_experiment/{name}/{kind}", json=config)


@pytest.mark.parametrize(("kind", "config", "field"), [
    ("time_series", {"setup": {"target": "v", "ds": "ds", "horizon": 10**12},
                     "create_model": {"model_type": "ETS"}}, "setup.horizon"),
    ("time_series", {"setup": {"target": "v", "ds": "ds", "holdout": 10**9},
                     "create_model": {"model_type": "ETS"}}, "setup.holdout"),
    ("time_series", {"setup": {"target": "v", "ds": "ds"},
                     "create_model": {"model_type": "ETS", "params": {"maxiter": 10**9}}},
     "create_model.params.maxiter"),
    ("time_series", {"setup": {"target": "v", "ds": "ds"},
                     "create_model": {"model_type": "ETS", "params": {"seasonal_periods": 10**9}}},
     "create_model.params.seasonal_periods"),
    ("time_series", {"setup": {"target": "v", "ds": "ds"},
                     "create_model": {"model_type": "ARIMA", "params": {"order": [10**6, 1, 1]}}},
     "create_model.params.order"),
    ("time_series", {"setup": {"target": "v", "ds": "ds"},
                     "create_model": {"model_type": "GradientBoosting", "params": {"min_samples_leaf": 10**12}}},
     "create_model.params.min_samples_leaf"),
    ("time_series", {"setup": {"target": "v", "ds": "ds"},
                     "create_model": {"model_type": "Prophet", "params": {"n_changepoints": 10**9}}},
     "create_model.params.n_changepoints"),
    ("time_series", {"setup": {"target": "v", "ds": "ds"},
                     "create_model": {"model_type": "Prophet", "params": {"uncertainty_samples": 10**9}}},
     "create_model.params.uncertainty_samples"),
    ("fault_detection", {"create_model": {"model_type": "IsolationForest",
                                          "params": {"max_samples": 10**12}}}, "create_model.params.max_samples"),
    ("fault_detection", {"create_model": {"model_type": "IsolationForest",
                                          "params": {"random_state": 2**70}}}, "create_model.params.random_state"),
    ("fault_detection", {"create_model": {"model_type": "PCA", "params": {"n_components": 10**9}}},
     "create_model.params.n_components"),
])
async def test_size_parameters_are_bounded(client: httpx.AsyncClient, kind: str, config: dict[str, Any],
                                           field: str) -> None:
    response = await _post_config(client, "big", kind, config)
    assert response.status_code == 400, response.text
    assert f"field '{field}'" in response.json()["detail"]


async def test_rows_in_a_data_push_and_a_prediction_are_bounded(settings: Settings, store: Store) -> None:
    app = create_app(settings.with_changes(hub_max_rows=100), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        too_many = await http.post("/big/data", content=rows(101))
        assert too_many.status_code == 413 and "hub_max_rows" in too_many.json()["detail"], too_many.text
        assert app.state.hub.queue.size("default", "big") == 0
        assert (await http.post("/big/data", content=rows(100))).status_code == 202
        wide = orjson.dumps([{f"c{i}": 1.0 for i in range(10_001)}])
        assert (await http.post("/big/data", content=wide)).status_code == 413
        assert (await http.post("/create_experiment/big/toy", json={"target": "y"})).status_code == 200
        active = app.state.hub.get("default", "big").active
        assert active is None or await anyio.to_thread.run_sync(active.done.wait, 60.0)
        predicted = await http.post("/big/predict", content=rows(101))
        assert predicted.status_code == 413 and "hub_max_rows" in predicted.json()["detail"]
        app.state.hub.stop_all()
