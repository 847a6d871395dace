from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from runyard.store import Store
from tests.server.v1.conftest import EXPERIMENTS, RUNS, new_experiment, new_run

pytestmark = pytest.mark.anyio


async def test_create_shape(client: httpx.AsyncClient) -> None:
    before = time.time() * 1000
    body = await new_experiment(client, "vision", description="d", artifact_location="s3://b/x",
                                tags={"team": "cv", "flag": ""})
    assert body["id"] == "1" and body["name"] == "vision" and body["description"] == "d"
    assert body["artifact_location"] == "s3://b/x" and body["lifecycle_stage"] == "active"
    assert body["tags"] == {"team": "cv", "flag": ""}
    assert isinstance(body["created_at"], int) and before - 5 <= body["created_at"] <= time.time() * 1000 + 5
    assert body["updated_at"] == body["created_at"]
    again = await client.get(f"{EXPERIMENTS}/1")
    assert again.status_code == 200 and again.json() == body


async def test_plain_store_tag_reads_as_empty_value(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("p", tags=["x", "k=v=w"])
    body = (await client.get(f"{EXPERIMENTS}/{project.id}")).json()
    assert body["tags"] == {"x": "", "k": "v=w"}


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"name": ""}, 422),
        ({"name": "x" * 256}, 422),
        ({}, 422),
        ({"name": "ok", "description": "d" * 1001}, 422),
        ({"name": "ok", "tags": {"k": 1}}, 422),
        ({"name": "ok", "tags": ["a"]}, 422),
        ({"name": "   "}, 400),
        ({"name": "ok", "tags": {"a=b": "c"}}, 400),
        ({"name": "ok", "tags": {" ": "c"}}, 400),
        ({"name": "ok", "tags": {"k": "v" * 300}}, 400),
    ],
)
async def test_create_rejects(client: httpx.AsyncClient, payload: dict[str, Any], status: int) -> None:
    response = await client.post(EXPERIMENTS, json=payload)
    assert response.status_code == status, response.text
    assert "detail" in response.json()
    assert (await client.get(EXPERIMENTS)).json()["total"] == 0  # nothing half-created


async def test_duplicate_name_409(client: httpx.AsyncClient) -> None:
    await new_experiment(client, "same")
    response = await client.post(EXPERIMENTS, json={"name": "same"})
    assert response.status_code == 409 and "already exists" in response.json()["detail"]


async def test_list_search_and_pages(client: httpx.AsyncClient) -> None:
    for name in ("Alpha", "alpine", "beta", "ALPACA", "gamma"):
        await new_experiment(client, name)
    page = (await client.get(EXPERIMENTS, params={"search": "alp", "limit": 2, "offset": 1})).json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert [e["name"] for e in page["experiments"]] == ["alpine", "ALPACA"]
    everything = (await client.get(EXPERIMENTS)).json()
    assert everything["total"] == 5 and everything["limit"] == 100 and everything["offset"] == 0


@pytest.mark.parametrize(
    "query", ["lifecycle_stage=archived", "limit=0", "limit=1001", "offset=-1", "limit=abc"]
)
async def test_list_bad_query_422(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"{EXPERIMENTS}?{query}")
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)  # FastAPI's list form


async def test_update(client: httpx.AsyncClient) -> None:
    made = await new_experiment(client, "old", tags={"keep": "1", "drop": "2", "change": "a"})
    await new_experiment(client, "taken")
    url = f"{EXPERIMENTS}/{made['id']}"
    response = await client.patch(url, json={"name": "new", "description": "desc",
                                             "tags": {"drop": None, "change": "b", "add": ""}})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "new" and body["description"] == "desc"
    assert body["tags"] == {"keep": "1", "change": "b", "add": ""}
    assert body["updated_at"] >= made["updated_at"] and body["created_at"] == made["created_at"]
    assert (await client.patch(url, json={})).json()["name"] == "new"
    assert (await client.patch(url, json={"name": "taken"})).status_code == 409
    assert (await client.patch(url, json={"tags": {"a=b": "x"}})).status_code == 400
    assert (await client.patch(url, json={"description": "x" * 1001})).status_code == 422
    assert (await client.patch(f"{EXPERIMENTS}/999", json={"name": "z"})).status_code == 404
    assert (await client.get(url)).json()["name"] == "new"  # failed patches changed nothing


async def test_soft_delete_and_restore(client: httpx.AsyncClient) -> None:
    made = await new_experiment(client, "arch")
    url = f"{EXPERIMENTS}/{made['id']}"
    deleted = await client.delete(url)
    assert deleted.status_code == 200 and deleted.json()["lifecycle_stage"] == "deleted"
    assert (await client.get(EXPERIMENTS)).json()["total"] == 0
    archived = (await client.get(EXPERIMENTS, params={"lifecycle_stage": "deleted"})).json()
    assert [e["id"] for e in archived["experiments"]] == [made["id"]]
    assert (await client.get(url)).json()["lifecycle_stage"] == "deleted"
    refused = await client.post(RUNS, json={"experiment_id": made["id"]})
    assert refused.status_code == 409 and "restore" in refused.json()["detail"]
    assert (await client.post(EXPERIMENTS, json={"name": "arch"})).status_code == 409
    restored = await client.post(f"{url}/restore")
    assert restored.status_code == 200 and restored.json()["lifecycle_stage"] == "active"
    await new_run(client, made["id"])
    assert (await client.delete(f"{EXPERIMENTS}/404")).status_code == 404
    assert (await client.post(f"{EXPERIMENTS}/404/restore")).status_code == 404


@pytest.mark.parametrize(
    ("ref", "status"), [("999", 404), ("abc", 400), ("-1", 400), ("²", 400), ("9" * 30, 400)]
)
async def test_get_bad_ids(client: httpx.AsyncClient, ref: str, status: int) -> None:
    response = await client.get(f"{EXPERIMENTS}/{ref}")
    assert response.status_code == status and "detail" in response.json()


async def test_runs_path_is_not_an_experiment_id(client: httpx.AsyncClient, exp: dict[str, Any]) -> None:
    await new_run(client, exp["id"], name="r")
    listed = await client.get(RUNS, params={"experiment_id": exp["id"]})
    assert listed.status_code == 200 and [r["name"] for r in listed.json()["runs"]] == ["r"]
    missing = await client.get(RUNS)
    assert missing.status_code == 422 and "experiment_id" in str(missing.json()["detail"])


async def test_openapi_lists_every_endpoint(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi/v1.json")).json()["paths"]
    expected = {
        "/api/v1/experiments": {"get", "post"},
        "/api/v1/experiments/{experiment_id}": {"get", "patch", "delete"},
        "/api/v1/experiments/{experiment_id}/restore": {"post"},
        "/api/v1/experiments/runs": {"get", "post"},
        "/api/v1/experiments/runs/{run_id}": {"get"},
        "/api/v1/experiments/runs/{run_id}/log-metrics": {"post"},
        "/api/v1/experiments/runs/{run_id}/log-params": {"post"},
        "/api/v1/experiments/runs/{run_id}/log-batch": {"post"},
        "/api/v1/experiments/runs/{run_id}/log-artifact": {"post"},
        "/api/v1/experiments/runs/{run_id}/end": {"post"},
        "/api/v1/experiments/runs/compare": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    upload = paths["/api/v1/experiments/runs/{run_id}/log-artifact"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]
