"""The real `mlflow` client's MlflowClient calls against `runyard serve`: paging, deletes, renames, tags, tokens."""

from __future__ import annotations

import json
from pathlib import Path

from tests.live_server import LiveServer
from tests.server.mlflow.conftest import run_mlflow_script

CALLS = """
    import json, time
    from mlflow import MlflowClient
    from mlflow.entities import Metric, ViewType

    client = MlflowClient()
    experiment = client.create_experiment("calls", tags={"owner": "ann"})
    client.set_experiment_tag(experiment, "stage", "dev")
    runs = [client.create_run(experiment, run_name=f"r{i}") for i in range(5)]
    run_id = runs[0].info.run_id
    now = int(time.time() * 1000)
    for start in range(0, 26_000, 1000):  # 26 log_batch calls of MLflow's maximum size
        client.log_batch(run_id, metrics=[Metric("loss", 1.0 / (i + 1), now + i, i) for i in range(start, start + 1000)])
    history = client.get_metric_history(run_id, "loss")  # more than one 25,000-point page
    pages, token = [], None
    while True:
        page = client.search_runs([experiment], max_results=2, page_token=token, order_by=["attributes.run_name ASC"])
        pages.append([r.info.run_name for r in page])
        token = page.token
        if not token:
            break
    client.update_run(runs[1].info.run_id, name="renamed")
    client.delete_run(runs[2].info.run_id)
    active = [r.info.run_name for r in client.search_runs([experiment], order_by=["attributes.run_name ASC"])]
    deleted = [r.info.run_name for r in client.search_runs([experiment], run_view_type=ViewType.DELETED_ONLY)]
    client.restore_run(runs[2].info.run_id)
    restored = client.get_run(runs[2].info.run_id).info.lifecycle_stage
    found = client.search_experiments(filter_string="tags.stage = 'dev'")
    client.set_terminated(run_id, "KILLED")
    print(json.dumps({
        "points": len(history), "first": [history[0].step, history[0].value], "last": history[-1].step,
        "pages": pages, "active": active, "deleted": deleted, "restored": restored,
        "experiments": [(e.name, e.tags) for e in found], "status": client.get_run(run_id).info.status,
    }))
"""


def _answer(stdout: str) -> dict[str, object]:
    found: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return found


def test_mlflow_client_calls(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    out = _answer(run_mlflow_script(mlflow_python, mlflow_server.url, CALLS).stdout)
    assert (out["points"], out["first"], out["last"]) == (26_000, [0, 1.0], 25_999)
    assert out["pages"] == [["r0", "r1"], ["r2", "r3"], ["r4"]]
    assert out["active"] == ["r0", "r3", "r4", "renamed"]
    assert (out["deleted"], out["restored"]) == (["r2"], "active")
    assert out["experiments"] == [["calls", {"owner": "ann", "stage": "dev"}]]
    assert out["status"] == "KILLED"


TENANT = """
    import json, os, mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    client = MlflowClient()
    result = {}
    try:
        if os.environ.get("LOG"):
            mlflow.set_experiment("private")
            with mlflow.start_run() as run:
                mlflow.log_metric("m", 1.0)
            result["run_id"] = run.info.run_id
        else:
            result["experiments"] = [e.name for e in client.search_experiments()]
            client.get_run(os.environ["READ"])
    except MlflowException as exc:
        result["error"] = exc.error_code
    print(json.dumps(result))
"""


def test_tokens_and_tenants(mlflow_python: Path, auth_server: tuple[LiveServer, str, str]) -> None:
    server, acme, globex = auth_server
    logged = _answer(run_mlflow_script(mlflow_python, server.url, TENANT,
                                       env={"MLFLOW_TRACKING_TOKEN": acme, "LOG": "1"}).stdout)
    run_id = str(logged["run_id"])
    other = _answer(run_mlflow_script(mlflow_python, server.url, TENANT,
                                      env={"MLFLOW_TRACKING_TOKEN": globex, "READ": run_id}).stdout)
    assert other == {"experiments": ["Default"], "error": "RESOURCE_DOES_NOT_EXIST"}  # another tenant's run is missing
    anonymous = _answer(run_mlflow_script(mlflow_python, server.url, TENANT, env={"READ": run_id}).stdout)
    assert anonymous == {"error": "UNAUTHENTICATED"}
