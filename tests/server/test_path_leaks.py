"""Under `--auth`, nothing tells a caller where the data dir is: health, SwanLab's project, store errors."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from runyard.errors import StoreError
from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store

pytestmark = pytest.mark.anyio


def _with_failing_route(app: FastAPI, settings: Settings) -> FastAPI:
    """A route whose store call fails the way SQLite errors are reported (they name the database file)."""

    @app.get("/api/v1/experiments/boom")
    async def boom() -> None:
        raise StoreError(f"database error on {settings.data_dir}/runyard.db: disk I/O error")

    app.router.routes.insert(0, app.router.routes.pop())  # before `/{experiment_id}`
    return app


async def test_auth_server_hides_the_data_dir(settings: Settings, store: Store) -> None:
    run = store.create_run(store.create_project("p", tenant="acme").id, name="r")
    secret = store.create_token("acme")[1]
    app = _with_failing_route(create_app(settings.with_changes(auth=True), store=store), settings)
    where = str(settings.data_dir)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
        health = await http.get("/health")
        project = await http.get("/api/v1/project?project=p", headers={"Authorization": f"Bearer {secret}"})
        failed = await http.get("/api/v1/experiments/boom", headers={"Authorization": f"Bearer {secret}"})
        experiment = await http.get(f"/api/v1/experiment/{run.id}", headers={"Authorization": f"Bearer {secret}"})
    assert experiment.status_code == 200 and where not in experiment.text, experiment.text
    assert health.status_code == 200 and where not in health.text and "data_dir" not in health.text
    assert project.status_code == 200 and where not in project.text, project.text
    assert failed.status_code == 500 and where not in failed.text and "server log" in failed.json()["detail"]


async def test_local_server_still_shows_it(settings: Settings, store: Store) -> None:
    store.create_project("p")
    app = _with_failing_route(create_app(settings, store=store), settings)
    where = str(settings.data_dir)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
        assert (await http.get("/health")).json()["store"]["details"]["data_dir"] == where
        assert (await http.get("/api/v1/project?project=p")).json()["data"]["logdir"] == where
        assert where in (await http.get("/api/v1/experiments/boom")).text
