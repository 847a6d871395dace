"""MLflow experiments in process: create/get/get-by-name/update/delete/restore/tags, search, Default "0", errors."""

from __future__ import annotations

import httpx
import pytest

from runyard.store import Store
from tests.server.mlflow.helpers import error_code, get, new_experiment, post

pytestmark = pytest.mark.anyio


async def test_create_get_and_get_by_name_are_the_tenants_project(client: httpx.AsyncClient, store: Store) -> None:
    assert error_code(await get(client, "experiments/get-by-name", {"experiment_name": "demo"}, 404)) == \
        "RESOURCE_DOES_NOT_EXIST"
    created = await post(client, "experiments/create", {"name": "demo", "tags": [{"key": "team", "value": "a"}]})
    experiment = (await get(client, "experiments/get", {"experiment_id": created["experiment_id"]}))["experiment"]
    assert experiment["name"] == "demo" and experiment["lifecycle_stage"] == "active"
    assert experiment["tags"] == [{"key": "team", "value": "a"}]
    assert experiment["artifact_location"] == f"mlflow-artifacts:/{created['experiment_id']}"
    assert isinstance(experiment["creation_time"], int) and experiment["creation_time"] > 1e12  # milliseconds
    by_name = (await get(client, "experiments/get-by-name", {"experiment_name": "demo"}))["experiment"]
    assert by_name == experiment
    assert store.get_project(int(created["experiment_id"])).name == "demo"
    taken = await post(client, "experiments/create", {"name": "demo"}, 400)
    assert (error_code(taken), taken["message"]) == ("RESOURCE_ALREADY_EXISTS", "Experiment(name=demo) already exists.")
    assert error_code(await post(client, "experiments/create", {}, 400)) == "INVALID_PARAMETER_VALUE"


async def test_default_experiment_zero_exists_for_every_tenant(client: httpx.AsyncClient, store: Store) -> None:
    default = (await get(client, "experiments/get", {"experiment_id": "0"}))["experiment"]
    assert (default["experiment_id"], default["name"]) == ("0", "Default")
    assert (await get(client, "experiments/get-by-name", {"experiment_name": "Default"}))["experiment"]["experiment_id"] == "0"
    assert store.get_project_by_name("Default").tenant == "default"
    assert error_code(await post(client, "experiments/create", {"name": "Default"}, 400)) == "RESOURCE_ALREADY_EXISTS"


async def test_update_delete_restore_and_tags(client: httpx.AsyncClient, store: Store) -> None:
    ref = await new_experiment(client)
    await post(client, "experiments/update", {"experiment_id": ref, "new_name": "renamed"})
    await post(client, "experiments/set-experiment-tag", {"experiment_id": ref, "key": "k", "value": "v"})
    await post(client, "experiments/set-experiment-tag", {"experiment_id": ref, "key": "k", "value": "w"})
    experiment = (await get(client, "experiments/get", {"experiment_id": ref}))["experiment"]
    assert (experiment["name"], experiment["tags"]) == ("renamed", [{"key": "k", "value": "w"}])
    await post(client, "experiments/delete-experiment-tag", {"experiment_id": ref, "key": "k"})
    await post(client, "experiments/set-experiment-tag", {"experiment_id": ref, "key": "mlflow.note.content", "value": "d"})
    assert store.get_project(int(ref)).notes == "d"  # the experiment description is the project's notes
    described = (await get(client, "experiments/search", {"filter": "tags.`mlflow.note.content` = 'd'"}))["experiments"]
    assert [(e["name"], e["tags"]) for e in described] == [("renamed", [{"key": "mlflow.note.content", "value": "d"}])]
    await post(client, "experiments/delete-experiment-tag", {"experiment_id": ref, "key": "mlflow.note.content"})
    assert store.get_project(int(ref)).notes == ""
    missing = await post(client, "experiments/delete-experiment-tag", {"experiment_id": ref, "key": "k"}, 404)
    assert error_code(missing) == "RESOURCE_DOES_NOT_EXIST"
    await post(client, "experiments/delete", {"experiment_id": ref})
    assert (await get(client, "experiments/get", {"experiment_id": ref}))["experiment"]["lifecycle_stage"] == "deleted"
    refused = await post(client, "runs/create", {"experiment_id": ref}, 400)
    assert error_code(refused) == "INVALID_PARAMETER_VALUE"
    await post(client, "experiments/restore", {"experiment_id": ref})
    assert (await get(client, "experiments/get", {"experiment_id": ref}))["experiment"]["lifecycle_stage"] == "active"
    for bad in ("999999", "abc"):
        answer = await get(client, "experiments/get", {"experiment_id": bad}, 404 if bad.isdigit() else 400)
        assert error_code(answer) == ("RESOURCE_DOES_NOT_EXIST" if bad.isdigit() else "INVALID_PARAMETER_VALUE")


async def test_search_filters_orders_and_pages_with_opaque_tokens(client: httpx.AsyncClient) -> None:
    for name in ("alpha", "beta", "gamma", "delta"):
        await new_experiment(client, name)
    gone = await new_experiment(client, "epsilon")
    await post(client, "experiments/set-experiment-tag", {"experiment_id": gone, "key": "team", "value": "x"})
    await post(client, "experiments/delete", {"experiment_id": gone})
    names = [e["name"] for e in (await post(client, "experiments/search", {"order_by": ["name ASC"]}))["experiments"]]
    assert names == ["Default", "alpha", "beta", "delta", "gamma"]
    first = await post(client, "experiments/search", {"max_results": 2, "order_by": ["name DESC"]})
    assert [e["name"] for e in first["experiments"]] == ["gamma", "delta"]
    second = await post(client, "experiments/search", {"max_results": 2, "order_by": ["name DESC"],
                                                       "page_token": first["next_page_token"]})
    assert [e["name"] for e in second["experiments"]] == ["beta", "alpha"]
    liked = await get(client, "experiments/search", {"filter": "name LIKE '%a' AND name != 'beta'"})
    assert sorted(e["name"] for e in liked["experiments"]) == ["alpha", "delta", "gamma"]
    deleted = await post(client, "experiments/search", {"view_type": "DELETED_ONLY", "filter": "tags.team = 'x'"})
    assert [e["name"] for e in deleted["experiments"]] == ["epsilon"]
    bad = await post(client, "experiments/search", {"filter": "name = 'a' OR name = 'b'"}, 400)
    assert error_code(bad) == "INVALID_PARAMETER_VALUE"
    assert error_code(await post(client, "experiments/search", {"page_token": "garbage!"}, 400)) == "INVALID_PARAMETER_VALUE"


async def test_unknown_endpoints_and_methods_answer_endpoint_not_found(client: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/api/2.0/mlflow/registered-models/search"), ("POST", "/api/2.0/mlflow/nothing"),
                         ("GET", "/api/2.0/mlflow/experiments/create"), ("DELETE", "/ajax-api/2.0/mlflow/runs/get")):
        response = await client.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert error_code(response.json()) == "ENDPOINT_NOT_FOUND"


async def test_ajax_api_serves_the_same_handlers(client: httpx.AsyncClient) -> None:
    ref = await new_experiment(client)
    response = await client.get("/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": ref})
    assert response.status_code == 200 and response.json()["experiment"]["name"] == "demo"
