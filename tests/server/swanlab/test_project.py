"""`GET /api/v1/project`: which project is shown, and its fields and experiments."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from runyard.settings import Settings
from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.server.swanlab.conftest import T0, Seeded, client_for, data, error, seed

pytestmark = pytest.mark.anyio
URL = "/api/v1/project"
SWANLAB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


async def test_project_fields_and_experiments(client: httpx.AsyncClient, seeded: Seeded, settings: Settings) -> None:
    project = data(await client.get(URL))
    assert project["id"] == seeded.project.id and project["name"] == "anchor-demo"
    assert project["logdir"] == str(settings.data_dir)
    assert project["charts"] == 7  # distinct metric keys over both runs
    assert (project["pinned_opened"], project["hidden_opened"], project["sum"]) == (1, 0, 2)
    assert SWANLAB_TIME.match(project["create_time"])
    finished, live = project["experiments"]
    assert finished["id"] == finished["experiment_id"] == seeded.finished.id
    assert finished["name"] == "run2k" and finished["run_id"] == seeded.finished.uid
    assert (finished["status"], live["status"]) == (1, 0)
    assert finished["create_time"] == "2026-11-18T11:06:40.000000+00:00"  # T0
    assert finished["finish_time"] == "2026-11-18T11:07:40.000000+00:00" and live["finish_time"] is None
    assert finished["config"] == {
        "lr": {"desc": "", "sort": 0, "value": 0.001},
        "batch_size": {"desc": "", "sort": 1, "value": 32},
        "optimizer": {"desc": "", "sort": 2, "value": "adam"},
    }
    assert live["config"] == {}
    assert finished["light"] != live["light"] and finished["light"] in project["colors"]["light"]


@pytest.mark.parametrize(("status", "code"), [("failed", -1), ("crashed", -1), ("killed", -1), ("finished", 1)])
async def test_status_codes(client: httpx.AsyncClient, store: Store, seeded: Seeded, status: str, code: int) -> None:
    store.set_run_status(seeded.live.id, status)
    assert data(await client.get(URL))["experiments"][1]["status"] == code


async def test_most_recently_active_project_by_default(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    older = store.create_project("older")
    store.create_run(older.id, name="old", start_time=T0 - 1000)  # older than anchor-demo's newest run
    assert data(await client.get(URL))["name"] == "anchor-demo"
    store.create_run(older.id, name="new")  # starts now: newer than anything in anchor-demo
    assert data(await client.get(URL))["name"] == "older"


async def test_query_and_setting_choose_the_project(settings: Settings, store: Store, seeded: Seeded) -> None:
    other = store.create_project("other")
    store.create_run(other.id, name="x")
    async with client_for(settings, store, default_project="anchor-demo") as http:
        assert data(await http.get(URL))["name"] == "anchor-demo"
        shown = data(await http.get(URL, params={"project": "other"}))  # the query wins
        assert shown["name"] == "other" and [e["name"] for e in shown["experiments"]] == ["x"]


def test_setting_from_env() -> None:
    assert Settings.from_env({"RUNYARD_PROJECT": "p"}).default_project == "p"
    assert Settings.from_env({"RUNYARD_PROJECT": "p"}, default_project="q").default_project == "q"
    assert Settings.from_env({}).default_project is None


async def test_unknown_project_is_404(settings: Settings, client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    assert "nope" in error(await client.get(URL, params={"project": "nope"}), 404)
    async with client_for(settings, store, default_project="gone") as http:
        assert "gone" in error(await http.get(URL), 404)
    assert store.list_projects() == [seeded.project]  # nothing was created


async def test_no_project_yet_is_404(client: httpx.AsyncClient) -> None:
    assert "no project" in error(await client.get(URL), 404)


async def test_deleted_project_is_not_shown(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.set_project_lifecycle(seeded.project.id, "deleted")
    error(await client.get(URL, params={"project": "anchor-demo"}), 404)
    error(await client.get(URL), 404)


async def test_empty_project_name_is_422(client: httpx.AsyncClient, seeded: Seeded) -> None:
    error(await client.get(URL, params={"project": ""}), 422)


async def test_tenants_see_their_own_project(settings: Settings, store: Store, seeded: Seeded) -> None:
    acme = store.create_project("acme-only", tenant="acme")
    store.create_run(acme.id, name="a")
    token = store.create_token("acme")[1]
    async with client_for(settings, store, auth=True) as http:
        error(await http.get(URL), 401)
        headers = {"Authorization": f"Bearer {token}"}
        assert data(await http.get(URL, headers=headers))["name"] == "acme-only"
        error(await http.get(URL, params={"project": "anchor-demo"}, headers=headers), 404)


def test_serve_project_option(tmp_path: Path) -> None:
    """`runyard serve --project NAME` on a real server: that project, unless the query names another."""
    with open_store(tmp_path / "data") as store:
        seed(store)
        store.create_run(store.create_project("newer").id, name="n")
    server = LiveServer(tmp_path / "data", extra=("--project", "anchor-demo")).start()
    try:
        assert data(httpx.get(server.url + URL))["name"] == "anchor-demo"
        assert data(httpx.get(server.url + URL, params={"project": "newer"}))["name"] == "newer"
    finally:
        server.stop()
