"""Every hub object is per tenant: names, queues, flush, workspace; nothing leaks (issue 11)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from tests.hub.conftest import rows
from tests.server.hub.conftest import auth_hub_app, bearer

pytestmark = pytest.mark.anyio
CONFIG = {"target": "y", "horizon": 2}


@pytest.fixture
async def auth_app(settings: Settings, store: Store) -> AsyncIterator[FastAPI]:
    async with auth_hub_app(settings, store, hub_max_jobs=4, hub_max_jobs_per_tenant=2) as app:
        yield app


async def _idle(app: FastAPI, tenant: str, name: str) -> None:
    active = app.state.hub.get(tenant, name).active
    if active is not None:
        assert await anyio.to_thread.run_sync(active.done.wait, 60.0)


async def test_queues_names_and_flush_are_per_tenant(auth_app: FastAPI, store: Store, settings: Settings) -> None:
    a, b = bearer(store, "acme"), bearer(store, "bravo")
    transport = httpx.ASGITransport(app=auth_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        # A pushes 50 rows into `sales` before anyone owns it; B then creates its own `sales`.
        assert (await http.post("/sales/data", content=rows(50), headers=a)).status_code == 202
        pushed = await http.post("/sales/data", content=rows(3, start=100), headers=b)
        assert pushed.status_code == 202 and pushed.json()["waiting"] == 1
        assert (await http.post("/create_experiment/sales/toy", json=CONFIG, headers=b)).status_code == 200
        await _idle(auth_app, "bravo", "sales")
        trained = (await http.get("/sales/train_data", headers=b)).json()
        assert [row["y"] for row in trained] == [100.0, 101.0, 102.0]  # only B's rows
        # A's rows still wait for A; A creates its own `sales`: no 409, no sign of B's.
        assert (await http.post("/create_experiment/sales/toy", json={**CONFIG, "steps": 2},
                                headers=a)).status_code == 200
        await _idle(auth_app, "acme", "sales")
        assert len((await http.get("/sales/train_data", headers=a)).json()) == 50
        assert (await http.get("/sales/cfg", headers=a)).json()["steps"] == 2
        assert (await http.get("/sales/cfg", headers=b)).json()["steps"] == 3
        assert list((await http.get("/experiments", headers=a)).json()) == ["sales"]
        # Flushing one tenant's queue leaves the other's alone.
        await http.post("/sales/data", content=rows(4), headers=a)
        await http.post("/sales/data", content=rows(4), headers=b)
        assert (await http.post("/flush/sales", headers=a)).status_code == 200
        assert (await http.get("/sales/status", headers=a)).json()["waiting"] == 0
        assert (await http.get("/sales/status", headers=b)).json()["waiting"] == 1
        # A flush of a name nobody owns touches only the caller's queue.
        await http.post("/ghost/data", content=rows(2), headers=b)
        assert (await http.post("/flush/ghost", headers=a)).status_code == 200
        assert auth_app.state.hub.queue.size("bravo", "ghost") == 1
        # Deleting A's experiment leaves B's (and its files) in place.
        assert (await http.post("/sales/delete", headers=a)).status_code == 200
        assert len((await http.get("/sales/train_data", headers=b)).json()) == 3
    # A restart finds both tenants' experiments, each under its tenant.
    second = create_app(settings.with_changes(auth=True), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://t") as http:
        assert (await http.get("/sales/cfg", headers=a)).status_code == 404
        assert (await http.get("/sales/cfg", headers=b)).json()["steps"] == 3
        assert (await http.post("/create_experiment/sales/toy", json=CONFIG, headers=a)).status_code == 200
        await _idle(second, "acme", "sales")
        second.state.hub.stop_all()


async def test_names_of_other_tenants_do_not_leak(auth_app: FastAPI, store: Store) -> None:
    a, b = bearer(store, "acme"), bearer(store, "bravo")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=auth_app), base_url="http://t") as http:
        await http.post("/t1/data", content=rows(), headers=a)
        assert (await http.post("/create_experiment/t1/toy", json=CONFIG, headers=a)).status_code == 200
        # B sees exactly what it would see if A's `t1` did not exist.
        for method, path in (("GET", "/t1/cfg"), ("POST", "/t1/predict"), ("POST", "/t1/load"),
                             ("GET", "/t1/status"), ("POST", "/t1/delete")):
            answer = await http.request(method, path, headers=b)
            assert answer.status_code == 404 and answer.json()["detail"] == "experiment 't1' not found"
        assert (await http.post("/t1/data", content=rows(), headers=b)).status_code == 202
        assert (await http.post("/create_experiment/t1/toy", json=CONFIG, headers=b)).status_code == 200
        await _idle(auth_app, "acme", "t1")
        await _idle(auth_app, "bravo", "t1")
        assert store.get_project_by_name("t1", tenant="acme").tenant == "acme"
        assert store.get_project_by_name("t1", tenant="bravo").tenant == "bravo"
