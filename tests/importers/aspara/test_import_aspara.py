"""`runyard import aspara` from data dirs the real Aspara 0.1.0 SDK wrote (workload.py), with
both of its metric backends: JSONL (the default) and polars (a WAL, archived to Parquet at finish).

Every logged point (NaN, infinities, a sparse key, Aspara's own steps and clock), config, tags,
notes, statuses, times and artifact bytes must arrive exactly, and a second import adds nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.aspara import read_data_dir
from runyard.importers.writer import import_uid
from runyard.store import Run, Store, open_store
from tests.side_packages import side_venv

WORKLOAD = Path(__file__).with_name("workload.py")
RUNS = {"vision/resnet-a": "finished", "vision/diverged": "failed", "audio/wav2vec": "finished",
        "audio/killed": "running"}


@dataclass(frozen=True)
class AsparaData:
    """A data dir the real SDK wrote, and the points it logged with explicit timestamps."""

    root: Path
    points: dict[str, dict[str, list[Any]]]  # key -> step -> [repr(value), epoch ms]


@pytest.fixture(scope="module")
def aspara_python() -> Path:
    # aspara 0.1.0 imports pydantic without declaring it: installed alongside.
    return side_venv("aspara-0.1.0-sdk", ["aspara==0.1.0", "pydantic>=2"])


def write_data(python: Path, work: Path, backend: str) -> AsparaData:
    """Run the workload with the real SDK into `work`/data."""
    expected = work / "expected.json"
    subprocess.run([str(python), str(WORKLOAD), str(work / "data"), str(expected)], check=True,
                   capture_output=True, timeout=120, env={**os.environ, "ASPARA_STORAGE_BACKEND": backend})
    return AsparaData(work / "data", json.loads(expected.read_text())["points"])


@pytest.fixture(scope="module", params=["jsonl", "polars"])
def aspara_data(request: pytest.FixtureRequest, aspara_python: Path,
                tmp_path_factory: pytest.TempPathFactory) -> AsparaData:
    return write_data(aspara_python, tmp_path_factory.mktemp(f"aspara-{request.param}"), request.param)


def import_aspara(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--dir", str(data_dir), "import", "aspara", *args])


def _meta(data: AsparaData, place: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((data.root / f"{place}.meta.json").read_text())
    return loaded


def _run(store: Store, data: AsparaData, place: str) -> Run:
    """The run imported from `place` ("project/run"): found by its Aspara run id."""
    return store.get_run_by_uid(import_uid("aspara", _meta(data, place)["run_id"]))


def _points(store: Store, run_id: int, key: str) -> dict[str, list[Any]]:
    series = store.read_metric(run_id, key)
    return {str(step): [repr(value), round(stamp * 1000)] for step, value, stamp in
            zip(series.steps.tolist(), series.values.tolist(), series.times.tolist(), strict=True)}


def check_imported(store: Store, data: AsparaData) -> None:
    for place, status in RUNS.items():
        run, meta = _run(store, data, place), _meta(data, place)
        assert (store.get_project(run.project_id).name, run.name) == tuple(place.split("/"))
        assert run.status == status
        assert run.start_time == meta["start_time"] / 1000
        assert run.end_time == (None if meta["finish_time"] is None else meta["finish_time"] / 1000)
        assert (run.config, run.tags, run.notes) == (meta["config"], meta["tags"], meta["notes"])
        assert run.summary == meta["summary"]
    resnet = _run(store, data, "vision/resnet-a")
    assert resnet.config == {"lr": 0.1, "optimizer": {"name": "adam", "betas": [0.9, 0.999]}, "layers": [64, 32]}
    assert (resnet.tags, resnet.notes, resnet.summary) == (["base", "gpu"], "first try", {"best_acc": 0.99})
    for key, points in data.points.items():
        assert _points(store, resnet.id, key) == points, key
    assert store.read_artifact(resnet.id, "weights.bin") == bytes(range(256)) * 40
    diverged = _run(store, data, "vision/diverged")
    series = store.read_metric(diverged.id, "loss")  # Aspara counted the steps and took the times
    assert (series.steps.tolist(), series.values.tolist()) == ([0, 1, 2], [2.0, 4.0, 8.0])
    assert all(diverged.start_time <= stamp <= diverged.end_time for stamp in series.times.tolist())


def test_import_arrives_exactly_and_twice_adds_nothing(aspara_data: AsparaData, tmp_path: Path) -> None:
    first = import_aspara(tmp_path, str(aspara_data.root))
    assert first.exit_code == 0, first.output
    logged = sum(len(points) for points in aspara_data.points.values()) + 3 + 1 + 1
    assert f"4 new runs, 0 already there (brought up to date), {logged:,} new metric points" in first.output
    assert "1 artifact files (10,240 bytes)" in first.output
    with open_store(tmp_path) as store:
        check_imported(store, aspara_data)
    again = import_aspara(tmp_path, str(aspara_data.root))
    assert again.exit_code == 0, again.output
    assert "0 new runs, 4 already there (brought up to date), 0 new metric points, 0 log lines, " \
           "0 artifact files (0 bytes)" in again.output
    with open_store(tmp_path) as store:
        check_imported(store, aspara_data)
        assert len(store.list_artifacts(_run(store, aspara_data, "vision/resnet-a").id)) == 1


def test_project_option_puts_every_run_into_one_project(aspara_data: AsparaData, tmp_path: Path) -> None:
    result = import_aspara(tmp_path, str(aspara_data.root), "--project", "from-aspara")
    assert result.exit_code == 0, result.output
    with open_store(tmp_path) as store:
        project = store.get_project_by_name("from-aspara")
        for place in RUNS:
            assert _run(store, aspara_data, place).project_id == project.id


def _copy(data: AsparaData, tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(data.root, root, symlinks=True)
    return root


def test_a_cut_last_line_is_skipped_a_damaged_line_is_named(aspara_data: AsparaData, tmp_path: Path) -> None:
    root = _copy(aspara_data, tmp_path)
    metrics = root / "audio" / ("killed.jsonl" if (root / "audio" / "killed.jsonl").stat().st_size
                                else "killed.wal.jsonl")
    with metrics.open("a") as out:
        out.write('{"timestamp": 17964248')  # the write a kill cut short
    killed = next(run for run in read_data_dir(root) if run.name == "killed")
    assert [(key, columns.steps.tolist()) for key, columns in killed.series()] == [("wer", [0])]
    with metrics.open("a") as out:
        out.write('\n{"timestamp": 1, "step": 1, "metrics": {"wer": "high"}}\n')
    with pytest.raises(InvalidInputError, match=re.escape(f"{metrics}:2: not an Aspara metrics line")):
        list(killed.series())
    result = import_aspara(tmp_path / "runyard", str(root))
    assert result.exit_code == InvalidInputError.exit_code and f"{metrics}:2" in result.output


def test_bad_sources_are_one_line_errors(aspara_data: AsparaData, tmp_path: Path) -> None:
    missing = import_aspara(tmp_path / "runyard", str(tmp_path / "nowhere"))
    assert missing.exit_code == NotFoundError.exit_code and "no such folder" in missing.output
    (tmp_path / "empty" / "project").mkdir(parents=True)
    empty = import_aspara(tmp_path / "runyard", str(tmp_path / "empty"))
    assert empty.exit_code == InvalidInputError.exit_code and "not an Aspara data dir" in empty.output
    root = _copy(aspara_data, tmp_path)
    (root / "vision" / "resnet-a.meta.json").write_text("{not json")
    damaged = import_aspara(tmp_path / "runyard", str(root))
    assert damaged.exit_code == InvalidInputError.exit_code and "resnet-a.meta.json" in damaged.output
    assert not (tmp_path / "runyard" / "runyard.db").exists()  # read before the data dir is opened


def test_links_out_of_the_source_are_not_followed(aspara_data: AsparaData, tmp_path: Path) -> None:
    root = _copy(aspara_data, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (root / "vision" / "resnet-a" / "artifacts" / "leak.txt").symlink_to(secret)
    (root / "vision" / "resnet-a" / "artifacts" / "sub").symlink_to(tmp_path, target_is_directory=True)
    (root / "linked").symlink_to(tmp_path / "copy" / "vision", target_is_directory=True)
    runs = read_data_dir(root)
    assert sorted(f"{run.project}/{run.name}" for run in runs) == sorted(RUNS)
    resnet = next(run for run in runs if run.name == "resnet-a")
    assert [path for path, _file in resnet.artifacts] == ["weights.bin"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("status", ["completed"], "'status' is not a str"),
    ("status", "done", "unknown status 'done'"),
    ("tags", "gpu", "'tags' is not a list"),
    ("tags", [1, 2], "'tags' is not a list of strings"),
    ("notes", {"text": "x"}, "'notes' is not a str"),
    ("config", [1], "'config' is not an object"),
    ("start_time", "soon", "'start_time' is not a time"),
    ("finish_time", True, "'finish_time' is not a time"),
])
def test_a_damaged_metadata_field_is_named(aspara_data: AsparaData, tmp_path: Path, field: str, value: Any,
                                           message: str) -> None:
    root = _copy(aspara_data, tmp_path)
    meta_path = root / "vision" / "resnet-a.meta.json"
    meta = json.loads(meta_path.read_text())
    meta[field] = value
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(InvalidInputError, match=re.escape(f"{meta_path}: {message}")):
        read_data_dir(root)


def test_another_data_dir_with_the_same_names_gives_other_runs(aspara_python: Path, aspara_data: AsparaData,
                                                               tmp_path: Path) -> None:
    other = write_data(aspara_python, tmp_path / "other", "jsonl")  # the same projects and run names
    for source in (aspara_data, other, aspara_data):
        result = import_aspara(tmp_path / "runyard", str(source.root))
        assert result.exit_code == 0, result.output
    with open_store(tmp_path / "runyard") as store:
        check_imported(store, aspara_data)
        assert _run(store, other, "vision/resnet-a").name == "resnet-a-2"
        assert len(store.read_metric(_run(store, other, "vision/resnet-a").id, "train/loss")) == 120


def test_a_run_without_metadata_is_known_by_its_place(aspara_data: AsparaData, tmp_path: Path) -> None:
    root = _copy(aspara_data, tmp_path)
    (root / "audio" / "killed.meta.json").unlink()
    killed = next(run for run in read_data_dir(root) if run.name == "killed")
    assert (killed.source_id, killed.status, killed.start_time) == (str(root.resolve() / "audio" / "killed"),
                                                                    "running", None)
