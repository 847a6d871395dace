"""MLflow-logged runs are ordinary runyard runs: v1 and the dashboard read them; SDK-made runs read through MLflow."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from runyard.store import MetricColumns, Store
from tests.server.mlflow.helpers import get, new_experiment, new_run, post

pytestmark = pytest.mark.anyio
T0 = 1_700_000_000_000


async def test_v1_and_the_dashboard_read_an_mlflow_logged_run(client: httpx.AsyncClient, store: Store) -> None:
    ref = await new_experiment(client, "shared")
    run_id = (await new_run(client, ref, run_name="mlf"))["info"]["run_id"]
    metrics = [{"key": "loss", "value": v, "timestamp": T0 + i, "step": s}
               for i, (s, v) in enumerate([(0, 1.0), (0, 0.9), (1, 0.5)])]
    await post(client, "runs/log-batch", {"run_id": run_id, "metrics": metrics, "params": [{"key": "lr", "value": "0.1"}],
                                          "tags": [{"key": "mlflow.note.content", "value": "hello"}]})
    await post(client, "runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": T0 + 10})
    v1 = (await client.get(f"/api/v1/experiments/runs/{run_id}")).json()
    assert (v1["name"], v1["status"], v1["params"]) == ("mlf", "FINISHED", {"lr": "0.1"})
    assert store.get_run_by_uid(run_id).notes == "hello"
    history = (await client.get(f"/api/v1/experiments/runs/{run_id}/metrics/history", params={"keys": "loss"})).json()
    assert history["metrics"]["loss"]["steps"] == [0, 1]
    assert history["metrics"]["loss"]["values"] == [0.9, 0.5]  # one value per step, the last written
    assert (await client.get("/projects/shared/runs/mlf")).status_code == 200


async def test_an_sdk_run_reads_through_mlflow(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("sdk-made")
    run = store.create_run(project.id, name="native", params={"lr": 0.01, "layers": [1, 2]}, tags=["baseline"],
                           notes="from the sdk")
    steps = np.arange(3, dtype=np.int64)
    store.append_metrics(run.id, {"acc": MetricColumns(steps, np.array([0.1, 0.2, 0.3]), 1.7e9 + steps * 1.0)})
    store.set_run_status(run.id, "finished", end_time=1.7e9 + 5)
    found = (await get(client, "runs/get", {"run_id": run.uid}))["run"]
    assert found["info"]["experiment_id"] == str(project.id) and found["info"]["status"] == "FINISHED"
    assert found["data"]["params"] == [{"key": "layers", "value": "[1,2]"}, {"key": "lr", "value": "0.01"}]
    tags = {t["key"]: t["value"] for t in found["data"]["tags"]}
    assert tags == {"baseline": "", "mlflow.note.content": "from the sdk", "mlflow.runName": "native"}
    assert found["data"]["metrics"] == [{"key": "acc", "value": 0.3, "timestamp": 1_700_000_002_000, "step": 2}]
    history = (await get(client, "metrics/get-history", {"run_id": run.uid, "metric_key": "acc"}))["metrics"]
    assert [(m["step"], m["value"]) for m in history] == [(0, 0.1), (1, 0.2), (2, 0.3)]
    searched = await post(client, "runs/search", {"experiment_ids": [str(project.id)], "filter": "params.lr = '0.01'"})
    assert [r["info"]["run_id"] for r in searched["runs"]] == [run.uid]
