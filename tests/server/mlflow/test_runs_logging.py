"""MLflow runs and logging in process: create/get/update/delete/restore, metrics with history, params, tags, limits."""

from __future__ import annotations

import math

import httpx
import pytest

from runyard.store import RunQuery, Store
from tests.server.mlflow.helpers import error_code, get, new_experiment, new_run, post

pytestmark = pytest.mark.anyio
T0 = 1_700_000_000_000


async def test_a_run_is_a_runyard_run_named_by_mlflow(client: httpx.AsyncClient, store: Store) -> None:
    ref = await new_experiment(client)
    tags = [{"key": "mlflow.user", "value": "ann"}, {"key": "mlflow.source.name", "value": "train.py"}]
    first = await new_run(client, ref, run_name="trial", tags=tags)
    second = await new_run(client, ref, run_name="trial")
    info = first["info"]
    assert (info["run_name"], info["status"], info["user_id"], info["start_time"]) == ("trial", "RUNNING", "ann", T0)
    assert info["artifact_uri"] == f"mlflow-artifacts:/{ref}/{info['run_id']}/artifacts"
    assert {"key": "mlflow.source.name", "value": "train.py"} in first["data"]["tags"]
    assert second["info"]["run_name"] == "trial"  # MLflow names need not be unique...
    runyard_runs = {r.uid: r for r in (store.get_run_by_uid(info["run_id"]), store.get_run_by_uid(second["info"]["run_id"]))}
    assert sorted(r.name for r in runyard_runs.values()) == ["trial", "trial-2"]  # ...runyard's are
    assert store.get_run_by_uid(info["run_id"]).start_time == T0 / 1000
    unnamed = await new_run(client, ref)
    assert unnamed["info"]["run_name"] == store.get_run_by_uid(unnamed["info"]["run_id"]).name
    assert error_code(await post(client, "runs/create", {"experiment_id": "987654"}, 404)) == "RESOURCE_DOES_NOT_EXIST"


async def test_update_statuses_end_time_and_name(client: httpx.AsyncClient, store: Store) -> None:
    run_id = (await new_run(client, await new_experiment(client), run_name="a"))["info"]["run_id"]
    done = await post(client, "runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": T0 + 5000,
                                              "run_name": "b"})
    assert (done["run_info"]["status"], done["run_info"]["end_time"], done["run_info"]["run_name"]) == \
        ("FINISHED", T0 + 5000, "b")
    run = store.get_run_by_uid(run_id)
    assert (run.status, run.end_time, run.name) == ("finished", (T0 + 5000) / 1000, "b")
    store.set_run_status(run.id, "crashed")
    assert (await get(client, "runs/get", {"run_id": run_id}))["run"]["info"]["status"] == "FAILED"
    assert error_code(await post(client, "runs/update", {"run_id": run_id, "status": "BOGUS"}, 400)) == \
        "INVALID_PARAMETER_VALUE"
    assert error_code(await get(client, "runs/get", {"run_id": "f" * 32}, 404)) == "RESOURCE_DOES_NOT_EXIST"


async def test_metrics_keep_every_point_in_history_and_the_last_per_step_in_the_series(
        client: httpx.AsyncClient, store: Store) -> None:
    run_id = (await new_run(client, await new_experiment(client)))["info"]["run_id"]
    for value, when in ((1.0, T0), (2.0, T0 + 1), ("NaN", T0 + 2)):  # log_metric without a step: step 0 again
        await post(client, "runs/log-metric", {"run_id": run_id, "key": "loss", "value": value, "timestamp": when})
    retried = {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": T0 + 3, "step": 1}
    await post(client, "runs/log-metric", retried)
    await post(client, "runs/log-metric", retried)  # a retried request does not duplicate
    history = (await get(client, "metrics/get-history", {"run_id": run_id, "metric_key": "loss"}))["metrics"]
    assert [(m["step"], m["value"], m["timestamp"]) for m in history] == [
        (0, 1.0, T0), (0, 2.0, T0 + 1), (0, "NaN", T0 + 2), (1, 0.5, T0 + 3)]
    series = store.read_metric(store.get_run_by_uid(run_id).id, "loss")
    assert series.steps.tolist() == [0, 1] and math.isnan(series.values[0])
    latest = (await get(client, "runs/get", {"run_id": run_id}))["run"]["data"]["metrics"]
    assert latest == [{"key": "loss", "value": 0.5, "timestamp": T0 + 3, "step": 1}]
    await post(client, "runs/log-metric", {"run_id": run_id, "key": "inf", "value": "-Infinity", "timestamp": T0})
    assert (await get(client, "metrics/get-history", {"run_id": run_id, "metric_key": "inf"}))["metrics"][0]["value"] \
        == "-Infinity"
    assert (await get(client, "metrics/get-history", {"run_id": run_id, "metric_key": "never"}))["metrics"] == []


async def test_history_pages_and_bulk_interval_samples(client: httpx.AsyncClient) -> None:
    ref = await new_experiment(client)
    run_ids = [(await new_run(client, ref))["info"]["run_id"] for _ in range(2)]
    for run_id in run_ids:
        metrics = [{"key": "acc", "value": i / 100, "timestamp": T0 + i, "step": i} for i in range(100)]
        await post(client, "runs/log-batch", {"run_id": run_id, "metrics": metrics})
    first = await get(client, "metrics/get-history", {"run_id": run_ids[0], "metric_key": "acc", "max_results": 60})
    rest = await get(client, "metrics/get-history", {"run_id": run_ids[0], "metric_key": "acc", "max_results": 60,
                                                      "page_token": first["next_page_token"]})
    assert [m["step"] for m in first["metrics"] + rest["metrics"]] == list(range(100)) and "next_page_token" not in rest
    bulk = await get(client, "metrics/get-history-bulk-interval", {"run_ids": run_ids, "metric_key": "acc",
                                                                  "start_step": 10, "end_step": 50, "max_results": 5})
    for run_id in run_ids:
        steps = [m["step"] for m in bulk["metrics"] if m["run_id"] == run_id]
        assert steps == [10, 20, 30, 40, 50]
    assert error_code(await get(client, "metrics/get-history-bulk-interval", {"metric_key": "acc"}, 400)) == \
        "INVALID_PARAMETER_VALUE"


async def test_params_are_fixed_strings_and_a_refused_batch_writes_nothing(client: httpx.AsyncClient,
                                                                           store: Store) -> None:
    run_id = (await new_run(client, await new_experiment(client)))["info"]["run_id"]
    await post(client, "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})
    await post(client, "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})  # same value: fine
    changed = await post(client, "runs/log-batch", {
        "run_id": run_id, "params": [{"key": "lr", "value": "0.2"}, {"key": "bs", "value": "8"}],
        "metrics": [{"key": "m", "value": 1, "timestamp": T0, "step": 0}], "tags": [{"key": "t", "value": "v"}]}, 400)
    assert error_code(changed) == "INVALID_PARAMETER_VALUE"
    run = (await get(client, "runs/get", {"run_id": run_id}))["run"]
    assert run["data"]["params"] == [{"key": "lr", "value": "0.1"}] and run["data"]["metrics"] == []
    assert "t" not in {t["key"] for t in run["data"]["tags"]}
    dupes = await post(client, "runs/log-batch", {"run_id": run_id, "params": [{"key": "a", "value": "1"},
                                                                               {"key": "a", "value": "2"}]}, 400)
    assert "Duplicate parameter keys" in dupes["message"]
    for bad in ("../x", "a\tb", "/abs"):
        answer = await post(client, "runs/log-parameter", {"run_id": run_id, "key": bad, "value": "1"}, 400)
        assert error_code(answer) == "INVALID_PARAMETER_VALUE"
    too_long = await post(client, "runs/log-parameter", {"run_id": run_id, "key": "big", "value": "x" * 6001}, 400)
    assert error_code(too_long) == "INVALID_PARAMETER_VALUE"
    assert store.get_run_by_uid(run_id).params == {"lr": "0.1"}


async def test_log_batch_limits_are_mlflows(client: httpx.AsyncClient) -> None:
    run_id = (await new_run(client, await new_experiment(client)))["info"]["run_id"]
    metric = {"key": "m", "value": 1, "timestamp": T0, "step": 0}
    for body in ({"metrics": [metric] * 1001}, {"params": [{"key": f"p{i}", "value": "1"} for i in range(101)]},
                 {"tags": [{"key": f"t{i}", "value": "1"} for i in range(101)]}):
        answer = await post(client, "runs/log-batch", {"run_id": run_id, **body}, 400)
        assert error_code(answer) == "INVALID_PARAMETER_VALUE" and "at most" in answer["message"]
    await post(client, "runs/log-batch", {"run_id": run_id, "metrics": [metric] * 1000})


async def test_tags_map_onto_notes_list_tags_and_key_values(client: httpx.AsyncClient, store: Store) -> None:
    run_id = (await new_run(client, await new_experiment(client), run_name="r"))["info"]["run_id"]
    for key, value in (("mlflow.note.content", "my notes"), ("flag", ""), ("team", "vision"), ("mlflow.runName", "new")):
        await post(client, "runs/set-tag", {"run_id": run_id, "key": key, "value": value})
    run = store.get_run_by_uid(run_id)
    assert (run.notes, run.tags, run.name) == ("my notes", ["flag"], "new")
    assert store.run_tag_values([run.id])[run.id]["team"] == "vision"
    shown = {t["key"]: t["value"] for t in (await get(client, "runs/get", {"run_id": run_id}))["run"]["data"]["tags"]}
    assert shown["mlflow.note.content"] == "my notes" and shown["flag"] == "" and shown["mlflow.runName"] == "new"
    for key in ("mlflow.note.content", "flag", "team"):
        await post(client, "runs/delete-tag", {"run_id": run_id, "key": key})
    run = store.get_run_by_uid(run_id)
    assert (run.notes, run.tags, store.run_tag_values([run.id])[run.id].get("team")) == ("", [], None)
    assert error_code(await post(client, "runs/delete-tag", {"run_id": run_id, "key": "team"}, 404)) == \
        "RESOURCE_DOES_NOT_EXIST"


async def test_delete_is_soft_and_refuses_logging_until_restored(client: httpx.AsyncClient, store: Store) -> None:
    run_id = (await new_run(client, await new_experiment(client)))["info"]["run_id"]
    await post(client, "runs/delete", {"run_id": run_id})
    assert (await get(client, "runs/get", {"run_id": run_id}))["run"]["info"]["lifecycle_stage"] == "deleted"
    refused = await post(client, "runs/log-parameter", {"run_id": run_id, "key": "a", "value": "1"}, 400)
    assert error_code(refused) == "INVALID_PARAMETER_VALUE"
    assert store.get_run_by_uid(run_id).params == {}  # still a runyard run, nothing written
    await post(client, "runs/restore", {"run_id": run_id})
    await post(client, "runs/log-parameter", {"run_id": run_id, "key": "a", "value": "1"})
    assert (await get(client, "runs/get", {"run_id": run_id}))["run"]["info"]["lifecycle_stage"] == "active"


async def test_a_name_reused_by_a_sweep_stays_cheap_and_unique(client: httpx.AsyncClient, store: Store) -> None:
    ref = await new_experiment(client)
    made = [(await new_run(client, ref, run_name="sweep"))["info"] for _ in range(55)]
    assert {info["run_name"] for info in made} == {"sweep"}
    names = [store.get_run_by_uid(info["run_id"]).name for info in made]
    assert len(set(names)) == 55 and names[:3] == ["sweep", "sweep-2", "sweep-3"]
    assert all(name.startswith("sweep-") and len(name) == len("sweep-") + 8 for name in names[50:])


async def test_a_refused_create_leaves_no_run(client: httpx.AsyncClient, store: Store) -> None:
    ref = await new_experiment(client)
    for tags in ([{"key": "mlflow.note.content", "value": "x" * 8001}], [{"key": "../escape", "value": "v"}]):
        answer = await post(client, "runs/create", {"experiment_id": ref, "run_name": "r", "tags": tags}, 400)
        assert error_code(answer) == "INVALID_PARAMETER_VALUE"
    assert store.search_runs(RunQuery(project_ids=(int(ref),))) == []
