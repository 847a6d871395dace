"""Runs list, params, metadata (project and run), deletion, the run-detail JSON and error shapes."""

from __future__ import annotations

import math

import httpx
import pytest

from runyard.errors import NotFoundError
from runyard.jsonenc import json_safe as clean
from runyard.server.aspara.runs import run_detail_json
from runyard.settings import Settings
from runyard.store import Store
from tests.server.aspara.conftest import PROJECT, RUN, Seeded, project_url, run_url
from tests.server.conftest import auth_app

pytestmark = pytest.mark.anyio


async def test_list_runs_sorted_by_name_with_aspara_fields(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{project_url()}/runs")
    assert response.status_code == 200
    runs = response.json()
    assert [run["name"] for run in runs] == [RUN, "second"]
    first, second = runs
    assert first["run_id"] == seeded.run.uid
    assert first["status"] == "completed" and first["is_finished"] is True and first["exit_code"] == 0
    assert second["status"] == "wip" and second["is_finished"] is False and second["exit_code"] is None
    assert first["param_count"] == 4  # lr, optim, eps (config) + batch (params)
    assert first["artifact_count"] == 2 and second["artifact_count"] == 0
    assert first["tags"] == ["best"]
    assert first["start_time"] == "2023-11-14T22:13:20.000000Z"
    assert first["last_update"].endswith("Z")


async def test_unknown_project_is_404_in_detail_shape(client: httpx.AsyncClient, seeded: Seeded) -> None:
    for url in (f"{project_url('nope')}/runs", f"{project_url('nope')}/metadata",
                f"{run_url('nope', RUN)}/params", f"{run_url(PROJECT, 'nope')}/params",
                f"{run_url(PROJECT, 'nope')}/metadata", f"{run_url(PROJECT, 'nope')}/metrics"):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert set(response.json()) == {"detail"}
    assert "Project 'nope' not found" in (await client.get(f"{project_url('nope')}/runs")).json()["detail"]
    assert "Run 'nope' not found" in (await client.get(f"{run_url(PROJECT, 'nope')}/params")).json()["detail"]


async def test_another_tenants_project_is_not_found(client: httpx.AsyncClient, store: Store) -> None:
    store.create_project("theirs", tenant="other")
    assert (await client.get(f"{project_url('theirs')}/runs")).status_code == 404


async def test_params_merge_config_and_params(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/params")
    assert response.status_code == 200
    # The store keeps config as JSON, where a NaN config value became null when it was logged.
    assert response.json() == {"project": PROJECT, "run": RUN,
                               "params": {"lr": 0.1, "optim": {"name": "adam"}, "eps": None, "batch": 32}}


def test_non_finite_floats_are_spelled_at_any_depth() -> None:
    assert clean({"a": [math.nan, {"b": math.inf}], "c": -math.inf, "d": 1.5, "e": "x"}) == {
        "a": ["NaN", {"b": "Infinity"}], "c": "-Infinity", "d": 1.5, "e": "x"}


async def test_run_metadata_get_and_put(client: httpx.AsyncClient, seeded: Seeded, store: Store) -> None:
    got = (await client.get(f"{run_url()}/metadata")).json()
    assert got["notes"] == "n" and got["tags"] == ["best"] and got["status"] == "completed"
    assert got["run_id"] == seeded.run.uid and got["params"]["batch"] == 32
    response = await client.put(f"{run_url()}/metadata", json={"notes": "Experiment results were good"})
    assert response.status_code == 200
    assert response.json()["notes"] == "Experiment results were good"
    assert response.json()["tags"] == ["best"]  # untouched
    response = await client.put(f"{run_url()}/metadata", json={"tags": [" a ", "b", "a"]})
    assert response.json()["tags"] == ["a", "b"] and response.json()["notes"] == "Experiment results were good"
    stored = store.get_run(seeded.run.id)
    assert stored.tags == ["a", "b"] and stored.notes == "Experiment results were good"
    assert (await client.put(f"{run_url()}/metadata", json={})).json()["tags"] == ["a", "b"]


async def test_project_metadata_get_and_put(client: httpx.AsyncClient, seeded: Seeded, store: Store) -> None:
    got = (await client.get(f"{project_url()}/metadata")).json()
    assert got["notes"] == "first notes" and got["tags"] == ["cv"] and got["created_at"].endswith("Z")
    response = await client.put(f"{project_url()}/metadata", json={"tags": ["production", "v2"]})
    assert response.status_code == 200 and response.json()["tags"] == ["production", "v2"]
    assert response.json()["notes"] == "first notes"
    assert store.get_project(seeded.project.id).tags == ["production", "v2"]


@pytest.mark.parametrize("body", [
    {"tags": "production"}, {"tags": [""]}, {"tags": [1]}, {"tags": ["x" * 300]}, {"notes": 5},
    {"note": "typo"}, [], "text", {"notes": "x" * 100_001},
])
async def test_bad_metadata_is_422_and_changes_nothing(client: httpx.AsyncClient, seeded: Seeded, store: Store,
                                                       body: object) -> None:
    for url in (f"{run_url()}/metadata", f"{project_url()}/metadata"):
        response = await client.put(url, json=body)
        assert response.status_code == 422, (url, body)
        assert "detail" in response.json()
    assert store.get_run(seeded.run.id).tags == ["best"] and store.get_run(seeded.run.id).notes == "n"
    assert store.get_project(seeded.project.id).tags == ["cv"]


async def test_invalid_json_body_is_4xx(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.put(f"{run_url()}/metadata", content=b"{not json",
                                headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500 and "detail" in response.json()


async def test_put_on_unknown_project_or_run_creates_nothing(client: httpx.AsyncClient, seeded: Seeded,
                                                             store: Store) -> None:
    response = await client.put(f"{project_url('phantom')}/metadata", json={"notes": "x"})
    assert response.status_code == 404 and response.json() == {"detail": "Project 'phantom' not found"}
    response = await client.put(f"{run_url(PROJECT, 'phantom')}/metadata", json={"notes": "x"})
    assert response.status_code == 404
    with pytest.raises(NotFoundError):
        store.get_project_by_name("phantom")
    with pytest.raises(NotFoundError):
        store.get_run_by_name(seeded.project.id, "phantom")


async def test_delete_run_removes_data_and_artifact_files(client: httpx.AsyncClient, seeded: Seeded,
                                                          store: Store) -> None:
    files = [store.open_artifact(seeded.run.id, a.path).local_path for a in store.list_artifacts(seeded.run.id)]
    assert files and all(path.exists() for path in files)
    response = await client.delete(run_url())
    assert response.status_code == 200
    assert response.json() == {"message": f"Run '{PROJECT}/{RUN}' deleted successfully"}
    assert not any(path.exists() for path in files)
    assert not files[0].parent.parent.exists() or not any(files[0].parent.parent.iterdir())
    with pytest.raises(NotFoundError):
        store.get_run(seeded.run.id)
    assert (await client.delete(run_url())).status_code == 404
    assert [r["name"] for r in (await client.get(f"{project_url()}/runs")).json()] == ["second"]


async def test_delete_project_removes_runs_and_files(client: httpx.AsyncClient, seeded: Seeded,
                                                     store: Store) -> None:
    files = [store.open_artifact(seeded.run.id, a.path).local_path for a in store.list_artifacts(seeded.run.id)]
    response = await client.delete(project_url())
    assert response.status_code == 200
    assert response.json() == {"message": f"Project '{PROJECT}' deleted successfully"}
    assert not any(path.exists() for path in files)
    for run_id in (seeded.run.id, seeded.other.id):
        with pytest.raises(NotFoundError):
            store.get_run(run_id)
    assert (await client.get(f"{project_url()}/runs")).status_code == 404
    assert (await client.delete(project_url())).status_code == 404


async def test_run_named_like_a_fixed_route(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("p")
    for name in ("metrics", "stream"):
        store.create_run(project.id, name=name, params={"which": name})
        response = await client.get(f"{run_url('p', name)}/params")
        assert response.json()["params"] == {"which": name}
    assert (await client.delete(run_url("p", "metrics"))).json()["message"] == "Run 'p/metrics' deleted successfully"
    assert [r["name"] for r in (await client.get(f"{project_url('p')}/runs")).json()] == ["stream"]


def test_run_detail_json_for_the_run_page(store: Store, seeded: Seeded) -> None:
    detail = run_detail_json(store, PROJECT, RUN, "default")
    assert detail["project"] == PROJECT and detail["run"] == detail["name"] == RUN
    assert detail["status"] == "completed"
    assert detail["latest_metrics"] == {"acc": 0.75, "loss": 0.25}
    assert detail["metrics"]["loss"]["count"] == 4 and detail["metrics"]["loss"]["max"] == "Infinity"
    assert detail["metrics"]["acc"]["min"] == "-Infinity"
    assert detail["params"]["lr"] == 0.1 and detail["duration_ms"] == 90_000
    assert [a["path"] for a in detail["artifacts"]] == ["model.bin", "plots/loss.png"]
    assert detail["artifacts"][1]["name"] == "loss.png" and detail["step_count"] == 4
    with pytest.raises(NotFoundError):
        run_detail_json(store, PROJECT, "nope", "default")


async def test_docs_page_lists_every_route(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs/dashboard")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    schema = (await client.get("/openapi/dashboard.json")).json()
    expected = {
        ("get", "/api/projects/{project}/runs"), ("get", "/api/projects/{project}/runs/metrics"),
        ("get", "/api/projects/{project}/runs/stream"), ("get", "/api/projects/{project}/runs/{run}/metrics"),
        ("get", "/api/projects/{project}/runs/{run}/params"), ("get", "/api/projects/{project}/runs/{run}/stream"),
        ("get", "/api/projects/{project}/runs/{run}/artifacts/download"),
        ("get", "/api/projects/{project}/runs/{run}/metadata"), ("put", "/api/projects/{project}/runs/{run}/metadata"),
        ("delete", "/api/projects/{project}/runs/{run}"), ("get", "/api/projects/{project}/metadata"),
        ("put", "/api/projects/{project}/metadata"), ("delete", "/api/projects/{project}"),
    }
    found = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert found == expected


async def test_auth_required_is_401_in_detail_shape(settings: Settings, store: Store, seeded: Seeded) -> None:
    app = auth_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get(f"{project_url()}/runs")
        assert response.status_code == 401 and set(response.json()) == {"detail"}
        assert (await http.put(f"{run_url()}/metadata", json={"notes": "x"})).status_code == 401
        assert (await http.delete(project_url())).status_code == 401
        _token, secret = store.create_token("default")
        response = await http.get(f"{project_url()}/runs", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200 and len(response.json()) == 2
    assert store.get_run(seeded.run.id).notes == "n"
