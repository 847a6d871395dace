"""`runyard import mlflow` from real MLflow data: a file store, a SQLite database, a real `mlflow server`.

What the real client reads back from each source (conftest.py) must arrive exactly: every
metric point (step 0 logged again and again, NaN, infinities, 26,000 points of one key),
params, tags, notes, statuses, times and artifact bytes; and a second import adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.errors import NotFoundError
from runyard.server.mlflow.tags import mlflow_tags
from runyard.store import Store, open_store
from tests.importers.mlflow.conftest import MlflowData, run_workload
from tests.live_server import LiveServer

STATUS = {"RUNNING": "running", "FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}


def import_mlflow(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--dir", str(data_dir), "import", "mlflow", *args])


def _value(raw: float | str) -> str:
    return repr(float(raw))  # "nan", "inf", "-inf" compare as text


def check_imported(store: Store, expected: dict[str, Any]) -> None:
    """Everything the real client read from the source is in the store, exactly."""
    for name, experiment in expected["experiments"].items():
        project = store.get_project_by_name(name)
        assert store.project_tag_values([project.id])[project.id] == experiment["tags"]
    names: dict[str, list[str]] = {}
    for run_id, want in expected["runs"].items():
        run = store.get_run_by_uid(run_id)
        assert store.get_project(run.project_id).name == want["experiment"]
        names.setdefault(want["experiment"], []).append(run.name)
        assert run.status == STATUS[want["status"]]
        assert run.start_time == want["start_time"] / 1000
        assert run.end_time == (None if want["end_time"] is None else want["end_time"] / 1000)
        assert run.params == want["params"]
        assert mlflow_tags(run, store.run_tag_values([run.id])[run.id]) == want["tags"]  # what MLflow shows
        assert run.notes == want["tags"].get("mlflow.note.content", "")
        assert run.tags == [key for key, value in want["tags"].items() if value == ""]  # empty value: a list tag
        for key, points in want["history"].items():
            got = store.read_metric_history(run.id, key)
            assert sorted(zip(got.steps.tolist(), (got.times * 1000).round().astype(int).tolist(),
                              map(_value, got.values.tolist()), strict=True)) == \
                sorted({(step, stamp, _value(value)) for step, stamp, value in points})  # identical points: once
            series = store.read_metric(run.id, key)  # what every other dialect reads: one value per step
            assert sorted(set(series.steps.tolist())) == sorted({step for step, _t, _v in points})
            assert _value(series.values[-1]) == _value(want["latest"][key])  # MLflow's latest value
        artifacts = {artifact.path: hashlib.sha256(store.read_artifact(run.id, artifact.path)).hexdigest()
                     for artifact in store.list_artifacts(run.id)}
        assert artifacts == want["artifacts"]
    assert sorted(names["exp-a"]) == ["first", "first-2", "still-running", "stopped"]  # unique in runyard
    for run_id in expected["deleted"]:
        with pytest.raises(NotFoundError):
            store.get_run_by_uid(run_id)


@pytest.mark.parametrize("kind", ["files", "database", "server"])
def test_import_arrives_exactly_and_twice_adds_nothing(mlflow_data: MlflowData, tmp_path: Path, kind: str) -> None:
    source = mlflow_data.source(kind)
    expected = mlflow_data.expected[source]
    assert len(expected["runs"]) == 5 and len(expected["deleted"]) == 1
    assert [p[2] for p in next(r for r in expected["runs"].values() if r["name"] == "first"
                               and r["status"] == "FINISHED")["history"]["loss"]] == [1.0, 2.0, 3.0]

    first = import_mlflow(tmp_path, source)
    assert first.exit_code == 0, first.output
    assert "5 new runs" in first.stdout and "26,011 new metric points" in first.stdout
    with open_store(tmp_path) as store:
        check_imported(store, expected)
        runs_before = store.count_runs(store_query(store))

    second = import_mlflow(tmp_path, source)
    assert second.exit_code == 0, second.output
    assert "0 new runs, 5 already there" in second.stdout
    assert "0 new metric points, 0 artifact files" in second.stdout
    with open_store(tmp_path) as store:
        check_imported(store, expected)
        assert store.count_runs(store_query(store)) == runs_before == 5 + 0


def store_query(store: Store) -> Any:
    from runyard.store import RunQuery

    return RunQuery(project_ids=tuple(project.id for project in store.list_projects()))


def test_database_of_a_server_with_its_artifacts_folder(mlflow_data: MlflowData, tmp_path: Path) -> None:
    """The server's own database: runs point at `mlflow-artifacts:` URIs, found under --artifacts."""
    expected = mlflow_data.expected[mlflow_data.server.url]
    without = import_mlflow(tmp_path / "a", str(mlflow_data.server.db))
    assert without.exit_code == 0, without.output
    assert "artifacts of 5 runs were not copied" in without.stderr and "--artifacts" in without.stderr
    done = import_mlflow(tmp_path / "b", str(mlflow_data.server.db), "--artifacts", str(mlflow_data.server.artifacts))
    assert done.exit_code == 0, done.output
    with open_store(tmp_path / "b") as store:
        check_imported(store, expected)


def test_only_the_named_experiment(mlflow_data: MlflowData, tmp_path: Path) -> None:
    done = import_mlflow(tmp_path, mlflow_data.source("files"), "--experiment", "exp-b")
    assert done.exit_code == 0, done.output
    with open_store(tmp_path) as store:
        assert [project.name for project in store.list_projects()] == ["exp-b"]
        assert store.count_runs(store_query(store)) == 1
    missing = import_mlflow(tmp_path, mlflow_data.source("files"), "--experiment", "nope")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("runyard: error: no active experiment named 'nope'")


def test_into_a_tenant_whose_run_ids_stay_its_own(mlflow_data: MlflowData, tmp_path: Path) -> None:
    done = import_mlflow(tmp_path, mlflow_data.source("files"), "--tenant", "lab")
    assert done.exit_code == 0, done.output
    with open_store(tmp_path) as store:
        assert sorted(project.name for project in store.list_projects(tenant="lab")) == ["Default", "exp-a", "exp-b"]
        assert store.list_projects() == []  # nothing in the default tenant
    clash = import_mlflow(tmp_path, mlflow_data.source("files"))
    assert clash.exit_code == 1
    assert clash.stderr.startswith("runyard: error: run id ") and "taken by a run of another tenant" in clash.stderr


def test_a_later_import_brings_runs_up_to_date(mlflow_data: MlflowData, tmp_path: Path) -> None:
    """New points of a run still running at the first import arrive at the next, the ones held stay single."""
    copy = tmp_path / "mlruns"
    shutil.copytree(mlflow_data.file_store, copy)
    running = next(run_id for run_id, run in mlflow_data.expected[str(mlflow_data.file_store)]["runs"].items()
                   if run["status"] == "RUNNING")
    assert import_mlflow(tmp_path / "data", str(copy)).exit_code == 0
    out = tmp_path / "after.json"
    run_workload(mlflow_data.python, tmp_path, out, [f"file://{copy}"], more=running)
    again = import_mlflow(tmp_path / "data", str(copy))
    assert again.exit_code == 0, again.output
    assert "0 new runs, 5 already there" in again.stdout and " 1 new metric points" in again.stdout

    with open_store(tmp_path / "data") as store:
        check_imported(store, json.loads(out.read_text()))
        assert store.get_run_by_uid(running).status == "finished"


def test_imported_runs_read_back_alike_through_the_mlflow_dialect(mlflow_data: MlflowData, tmp_path: Path) -> None:
    """The real client reads from `runyard serve` what it read from the MLflow server the runs came from."""
    source = mlflow_data.source("server")
    assert import_mlflow(tmp_path / "data", source).exit_code == 0
    server = LiveServer(tmp_path / "data").start()
    try:
        run_workload(mlflow_data.python, tmp_path, tmp_path / "read.json", [server.url], read=True)
    finally:
        server.stop()
    got, want = json.loads((tmp_path / "read.json").read_text()), mlflow_data.expected[source]
    assert got["runs"] == want["runs"]
    assert got["experiments"].keys() == want["experiments"].keys()
    assert [experiment["tags"] for experiment in got["experiments"].values()] == \
        [experiment["tags"] for experiment in want["experiments"].values()]


@pytest.mark.parametrize(("make", "message"), [
    (lambda tmp: str(tmp / "missing"), "no MLflow store at "),
    (lambda tmp: str(_written(tmp / "notes.txt", b"not a database")), "is not an MLflow database"),
    (lambda tmp: str(_folder(tmp / "empty")), "is not an MLflow file store"),
    (lambda tmp: "postgresql://user@db/mlflow", "cannot import from 'postgresql://user@db/mlflow'"),
    (lambda tmp: "http://127.0.0.1:9", "cannot reach the MLflow server at http://127.0.0.1:9"),
])
def test_a_bad_source_is_one_clear_line(tmp_path: Path, make: Any, message: str) -> None:
    done = import_mlflow(tmp_path / "data", make(tmp_path))
    assert done.exit_code == 1
    assert done.stderr.startswith("runyard: error: ") and message in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.output


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path

