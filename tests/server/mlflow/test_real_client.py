"""The real `mlflow` 3.18 client against a real `runyard serve`: a typical script, MlflowClient calls, error codes.

Scripts run in the side venv's python (`conftest.py`); what they logged is read back through the
client and through runyard itself (`runyard.Api` on the server's data dir, the v1 dialect), and
a run made by runyard's SDK is read through the MLflow client.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import numpy as np

from runyard import Api
from runyard.store import MetricColumns, open_store
from tests.live_server import LiveServer
from tests.server.mlflow.conftest import run_mlflow_script

TYPICAL = """
    import json, math, mlflow
    from mlflow import MlflowClient

    mlflow.set_experiment("demo")
    with mlflow.start_run(run_name="trial") as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"epochs": 3, "opt": "adam"})
        mlflow.log_metric("loss", 1.0)
        mlflow.log_metric("loss", 0.8)          # no step: step 0 again
        mlflow.log_metric("loss", float("nan"))  # NaN travels as "NaN"
        mlflow.log_metrics({"acc": 0.5, "f1": 0.4}, step=1)
        for step in range(2, 5):
            mlflow.log_metric("acc", 0.5 + step / 10, step=step)
        mlflow.set_tag("team", "vision")
        mlflow.set_tag("mlflow.note.content", "first try")
    second = mlflow.start_run(run_name="trial")  # MLflow names need not be unique
    mlflow.log_metric("acc", 0.99, step=1)
    mlflow.end_run(status="FAILED")

    client = MlflowClient()
    history = client.get_metric_history(run.info.run_id, "loss")
    found = client.search_runs([run.info.experiment_id], filter_string="metrics.acc > 0.8 and params.opt = 'adam'",
                               order_by=["metrics.acc DESC"])
    ordered = client.search_runs([run.info.experiment_id], order_by=["attributes.start_time ASC"])
    got = client.get_run(run.info.run_id)
    print(json.dumps({
        "run_id": run.info.run_id, "second": second.info.run_id, "experiment_id": run.info.experiment_id,
        "history": [[m.step, None if math.isnan(m.value) else m.value] for m in history],
        "found": [r.info.run_id for r in found],
        "ordered": [r.info.run_name for r in ordered],
        "status": got.info.status, "params": got.data.params, "tags": got.data.tags,
        "metrics": {k: (None if math.isnan(v) else v) for k, v in got.data.metrics.items()},
        "experiments": [e.name for e in client.search_experiments()],
    }))
"""

ERRORS = """
    import json, mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    codes = {}
    def code(name, call):
        try:
            call()
            codes[name] = "no error"
        except MlflowException as exc:
            codes[name] = exc.error_code

    experiment = client.create_experiment("errors")
    run = client.create_run(experiment)
    client.log_param(run.info.run_id, "lr", "0.1")
    code("changed param", lambda: client.log_param(run.info.run_id, "lr", "0.2"))
    code("same param", lambda: client.log_param(run.info.run_id, "lr", "0.1"))
    code("unknown run", lambda: client.get_run("0" * 32))
    code("taken experiment", lambda: client.create_experiment("errors"))
    code("unknown experiment", lambda: client.get_experiment("123456"))
    code("bad filter", lambda: client.search_runs([experiment], filter_string="metrics.x = 'a'"))
    code("bad key", lambda: client.log_metric(run.info.run_id, "../up", 1.0))
    code("missing tag", lambda: client.delete_tag(run.info.run_id, "nothing"))
    print(json.dumps(codes))
"""


def _last_json(stdout: str) -> dict[str, object]:
    found: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return found


def test_a_typical_script_logs_a_runyard_run(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    out = _last_json(run_mlflow_script(mlflow_python, mlflow_server.url, TYPICAL).stdout)
    assert out["history"] == [[0, 1.0], [0, 0.8], [0, None]]
    assert out["found"] == [out["run_id"]]
    assert out["ordered"] == ["trial", "trial"]
    assert out["status"] == "FINISHED"
    assert out["params"] == {"lr": "0.01", "epochs": "3", "opt": "adam"}
    tags = out["tags"]
    assert isinstance(tags, dict) and tags["team"] == "vision" and tags["mlflow.note.content"] == "first try"
    assert tags["mlflow.runName"] == "trial" and tags["mlflow.source.name"]
    assert out["metrics"] == {"loss": None, "acc": 0.9, "f1": 0.4}
    assert "demo" in out["experiments"]  # type: ignore[operator]

    with Api(mlflow_server.data_dir) as api:  # runyard's own reader sees an ordinary run
        run = api.run(str(out["run_id"]))
        assert (run.name, run.status, run.notes) == ("trial", "finished", "first try")
        assert run.params == {"lr": "0.01", "epochs": "3", "opt": "adam"}
        assert run.series("acc").steps.tolist() == [1, 2, 3, 4]
        loss = run.series("loss")
        assert loss.steps.tolist() == [0] and math.isnan(loss.values[0])  # one value per step in the series
        assert api.run(str(out["second"])).name == "trial-2"
        assert api.run(str(out["second"])).status == "failed"
    v1 = httpx.get(f"{mlflow_server.url}/api/v1/experiments/runs/{out['run_id']}").json()
    assert v1["name"] == "trial" and v1["params"]["opt"] == "adam"


def test_the_client_sees_mlflows_error_codes(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    codes = _last_json(run_mlflow_script(mlflow_python, mlflow_server.url, ERRORS).stdout)
    assert codes == {
        "changed param": "INVALID_PARAMETER_VALUE", "same param": "no error", "unknown run": "RESOURCE_DOES_NOT_EXIST",
        "taken experiment": "RESOURCE_ALREADY_EXISTS", "unknown experiment": "RESOURCE_DOES_NOT_EXIST",
        "bad filter": "INVALID_PARAMETER_VALUE", "bad key": "INVALID_PARAMETER_VALUE",
        "missing tag": "RESOURCE_DOES_NOT_EXIST",
    }


def test_an_sdk_run_reads_through_the_mlflow_client(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    store = open_store(mlflow_server.data_dir)
    try:
        project = store.get_or_create_project("from-sdk")
        run = store.create_run(project.id, name="native", params={"lr": 0.1}, tags=["baseline"])
        steps = np.arange(4, dtype=np.int64)
        store.append_metrics(run.id, {"loss": MetricColumns(steps, 1.0 / (steps + 1), 1.7e9 + steps * 1.0)})
        store.set_run_status(run.id, "finished")
    finally:
        store.close()
    script = f"""
        import json
        from mlflow import MlflowClient
        client = MlflowClient()
        run = client.get_run("{run.uid}")
        history = client.get_metric_history("{run.uid}", "loss")
        runs = client.search_runs(["{project.id}"], filter_string="params.lr = '0.1'")
        print(json.dumps({{"name": run.info.run_name, "status": run.info.status, "params": run.data.params,
                          "tags": run.data.tags, "history": [[m.step, m.value, m.timestamp] for m in history],
                          "found": [r.info.run_id for r in runs]}}))
    """
    out = _last_json(run_mlflow_script(mlflow_python, mlflow_server.url, script).stdout)
    assert (out["name"], out["status"], out["params"]) == ("native", "FINISHED", {"lr": "0.1"})
    assert out["tags"] == {"baseline": "", "mlflow.runName": "native"}
    assert out["history"] == [[i, 1.0 / (i + 1), 1_700_000_000_000 + i * 1000] for i in range(4)]
    assert out["found"] == [run.uid]
