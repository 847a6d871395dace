"""The real mlflow 3.18 client's artifacts, logged models, autolog and system metrics against a real `runyard serve`.

Each script is ordinary client code; it prints one `RESULT <json>` line of what the client read
back, and the test also reads the same data through runyard's own store and routes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from runyard.store import open_store
from tests.live_server import LiveServer
from tests.server.mlflow.conftest import run_mlflow_script

PREAMBLE = """
import json, os, tempfile, time
import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient

def result(**values):
    print("RESULT " + json.dumps(values, default=str))
"""


def _result(python: Path, server: LiveServer, code: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = run_mlflow_script(python, server.url, PREAMBLE + code, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-3000:] + done.stderr[-3000:]
    found: dict[str, Any] = json.loads(lines[-1][len("RESULT "):])
    return found


def test_artifacts_tables_images_and_a_pyfunc_model_round_trip(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    got = _result(mlflow_python, mlflow_server, """
mlflow.set_experiment("artifacts-demo")
folder = tempfile.mkdtemp()
with open(os.path.join(folder, "notes.txt"), "w") as out:
    out.write("hi")
os.makedirs(os.path.join(folder, "many", "sub"))
for name, text in (("a.txt", "a"), ("sub/b.txt", "bb")):
    with open(os.path.join(folder, "many", name), "w") as out:
        out.write(text)

class AddOne(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input["x"] + 1

with mlflow.start_run() as run:
    mlflow.log_artifact(os.path.join(folder, "notes.txt"))
    mlflow.log_artifacts(os.path.join(folder, "many"), artifact_path="many")
    mlflow.log_dict({"lr": 0.1}, "cfg/config.json")
    mlflow.log_table({"x": [1, 2], "y": ["a", "b"]}, "tables/t.json")
    mlflow.log_table({"x": [3], "y": ["c"]}, "tables/t.json")  # appends to the same table
    mlflow.log_image(np.zeros((4, 4, 3), dtype=np.uint8), key="sample", step=1)
    info = mlflow.pyfunc.log_model(name="model", python_model=AddOne())
run_id = run.info.run_id
client = MlflowClient()
by_id = mlflow.pyfunc.load_model(info.model_uri).predict(pd.DataFrame({"x": [1, 2]}))
by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model").predict(pd.DataFrame({"x": [5]}))
target = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="many", dst_path=tempfile.mkdtemp())
model = mlflow.get_logged_model(info.model_id)
result(
    run_id=run_id, model_id=info.model_id, experiment_id=run.info.experiment_id,
    predicted=[int(v) for v in by_id], predicted_by_run=[int(v) for v in by_run],
    root=[(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run_id)],
    many=[(f.path, f.is_dir) for f in client.list_artifacts(run_id, "many")],
    images=[f.path for f in client.list_artifacts(run_id, "images")],
    downloaded=sorted(os.path.relpath(os.path.join(r, f), target) for r, _, fs in os.walk(target) for f in fs),
    config=mlflow.artifacts.load_dict(f"runs:/{run_id}/cfg/config.json"),
    table=mlflow.load_table("tables/t.json", run_ids=[run_id]).to_dict(orient="list"),
    model_status=model.status.name, model_source=model.source_run_id,
    model_files=sorted(f.path for f in client.list_logged_model_artifacts(info.model_id)),
    outputs=[(o.model_id, o.step) for o in client.get_run(run_id).outputs.model_outputs],
    found=[m.model_id for m in mlflow.search_logged_models(filter_string="name = 'model'", output_format="list")],
)
""")
    run_id, model_id = got["run_id"], got["model_id"]
    assert got["predicted"] == [2, 3] and got["predicted_by_run"] == [6]
    assert got["root"] == [["cfg", True, None], ["images", True, None], ["many", True, None], ["notes.txt", False, 2],
                           ["tables", True, None]]
    assert got["many"] == [["many/a.txt", False], ["many/sub", True]]
    assert got["downloaded"] == ["a.txt", "sub/b.txt"] and got["config"] == {"lr": 0.1}
    assert got["table"] == {"x": [1, 2, 3], "y": ["a", "b", "c"]}
    assert len(got["images"]) == 2 and all(name.startswith("images/sample") for name in got["images"])
    assert (got["model_status"], got["model_source"]) == ("READY", run_id)
    assert {"MLmodel", "python_model.pkl", "requirements.txt"} <= set(got["model_files"])
    assert got["outputs"] == [[model_id, 0]] and model_id in got["found"]
    with open_store(mlflow_server.data_dir, create=False) as store:  # runyard's own view of the same data
        run = store.get_run_by_uid(run_id)
        paths = {item.path for item in store.list_artifacts(run.id)}
        assert {"notes.txt", "many/a.txt", "many/sub/b.txt", "cfg/config.json", "tables/t.json"} <= paths
        assert store.get_logged_model(model_id).status == "ready"
        assert "MLmodel" in {f.path for f in store.logged_model_files(model_id)}
    own_route = httpx.get(f"{mlflow_server.url}/web/api/runs/{run.id}/artifacts/notes.txt", timeout=30)
    assert own_route.status_code == 200 and own_route.content == b"hi"


def test_sklearn_autolog_without_a_run_logs_model_inputs_and_artifacts(
        mlflow_python: Path, mlflow_server: LiveServer) -> None:
    got = _result(mlflow_python, mlflow_server, """
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment("autolog-demo")
mlflow.sklearn.autolog()
X, y = load_iris(return_X_y=True, as_frame=True)
LogisticRegression(max_iter=300).fit(X, y)
run = mlflow.last_active_run()
fetched = mlflow.get_run(run.info.run_id)
models = mlflow.search_logged_models(output_format="list")
loaded = mlflow.sklearn.load_model(models[0].model_uri)
result(
    run_id=run.info.run_id, status=fetched.info.status, params=sorted(fetched.data.params),
    metrics=sorted(fetched.data.metrics),
    datasets=[(d.dataset.name, d.dataset.source_type, [t.value for t in d.tags]) for d in fetched.inputs.dataset_inputs],
    outputs=[o.model_id for o in fetched.outputs.model_outputs],
    artifacts=[f.path for f in MlflowClient().list_artifacts(run.info.run_id)],
    models=[(m.model_id, m.name, m.status.name, m.source_run_id) for m in models],
    predicted=[int(v) for v in loaded.predict(X.iloc[:2])],
)
""")
    assert got["status"] == "FINISHED" and "C" in got["params"] and "training_accuracy_score" in got["metrics"]
    [(model_id, name, status, source)] = got["models"]
    assert (name, status, source) == ("model", "READY", got["run_id"])
    assert got["outputs"] == [model_id] and got["predicted"] == [0, 0]
    assert got["datasets"] and got["datasets"][0][2] == ["train"]
    assert "estimator.html" in got["artifacts"]


def test_system_metrics_are_logged_beside_the_runs_metrics(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    got = _result(mlflow_python, mlflow_server, """
mlflow.set_experiment("system-demo")
mlflow.set_system_metrics_sampling_interval(0.2)
mlflow.set_system_metrics_samples_before_logging(1)
with mlflow.start_run(log_system_metrics=True) as run:
    mlflow.log_metric("loss", 0.5)
    time.sleep(1.5)
fetched = mlflow.get_run(run.info.run_id)
history = MlflowClient().get_metric_history(run.info.run_id, "system/cpu_utilization_percentage")
result(run_id=run.info.run_id, metrics=sorted(fetched.data.metrics), cpu_points=len(history))
""")
    system = [key for key in got["metrics"] if key.startswith("system/")]
    assert "system/cpu_utilization_percentage" in system and "system/system_memory_usage_megabytes" in system
    assert "loss" in got["metrics"] and got["cpu_points"] >= 2
    with open_store(mlflow_server.data_dir, create=False) as store:
        run = store.get_run_by_uid(got["run_id"])
        assert "system/cpu_utilization_percentage" in store.metric_summaries([run.id])[run.id]


def test_the_client_gets_mlflow_error_codes(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    got = _result(mlflow_python, mlflow_server, """
from mlflow.exceptions import MlflowException
mlflow.set_experiment("artifact-errors")
with mlflow.start_run() as run:
    pass
client = MlflowClient()
codes = {}
for what, call in [
    ("download", lambda: mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="nope.txt",
                                                             dst_path=tempfile.mkdtemp())),
    ("model", lambda: mlflow.get_logged_model("m-" + "0" * 32)),
    ("filter", lambda: mlflow.search_logged_models(filter_string="name = 3", output_format="list")),
    ("list", lambda: client.list_artifacts("f" * 32)),
    ("outputs", lambda: client.log_outputs(run.info.run_id, [mlflow.entities.LoggedModelOutput("m-" + "1" * 32, 0)])),
]:
    try:
        call()
        codes[what] = "no error"
    except MlflowException as exc:
        codes[what] = exc.error_code
result(codes=codes)
""")
    assert got["codes"] == {"download": "RESOURCE_DOES_NOT_EXIST", "model": "RESOURCE_DOES_NOT_EXIST",
                            "filter": "INVALID_PARAMETER_VALUE", "list": "RESOURCE_DOES_NOT_EXIST",
                            "outputs": "RESOURCE_DOES_NOT_EXIST"}


def test_artifacts_and_models_under_tokens_stay_with_their_tenant(
        mlflow_python: Path, auth_server: tuple[LiveServer, str, str]) -> None:
    server, acme, globex = auth_server
    owned = _result(mlflow_python, server, """
mlflow.set_experiment("tenant-artifacts")
folder = tempfile.mkdtemp()
with open(os.path.join(folder, "secret.txt"), "w") as out:
    out.write("acme only")

class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input["x"]

with mlflow.start_run() as run:
    mlflow.log_artifact(os.path.join(folder, "secret.txt"))
    info = mlflow.pyfunc.log_model(name="model", python_model=Echo())
predicted = mlflow.pyfunc.load_model(info.model_uri).predict(pd.DataFrame({"x": [7]}))
result(run_id=run.info.run_id, model_id=info.model_id, experiment_id=run.info.experiment_id,
       predicted=[int(v) for v in predicted])
""", env={"MLFLOW_TRACKING_TOKEN": acme})
    assert owned["predicted"] == [7]
    intruder = _result(mlflow_python, server, f"""
import requests
from mlflow.exceptions import MlflowException
codes = {{}}
for what, call in [
    ("artifact", lambda: mlflow.artifacts.download_artifacts(
        artifact_uri="mlflow-artifacts:/{owned['experiment_id']}/{owned['run_id']}/artifacts/secret.txt",
        dst_path=tempfile.mkdtemp())),
    ("model", lambda: mlflow.get_logged_model("{owned['model_id']}")),
    ("search", lambda: mlflow.search_logged_models(experiment_ids=["{owned['experiment_id']}"], output_format="list")),
]:
    try:
        call()
        codes[what] = "no error"
    except MlflowException as exc:
        codes[what] = exc.error_code
    except requests.HTTPError as exc:  # the artifact repository raises the HTTP error itself
        codes[what] = exc.response.json()["error_code"]
result(codes=codes)
""", env={"MLFLOW_TRACKING_TOKEN": globex})
    assert intruder["codes"] == {"artifact": "RESOURCE_DOES_NOT_EXIST", "model": "RESOURCE_DOES_NOT_EXIST",
                                 "search": "RESOURCE_DOES_NOT_EXIST"}
