"""Real MLflow data for the import tests, written by the real client and read back by it.

Run by the mlflow side venv's python with WORKLOAD_OUT (a JSON file to write) and
WORKLOAD_URIS (tracking URIs, one a line) in the environment. For each tracking
URI (a file store, a SQLite database, a server) it logs the same experiments and runs, then
writes what `MlflowClient` reads back (every metric point, params, tags, statuses, times,
artifact bytes as sha256) to OUT.json, keyed by URI: the import must reproduce exactly that.
With WORKLOAD_MORE=RUN_ID it logs further points to that run at the (one) URI and ends it;
with WORKLOAD_READ=1 it only reads back.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

import mlflow
from mlflow.entities import Metric, ViewType
from mlflow.tracking import MlflowClient

BIG = 26_000  # points of one key: more than one get-history page of the importer (25,000)
T0 = 1_700_000_000_000


def _float(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)  # JSON has no NaN/inf


def log(uri: str, files: Path) -> None:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    mlflow.set_experiment("exp-a")
    client.set_experiment_tag(mlflow.get_experiment_by_name("exp-a").experiment_id, "owner", "vision team")
    with mlflow.start_run(run_name="first") as run:
        mlflow.log_param("lr", "0.01")
        mlflow.log_params({"layers": 3, "optimizer": "adam"})
        mlflow.set_tags({"team": "vision", "empty": ""})
        mlflow.set_tag("mlflow.note.content", "first note")
        for value in (1.0, 2.0, 3.0):
            mlflow.log_metric("loss", value)  # no step: step 0 again and again
        mlflow.log_metric("acc", 0.5, step=1)
        mlflow.log_metric("acc", float("nan"), step=2)
        mlflow.log_metric("acc", 0.75, step=2)
        mlflow.log_metric("train/loss", 0.25, step=5)
        big = [Metric("big", 1.0 / (step + 1), T0 + step, step) for step in range(BIG)]
        for start in range(0, BIG, 1000):
            client.log_batch(run.info.run_id, metrics=big[start:start + 1000])
        mlflow.log_artifact(str(files / "weights.bin"), artifact_path="model/raw")
        mlflow.log_dict({"a": 1, "b": [1, 2]}, "config.json")
        mlflow.log_text("hello\n", "notes/readme.txt")
    experiment = mlflow.get_experiment_by_name("exp-a").experiment_id
    again = client.create_run(experiment, run_name="first")  # MLflow names need not be unique
    client.log_metric(again.info.run_id, "loss", 9.0, step=3)
    client.set_terminated(again.info.run_id, "FAILED")
    killed = client.create_run(experiment, run_name="stopped")
    client.set_terminated(killed.info.run_id, "KILLED")
    running = client.create_run(experiment, run_name="still-running")
    client.log_param(running.info.run_id, "epochs", "10")
    client.log_metric(running.info.run_id, "loss", 0.5, timestamp=T0, step=0)
    gone = client.create_run(experiment, run_name="deleted")
    client.delete_run(gone.info.run_id)
    mlflow.set_experiment("exp-b")
    with mlflow.start_run(run_name="other"):
        mlflow.log_metric("score", float("inf"), step=0)
        mlflow.log_metric("score", float("-inf"), step=1)


def more(uri: str, run_id: str) -> None:
    client = MlflowClient(uri)
    client.log_metric(run_id, "loss", 0.25, timestamp=T0 + 1, step=1)
    client.log_metric(run_id, "loss", 0.5, timestamp=T0, step=0)  # the same point again: nothing new
    client.set_terminated(run_id, "FINISHED")


def _artifacts(client: MlflowClient, run_id: str, folder: str | None = None) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in client.list_artifacts(run_id, folder):
        if item.is_dir:
            found.update(_artifacts(client, run_id, item.path))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                local = client.download_artifacts(run_id, item.path, tmp)
                found[item.path] = hashlib.sha256(Path(local).read_bytes()).hexdigest()
    return found


def read_back(uri: str) -> dict[str, object]:
    client = MlflowClient(uri)
    experiments, runs = {}, {}
    for experiment in client.search_experiments(view_type=ViewType.ACTIVE_ONLY):
        experiments[experiment.name] = {"id": experiment.experiment_id, "tags": dict(experiment.tags)}
        for run in client.search_runs([experiment.experiment_id], run_view_type=ViewType.ACTIVE_ONLY,
                                      max_results=1000):
            info = run.info
            history = {key: [[point.step, point.timestamp, _float(point.value)]
                             for point in client.get_metric_history(info.run_id, key)] for key in run.data.metrics}
            runs[info.run_id] = {
                "experiment": experiment.name, "name": info.run_name, "status": info.status,
                "start_time": info.start_time, "end_time": info.end_time, "params": run.data.params,
                "tags": run.data.tags, "latest": {key: _float(value) for key, value in run.data.metrics.items()},
                "history": history, "artifacts": _artifacts(client, info.run_id),
            }
    deleted = [run.info.run_id for run in client.search_runs(
        [e["id"] for e in experiments.values()], run_view_type=ViewType.DELETED_ONLY)]
    return {"experiments": experiments, "runs": runs, "deleted": deleted}


def main() -> None:
    out, uris = Path(os.environ["WORKLOAD_OUT"]), os.environ["WORKLOAD_URIS"].splitlines()
    if os.environ.get("WORKLOAD_READ"):  # read back only
        out.write_text(json.dumps(read_back(uris[0])))
        return
    if os.environ.get("WORKLOAD_MORE"):
        more(uris[0], os.environ["WORKLOAD_MORE"])
        out.write_text(json.dumps(read_back(uris[0])))
        return
    files = Path(tempfile.mkdtemp())
    (files / "weights.bin").write_bytes(bytes(range(256)) * 64 + os.urandom(100))
    expected = {}
    for uri in uris:
        log(uri, files)
        expected[uri] = read_back(uri)
    out.write_text(json.dumps(expected))


main()
