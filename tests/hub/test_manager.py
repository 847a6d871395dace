"""The hub manager: jobs in worker processes, stop for real, restart, save and load."""

from __future__ import annotations

from pathlib import Path

import pytest

from runyard.errors import ConflictError, InvalidInputError, NotFoundError
from runyard.hub import saved, views
from runyard.hub.errors import UntrustedModelError
from runyard.hub.manager import HubManager
from runyard.store import Store
from tests.hub.conftest import make_manager, rows

T = "default"


def wait_idle(manager: HubManager, name: str) -> dict[str, object]:
    """Block until the experiment's job has ended; its state then."""
    exp = manager.get(T, name)
    active = exp.active
    if active is not None:
        assert active.done.wait(60), "job did not end"
    return exp.state


def test_create_trains_on_queued_data_then_predicts(manager: HubManager, store: Store) -> None:
    manager.queue.publish(T, "e", [rows(5), b"not data", rows(5, start=5)])
    manager.create(T, "e", "toy", {"target": "y"}, ())
    state = wait_idle(manager, "e")
    assert state["status"] == "trained", state
    assert manager.queue.size(T, "e") == 0  # consumed; the message that is not data was dropped
    run = store.get_run_by_uid(str(state["model_run"]))
    assert run.status == "finished" and run.params["hub.rows"] == 10
    assert store.metric_summaries([run.id])[run.id]["mse"].count == 3
    assert {"model/state.json", "hub.json", "data/train.json", "plots/fit.json", "eda/hist.json"} <= {
        a.path for a in store.list_artifacts(run.id)}
    assert store.get_project(run.project_id).name == "e"
    uid = manager.predict(T, "e", None)
    assert uid != run.uid and store.get_run_by_uid(uid).status == "finished"
    assert views.figure_json(manager, T, "e", "forecast", False).startswith(b'{"data"')
    with pytest.raises(NotFoundError, match="unknown plot"):
        views.figure_json(manager, T, "e", "nope", False)


def test_no_data_fails_the_training_clearly(manager: HubManager, store: Store) -> None:
    manager.create(T, "empty", "toy", {"target": "y"}, ())
    state = wait_idle(manager, "empty")
    assert state["status"] == "failed" and "queue 'empty' is empty" in str(state["error"])
    assert store.get_run_by_uid(str(state["run"])).status == "failed"
    with pytest.raises(ConflictError, match="no trained model"):
        manager.predict(T, "empty", None)


def test_bad_type_config_name_and_duplicates(manager: HubManager) -> None:
    with pytest.raises(InvalidInputError, match="Unknown experiment type: nope"):
        manager.create(T, "x", "nope", {}, ())
    with pytest.raises(InvalidInputError, match="field 'steps'"):
        manager.create(T, "x", "toy", {"target": "y", "steps": 0}, ())
    with pytest.raises(InvalidInputError, match="reserved"):
        manager.create(T, "health", "toy", {"target": "y"}, ())
    manager.queue.publish(T, "x", [rows()])
    manager.create(T, "x", "toy", {"target": "y"}, ())
    with pytest.raises(ConflictError, match="already exists"):
        manager.create(T, "x", "toy", {"target": "y"}, ())
    with pytest.raises(NotFoundError):
        manager.get("acme", "x")  # another tenant does not see it
    wait_idle(manager, "x")


def test_stop_mid_training_kills_the_run(manager: HubManager, store: Store) -> None:
    manager.queue.publish(T, "slow", [rows()])
    manager.create(T, "slow", "toy", {"target": "y", "steps": 10_000, "sleep": 0.05}, ())
    exp = manager.get(T, "slow")
    run_uid = str(exp.state["run"])
    _wait_for_metrics(store, run_uid)  # really training
    with pytest.raises(ConflictError, match="busy"):
        manager.train(T, "slow", None)
    assert manager.stop_training(T, "slow") is True
    assert exp.active is None and exp.state["status"] == "stopped"
    run = store.get_run_by_uid(run_uid)
    assert run.status == "killed"
    assert store.metric_summaries([run.id])[run.id]["mse"].count < 10_000
    assert manager.stop_training(T, "slow") is False


def test_stop_terminates_a_type_that_ignores_stop(tmp_path: Path, store: Store) -> None:
    manager = make_manager(tmp_path / "data", store, hub_stop_grace_s=0.5)
    manager.queue.publish(T, "deaf", [rows()])
    manager.create(T, "deaf", "toy", {"target": "y", "steps": 10_000, "sleep": 0.05, "ignore_stop": True}, ())
    run_uid = str(manager.get(T, "deaf").state["run"])
    _wait_for_metrics(store, run_uid)
    assert manager.stop_training(T, "deaf") is True
    assert store.get_run_by_uid(run_uid).status == "killed"
    assert manager.get(T, "deaf").state["status"] == "stopped"


def _wait_for_metrics(store: Store, run_uid: str) -> None:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = store.get_run_by_uid(run_uid)
        if store.metric_summaries([run.id]).get(run.id):
            return
        time.sleep(0.05)
    raise AssertionError("training never reported a metric")


def test_restart_recovers_experiments_and_marks_cut_jobs(tmp_path: Path, store: Store) -> None:
    first = make_manager(tmp_path / "data", store)
    first.queue.publish(T, "keep", [rows()])
    first.create(T, "keep", "toy", {"target": "y"}, ())
    wait_idle(first, "keep")
    saved.save(first, T, "keep")
    # A server that died mid-training: its record still says training, its run still runs.
    project = store.get_project_by_name("keep")
    cut = store.create_run(project.id, pid=0)
    state = {**first.get(T, "keep").state, "status": "training", "job": "retrain", "run": cut.uid}
    store.hub_update_experiment("keep", tenant=T, state=state)

    second = make_manager(tmp_path / "data", store)
    exp = second.get(T, "keep")
    assert exp.state["status"] == "failed" and "runyard stopped during the retrain" in str(exp.state["error"])
    assert store.get_run_by_uid(cut.uid).status == "crashed"
    assert exp.config["target"] == "y"
    # Still usable: the model run survived, and load restores the saved one.
    assert saved.load(second, T, "keep", None, ()) == exp.state["saved_run"]
    assert exp.state["status"] == "trained"
    second.predict(T, "keep", None)
    assert views.train_data(second, T, "keep").startswith(b'[{"y":0.0}')


def test_load_a_run_into_a_new_experiment_and_retrain(manager: HubManager, store: Store) -> None:
    manager.queue.publish(T, "src", [rows(4)])
    manager.create(T, "src", "toy", {"target": "y", "horizon": 2}, ())
    uid = str(wait_idle(manager, "src")["model_run"])
    run_id = str(store.get_run_by_uid(uid).id)
    assert saved.load(manager, T, "copy", run_id, ()) == uid
    copy = manager.get(T, "copy")
    assert copy.config["horizon"] == 2 and copy.state["model_run"] == uid
    assert views.train_data(manager, T, "copy") == views.train_data(manager, T, "src")
    manager.queue.publish(T, "copy", [rows(3, start=100)])
    manager.retrain(T, "copy")
    state = wait_idle(manager, "copy")
    assert state["status"] == "trained"
    assert store.get_run_by_uid(str(state["model_run"])).params["hub.rows"] == 7  # 4 kept + 3 new
    with pytest.raises(NotFoundError):
        saved.load(manager, T, "copy", "run-unknown", ())
    with pytest.raises(UntrustedModelError, match="not made by the hub"):
        saved.load(manager, T, "copy", str(store.create_run(store.get_or_create_project("p").id).id), ())


def test_delete_stops_and_forgets(manager: HubManager, store: Store) -> None:
    manager.queue.publish(T, "gone", [rows()])
    manager.create(T, "gone", "toy", {"target": "y", "steps": 10_000, "sleep": 0.05}, ())
    run_uid = str(manager.get(T, "gone").state["run"])
    manager.delete(T, "gone")
    with pytest.raises(NotFoundError):
        manager.get(T, "gone")
    with pytest.raises(NotFoundError):
        store.hub_get_experiment("gone", tenant=T)
    assert store.get_run_by_uid(run_uid).status == "killed"  # the run stays, ended
    assert not manager.workspace.folder(T, "gone").exists()


def test_a_folder_of_the_per_name_layout_moves_to_its_tenant(tmp_path: Path, store: Store) -> None:
    from runyard.hub import records

    store.hub_create_experiment("old", tenant="acme", type="toy", config={"target": "y"},
                                state={"status": "trained"})
    legacy = tmp_path / "data" / "hub" / "old" / "data.json"
    legacy.parent.mkdir(parents=True)
    records.write_frame(records.decode(rows(3)), legacy)
    manager = make_manager(tmp_path / "data", store)
    assert not legacy.exists() and manager.workspace.data_path("acme", "old").is_file()
    assert views.train_data(manager, "acme", "old").startswith(b'[{"y":0.0}')
