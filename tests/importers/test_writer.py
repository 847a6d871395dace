"""The writer every non-MLflow importer shares: exact arrival, and a second import adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from runyard.errors import ConflictError, InvalidInputError
from runyard.importers.records import ImportedRun
from runyard.importers.writer import RunImport, import_uid
from runyard.store import MetricColumns, Store

T0 = 1_700_000_000.0


def _series() -> Iterator[tuple[str, MetricColumns]]:
    steps = np.arange(10, dtype=np.int64)
    values = np.linspace(1.0, 0.1, 10)
    values[3], values[4] = np.nan, np.inf
    yield "train/loss", MetricColumns(steps, values, T0 + steps.astype(np.float64))
    yield "val/acc", MetricColumns(np.array([9, 0], dtype=np.int64), np.array([0.9, 0.1]), np.array([T0 + 9, T0]))


def _logs() -> Iterator[tuple[float, str, str]]:
    yield T0, "stdout", "epoch 0"
    yield T0 + 1, "stderr", "warning: slow"


def _record(tmp_path: Path, **changes: object) -> ImportedRun:
    artifact = tmp_path / "model.txt"
    if not artifact.exists():
        artifact.write_bytes(b"weights")
    fields: dict[str, object] = dict(
        source_id="logs/run-a", project="imported", name="run-a", status="finished", start_time=T0,
        end_time=T0 + 60, config={"model": {"width": 64}}, params={"lr": 0.1}, tags=("tb",), notes="from tb",
        series=_series, logs=_logs, artifacts=(("files/model.txt", artifact),))
    fields.update(changes)
    return ImportedRun(**fields)  # type: ignore[arg-type]


def test_a_run_arrives_exactly(store: Store, tmp_path: Path) -> None:
    importer = RunImport(store, "tensorboard")
    run = importer.write(_record(tmp_path))
    assert run.uid == import_uid("tensorboard", "logs/run-a") and run.status == "finished"
    assert (run.start_time, run.end_time) == (T0, T0 + 60)
    assert run.config == {"model": {"width": 64}} and run.tags == ["tb"] and run.notes == "from tb"
    loss = store.read_metric(run.id, "train/loss")
    assert np.array_equal(loss.steps, np.arange(10))
    assert np.isnan(loss.values[3]) and np.isposinf(loss.values[4]) and loss.values[9] == pytest.approx(0.1)
    assert list(store.read_metric(run.id, "val/acc").steps) == [0, 9]  # sorted on arrival
    assert [(line.stream, line.line) for line in store.read_logs(run.id)] == [("stdout", "epoch 0"),
                                                                              ("stderr", "warning: slow")]
    assert store.read_artifact(run.id, "files/model.txt") == b"weights"
    report = importer.report
    assert (report.runs_created, report.points, report.log_lines, report.artifacts) == (1, 12, 2, 1)


def test_importing_again_adds_nothing(store: Store, tmp_path: Path) -> None:
    RunImport(store, "tensorboard").write(_record(tmp_path))
    again = RunImport(store, "tensorboard")
    run = again.write(_record(tmp_path))
    report = again.report
    assert (report.runs_created, report.runs_updated, report.points, report.log_lines, report.artifacts) == \
        (0, 1, 0, 0, 0)
    assert len(store.read_metric(run.id, "train/loss")) == 10 and len(store.read_logs(run.id)) == 2
    assert len(store.list_artifacts(run.id)) == 1


def test_a_taken_name_is_suffixed_and_kinds_do_not_collide(store: Store, tmp_path: Path) -> None:
    first = RunImport(store, "tensorboard").write(_record(tmp_path))
    other_source = RunImport(store, "tensorboard").write(_record(tmp_path, source_id="logs/elsewhere/run-a"))
    other_kind = RunImport(store, "wandb").write(_record(tmp_path))
    assert (first.name, other_source.name, other_kind.name) == ("run-a", "run-a-2", "run-a-3")


def test_an_unfinished_import_is_completed_by_the_next(store: Store, tmp_path: Path) -> None:
    running = RunImport(store, "tensorboard").write(_record(tmp_path, status="running", end_time=None))
    assert running.status == "running"
    done = RunImport(store, "tensorboard").write(_record(tmp_path))
    assert (done.id, done.status, done.end_time) == (running.id, "finished", T0 + 60)


def test_bad_records_are_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="unknown status"):
        RunImport(store, "tensorboard").write(_record(tmp_path, status="done"))
    RunImport(store, "tensorboard").write(_record(tmp_path))
    with pytest.raises(ConflictError, match="another tenant"):
        RunImport(store, "tensorboard", tenant="team-b").write(_record(tmp_path))
