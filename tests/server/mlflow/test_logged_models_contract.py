"""MLflow 3 logged models and run inputs/outputs, in process: the messages, the filter, paging and error codes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runyard.store import Store

pytestmark = pytest.mark.anyio

MODELS = "/api/2.0/mlflow/logged-models"


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code, response.text


async def _create(client: httpx.AsyncClient, experiment: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(MODELS, json={"experiment_id": experiment, **fields})
    assert response.status_code == 200, response.text
    model: dict[str, Any] = response.json()["model"]
    return model


async def test_create_upload_finalize_get(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("exp")
    run = store.create_run(project.id, name="r", uid="a" * 32)
    model = await _create(client, str(project.id), name="model", model_type="sklearn", source_run_id=run.uid,
                          params=[{"key": "alpha", "value": "0.5"}], tags=[{"key": "mlflow.user", "value": "me"}])
    info = model["info"]
    assert info["status"] == "LOGGED_MODEL_PENDING" and info["source_run_id"] == run.uid
    assert info["artifact_uri"] == f"mlflow-artifacts:/{project.id}/models/{info['model_id']}/artifacts"
    assert info["tags"] == [{"key": "mlflow.user", "value": "me"}]
    assert model["data"]["params"] == [{"key": "alpha", "value": "0.5"}]
    done = await client.patch(f"{MODELS}/{info['model_id']}",
                              json={"model_id": info["model_id"], "status": "LOGGED_MODEL_READY"})
    assert done.json()["model"]["info"]["status"] == "LOGGED_MODEL_READY"
    got = (await client.get(f"{MODELS}/{info['model_id']}")).json()["model"]
    assert got["info"]["status"] == "LOGGED_MODEL_READY" and got["info"]["name"] == "model"
    assert (await client.get(f"/ajax-api/2.0/mlflow/logged-models/{info['model_id']}")).status_code == 200
    unnamed = await _create(client, "0")
    assert unnamed["info"]["name"].startswith("model-") and unnamed["info"]["experiment_id"] == "0"


async def test_errors_have_mlflow_codes(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("exp")
    model = await _create(client, str(project.id), name="m", params=[{"key": "a", "value": "1"}])
    model_id = model["info"]["model_id"]
    _error(await client.get(f"{MODELS}/m-{'0' * 32}"), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.get(f"{MODELS}/not-a-model-id"), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.post(MODELS, json={"experiment_id": "999999"}), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.post(MODELS, json={"name": "no experiment"}), 400, "INVALID_PARAMETER_VALUE")
    _error(await client.post(MODELS, json={"experiment_id": str(project.id), "source_run_id": "f" * 32}), 404,
           "RESOURCE_DOES_NOT_EXIST")
    _error(await client.patch(f"{MODELS}/{model_id}", json={"status": "LOGGED_MODEL_PENDING"}), 400,
           "INVALID_PARAMETER_VALUE")
    _error(await client.patch(f"{MODELS}/{model_id}", json={"status": "DONE"}), 400, "INVALID_PARAMETER_VALUE")
    _error(await client.post(f"{MODELS}/{model_id}/params", json={"params": [{"key": "a", "value": "2"}]}), 400,
           "INVALID_PARAMETER_VALUE")
    _error(await client.delete(f"{MODELS}/{model_id}/tags/nope"), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.post(f"{MODELS}/search", json={"experiment_ids": [str(project.id)], "filter": "name = 3"}), 400,
           "INVALID_PARAMETER_VALUE")
    _error(await client.post(f"{MODELS}/search", json={"experiment_ids": [str(project.id)], "filter": "colour = 'x'"}),
           400, "INVALID_PARAMETER_VALUE")
    _error(await client.post(f"{MODELS}/search", json={"experiment_ids": [str(project.id)],
                                                        "order_by": [{"field_name": "metrics.acc"}]}), 400,
           "INVALID_PARAMETER_VALUE")
    assert (await client.patch(f"{MODELS}/{model_id}", json={"status": 3})).json()["model"]["info"]["status"] == \
        "LOGGED_MODEL_UPLOAD_FAILED"


async def test_tags_params_and_delete(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("exp")
    model_id = (await _create(client, str(project.id), name="m"))["info"]["model_id"]
    url = f"{MODELS}/{model_id}"
    assert (await client.patch(f"{url}/tags", json={"tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]})
            ).json() == {}
    assert (await client.delete(f"{url}/tags/a")).json() == {}
    assert (await client.post(f"{url}/params", json={"model_id": model_id, "params": [{"key": "p", "value": "v"}]})
            ).json() == {}
    got = (await client.get(url)).json()["model"]
    assert got["info"]["tags"] == [{"key": "b", "value": "2"}] and got["data"]["params"] == [{"key": "p", "value": "v"}]
    await client.put(f"/api/2.0/mlflow-artifacts/artifacts/{project.id}/models/{model_id}/artifacts/MLmodel", content=b"x")
    await client.put(f"/api/2.0/mlflow-artifacts/artifacts/{project.id}/models/{model_id}/artifacts/d/w.bin", content=b"yy")
    listed = (await client.get(f"{url}/artifacts/directories")).json()
    assert listed["root_uri"].endswith(f"/models/{model_id}/artifacts")
    assert listed["files"] == [{"path": "MLmodel", "is_dir": False, "file_size": 1}, {"path": "d", "is_dir": True}]
    inner = (await client.get(f"{url}/artifacts/directories", params={"artifact_directory_path": "d"})).json()
    assert inner["files"] == [{"path": "d/w.bin", "is_dir": False, "file_size": 2}]
    assert (await client.delete(url)).json() == {}
    _error(await client.get(url), 404, "RESOURCE_DOES_NOT_EXIST")
    assert not list(store.list_logged_models([project.id]))


async def test_search_filters_orders_and_pages(client: httpx.AsyncClient, store: Store) -> None:
    project, other = store.create_project("exp"), store.create_project("other")
    made = [await _create(client, str(project.id), name=name, tags=[{"key": "kind", "value": kind}])
            for name, kind in (("tables", "t"), ("model", "m"), ("model", "n"), ("Tables2", "t"))]
    await _create(client, str(other.id), name="tables")

    async def search(**body: Any) -> dict[str, Any]:
        response = await client.post(f"{MODELS}/search", json={"experiment_ids": [str(project.id)], **body})
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def names(found: dict[str, Any]) -> list[str]:
        return [m["info"]["name"] for m in found.get("models", [])]

    assert names(await search(filter="name = 'tables'")) == ["tables"]
    assert names(await search(filter="name ILIKE 'tab%'")) == ["Tables2", "tables"]  # newest first
    assert names(await search(filter="name = 'model' AND tags.kind = 'n'")) == ["model"]
    assert names(await search(filter="tags.`kind` != 't' AND status = 'LOGGED_MODEL_PENDING'")) == ["model", "model"]
    assert names(await search(filter="params.missing = 'x'")) == []
    assert names(await search(order_by=[{"field_name": "name", "ascending": True}])) == ["Tables2", "model", "model", "tables"]
    first = await search(max_results=3, order_by=[{"field_name": "creation_timestamp", "ascending": True}])
    assert [m["info"]["model_id"] for m in first["models"]] == [m["info"]["model_id"] for m in made[:3]]
    rest = await search(max_results=3, page_token=first["next_page_token"],
                        order_by=[{"field_name": "creation_timestamp", "ascending": True}])
    assert [m["info"]["model_id"] for m in rest["models"]] == [made[3]["info"]["model_id"]] and "next_page_token" not in rest
    _error(await client.post(f"{MODELS}/search", json={"experiment_ids": ["424242"]}), 404, "RESOURCE_DOES_NOT_EXIST")
    assert (await search(filter="name = 'none'")) == {"models": []}


async def test_run_inputs_and_outputs(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("exp")
    run = store.create_run(project.id, name="r", uid="b" * 32)
    model_id = (await _create(client, str(project.id), name="m", source_run_id=run.uid))["info"]["model_id"]
    dataset = {"tags": [{"key": "mlflow.data.context", "value": "train"}],
               "dataset": {"name": "iris", "digest": "abc123", "source_type": "code", "source": "{}",
                           "schema": '{"mlflow_colspec": []}', "profile": '{"num_rows": 150}'}}
    for _ in range(2):  # logged twice: kept once
        assert (await client.post("/api/2.0/mlflow/runs/log-inputs",
                                  json={"run_id": run.uid, "datasets": [dataset], "models": [{"model_id": model_id}]})
                ).json() == {}
    assert (await client.post("/api/2.0/mlflow/runs/outputs",
                              json={"run_id": run.uid, "models": [{"model_id": model_id, "step": 3}]})).json() == {}
    links = store.run_links([run.id])[run.id]
    assert [(d.name, d.digest, d.tags) for d in links.datasets] == [("iris", "abc123", (("mlflow.data.context", "train"),))]
    assert links.model_inputs == (model_id,) and links.model_outputs == ((model_id, 3),)
    shown = (await client.get("/api/2.0/mlflow/runs/get", params={"run_id": run.uid})).json()["run"]
    assert shown["inputs"]["dataset_inputs"] == [dataset]
    assert shown["inputs"]["model_inputs"] == [{"model_id": model_id}]
    assert shown["outputs"] == {"model_outputs": [{"model_id": model_id, "step": 3}]}
    _error(await client.post("/api/2.0/mlflow/runs/outputs", json={"run_id": run.uid, "models": [{"model_id": f"m-{'1' * 32}"}]}),
           404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.post("/api/2.0/mlflow/runs/log-inputs", json={"run_id": "c" * 32, "datasets": [dataset]}), 404,
           "RESOURCE_DOES_NOT_EXIST")
    _error(await client.post("/api/2.0/mlflow/runs/log-inputs", json={"run_id": run.uid, "datasets": [{"dataset": {"name": "x"}}]}),
           400, "INVALID_PARAMETER_VALUE")
    assert (await client.post("/api/2.0/mlflow/runs/delete", json={"run_id": run.uid})).status_code == 200
    _error(await client.post("/api/2.0/mlflow/runs/outputs", json={"run_id": run.uid, "models": [{"model_id": model_id}]}),
           400, "INVALID_PARAMETER_VALUE")  # MLflow logs to active runs only
