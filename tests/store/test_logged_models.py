"""Logged models, their files, runs' inputs/outputs and deleting run artifacts, on the embedded store."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from runyard.errors import ConflictError, InvalidInputError, NotFoundError, PayloadTooLargeError
from runyard.store import Store
from runyard.store.logged_models import DatasetInput, RunLinks, new_model_id


def _model_root(store: Store) -> Path:
    return Path(store.artifacts.location) / ".logged-models"  # type: ignore[attr-defined]


def test_a_model_is_created_pending_and_finalized(store: Store) -> None:
    project = store.create_project("p", tenant="t1")
    run = store.create_run(project.id, name="r")
    model = store.create_logged_model(project.id, name="model", model_type="sk", source_run_id=run.id,
                                      params={"alpha": "0.1"}, tags={"mlflow.source.name": "train.py"})
    assert (model.status, model.tenant, model.source_run_id, model.params) == ("pending", "t1", run.id, {"alpha": "0.1"})
    assert model.id.startswith("m-") and len(model.id) == 34
    ready = store.set_logged_model_status(model.id, "ready")
    assert ready.status == "ready" and ready.updated_at >= model.updated_at
    assert store.get_logged_model(model.id) == ready
    with pytest.raises(InvalidInputError):
        store.set_logged_model_status(model.id, "LOGGED_MODEL_READY")


def test_model_ids_names_and_sources_are_checked(store: Store) -> None:
    project = store.create_project("p")
    with pytest.raises(NotFoundError):
        store.create_logged_model(project.id, name="m", source_run_id=999)
    with pytest.raises(NotFoundError):
        store.create_logged_model(999, name="m")
    with pytest.raises(InvalidInputError):
        store.create_logged_model(project.id, name="m", model_id="../../etc")
    with pytest.raises(InvalidInputError):
        store.create_logged_model(project.id, name=" ")
    with pytest.raises(InvalidInputError):
        store.create_logged_model(project.id, name="m", params={"k": 1})  # type: ignore[dict-item]
    chosen = new_model_id()
    store.create_logged_model(project.id, name="m", model_id=chosen)
    with pytest.raises(ConflictError):
        store.create_logged_model(project.id, name="m", model_id=chosen)
    with pytest.raises(NotFoundError):
        store.get_logged_model(new_model_id())


def test_tags_merge_and_params_never_change(store: Store) -> None:
    project = store.create_project("p")
    model = store.create_logged_model(project.id, name="m", params={"a": "1"}, tags={"x": "1"})
    assert store.set_logged_model_tags(model.id, {"y": "2", "x": "3"}).tags == {"x": "3", "y": "2"}
    assert store.delete_logged_model_tag(model.id, "x").tags == {"y": "2"}
    with pytest.raises(NotFoundError):
        store.delete_logged_model_tag(model.id, "x")
    assert store.log_logged_model_params(model.id, {"a": "1", "b": "2"}).params == {"a": "1", "b": "2"}
    with pytest.raises(InvalidInputError, match="cannot change"):
        store.log_logged_model_params(model.id, {"c": "3", "a": "9"})
    assert store.get_logged_model(model.id).params == {"a": "1", "b": "2"}  # nothing of the refused batch


def test_listing_is_per_project_and_newest_first(store: Store) -> None:
    first, second = store.create_project("p"), store.create_project("q")
    older = store.create_logged_model(first.id, name="a")
    newer = store.create_logged_model(first.id, name="b")
    store.create_logged_model(second.id, name="c")
    assert [m.id for m in store.list_logged_models([first.id])] == [newer.id, older.id]
    assert len(store.list_logged_models([first.id, second.id])) == 3
    assert store.list_logged_models([]) == []


def test_model_files_round_trip_and_stay_inside_the_folder(store: Store) -> None:
    project = store.create_project("p")
    model = store.create_logged_model(project.id, name="m")
    store.add_logged_model_file(model.id, "MLmodel", io.BytesIO(b"flavors: {}"))
    store.add_logged_model_file(model.id, "data/model.pkl", io.BytesIO(b"\x80\x04"))
    assert [(f.path, f.size) for f in store.logged_model_files(model.id)] == [("MLmodel", 11), ("data/model.pkl", 2)]
    assert store.open_logged_model_file(model.id, "data/model.pkl").read_bytes() == b"\x80\x04"
    for bad in ("../escape", "/etc/passwd", "a/../../b", "data/.upload-x"):
        with pytest.raises(InvalidInputError):
            store.add_logged_model_file(model.id, bad, io.BytesIO(b"x"))
    with pytest.raises(PayloadTooLargeError):
        store.add_logged_model_file(model.id, "big", io.BytesIO(b"x" * 100), max_bytes=10)
    assert "big" not in {f.path for f in store.logged_model_files(model.id)}
    with pytest.raises(NotFoundError):
        store.open_logged_model_file(model.id, "data")
    assert store.delete_logged_model_files(model.id, "data") == 1
    with pytest.raises(NotFoundError):
        store.delete_logged_model_files(model.id, "data")
    assert [f.path for f in store.logged_model_files(model.id)] == ["MLmodel"]


def test_a_symlink_never_leads_model_files_outside(store: Store, tmp_path: Path) -> None:
    project = store.create_project("p")
    model = store.create_logged_model(project.id, name="m")
    store.add_logged_model_file(model.id, "MLmodel", io.BytesIO(b"x"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("secret")
    folder = _model_root(store) / model.id
    os.symlink(outside, folder / "link")
    os.symlink(outside / "secret", folder / "file-link")
    assert [f.path for f in store.logged_model_files(model.id)] == ["MLmodel"]
    for name in ("link/secret", "file-link"):
        with pytest.raises((InvalidInputError, NotFoundError)):
            store.open_logged_model_file(model.id, name)
    with pytest.raises(InvalidInputError):
        store.add_logged_model_file(model.id, "link/new", io.BytesIO(b"x"))
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]


def test_deleting_a_model_or_its_project_removes_rows_links_and_files(store: Store) -> None:
    project = store.create_project("p")
    run = store.create_run(project.id, name="r")
    model = store.create_logged_model(project.id, name="m")
    store.add_logged_model_file(model.id, "MLmodel", io.BytesIO(b"x"))
    store.log_run_outputs(run.id, [(model.id, 0)])
    store.delete_logged_model(model.id)
    assert not (_model_root(store) / model.id).exists()
    assert store.run_links([run.id]) == {}
    kept = store.create_logged_model(project.id, name="n")
    store.add_logged_model_file(kept.id, "MLmodel", io.BytesIO(b"x"))
    store.delete_project(project.id)
    with pytest.raises(NotFoundError):
        store.get_logged_model(kept.id)
    assert not (_model_root(store) / kept.id).exists()


def test_run_inputs_are_kept_once_and_outputs_update_their_step(store: Store) -> None:
    project = store.create_project("p")
    run, other = store.create_run(project.id, name="r"), store.create_run(project.id, name="s")
    model = store.create_logged_model(project.id, name="m")
    train = DatasetInput("iris", "d1", "code", '{"x": 1}', '{"mlflow_colspec": []}', "{}",
                         tags=(("mlflow.data.context", "train"),))
    store.log_run_inputs(run.id, [train], [model.id])
    store.log_run_inputs(run.id, [DatasetInput("iris", "d1"), DatasetInput("iris", "d2")], [model.id])
    store.log_run_outputs(run.id, [(model.id, 1)])
    store.log_run_outputs(run.id, [(model.id, 5)])
    links = store.run_links([run.id, other.id])
    assert links == {run.id: RunLinks((train, DatasetInput("iris", "d2")), (model.id,), ((model.id, 5),))}
    with pytest.raises(InvalidInputError):
        store.log_run_inputs(run.id, [DatasetInput("", "d")])
    with pytest.raises(InvalidInputError):
        store.log_run_outputs(run.id, [("m-nothex", 0)])
    with pytest.raises(NotFoundError):
        store.log_run_outputs(999, [(model.id, 0)])
    store.delete_run(run.id)
    assert store.run_links([run.id]) == {}


def test_deleting_run_artifacts_by_file_or_folder(store: Store) -> None:
    project = store.create_project("p")
    run = store.create_run(project.id, name="r")
    for name in ("tables/a.json", "tables/b.json", "Tables/c.json", "tables.txt", "notes.txt"):
        store.add_artifact_bytes(run.id, name, b"x")
    assert store.delete_artifacts(run.id, "tables") == 2
    assert [a.path for a in store.list_artifacts(run.id)] == ["Tables/c.json", "notes.txt", "tables.txt"]
    assert store.delete_artifacts(run.id, "notes.txt") == 1
    with pytest.raises(NotFoundError):
        store.open_artifact(run.id, "notes.txt")
    with pytest.raises(NotFoundError):
        store.delete_artifacts(run.id, "tables")
    with pytest.raises(InvalidInputError):
        store.delete_artifacts(run.id, "../x")
    folder = Path(store.artifacts.location) / run.uid  # type: ignore[attr-defined]
    assert not (folder / "tables").exists() and (folder / "Tables" / "c.json").exists()
