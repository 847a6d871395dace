"""`runyard import wandb` from offline run folders the real wandb 0.31.0 client wrote (workload.py).

The expectation is decoded from the same run logs by wandb's own protobuf classes: every history
row (step, wall time, NaN and infinities), config, tags, notes, start time, status from the exit
code, console lines, system stats and the files must arrive exactly, and a second import adds
nothing. Damaged and foreign sources give one clear line.
"""

from __future__ import annotations

import json
import math
import shutil
import signal
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.wandb.datastore import BLOCK_LEN
from runyard.importers.wandb.reader import read_runs
from runyard.importers.writer import import_uid
from runyard.store import Store, open_store
from tests.importers.wandb.framing import write_log
from tests.side_packages import side_venv

WORKLOAD = Path(__file__).with_name("workload.py")
LEGACY = Path(__file__).with_name("legacy_records.py")
STEPS = 300


@dataclass(frozen=True)
class WandbRuns:
    """A folder the real client wrote (ROOT/wandb/offline-run-*) and what its run logs hold."""

    root: Path
    expected: dict[str, dict[str, Any]]  # run folder name -> decoded records (see workload.describe)

    def folder(self, name: str) -> str:
        return next(key for key, run in self.expected.items() if run["run"]["display_name"] == name)


@pytest.fixture(scope="module")
def runs(wandb_python: Path, tmp_path_factory: pytest.TempPathFactory) -> WandbRuns:
    python = wandb_python
    work = tmp_path_factory.mktemp("wandb")
    # Python ends a KeyboardInterrupt by killing itself with SIGINT.
    for mode, returncode in (("fail", 1), ("interrupt", -signal.SIGINT)):
        ended = subprocess.run([str(python), str(WORKLOAD), str(work), str(work / "unused.json"), mode],
                               capture_output=True, timeout=120, check=False)
        assert ended.returncode == returncode, ended.stderr
    subprocess.run([str(python), str(WORKLOAD), str(work), str(work / "expected.json")], check=True,
                   capture_output=True, timeout=120)
    return WandbRuns(work, json.loads((work / "expected.json").read_text()))


@pytest.fixture(scope="module")
def imported(runs: WandbRuns, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    result = import_wandb(data_dir, str(runs.root))  # the folder holding wandb/
    assert result.exit_code == 0, result.output
    assert "3 new runs" in result.output
    return data_dir


def import_wandb(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--dir", str(data_dir), "import", "wandb", *args])


@pytest.fixture(scope="module")
def wandb_python() -> Path:
    return side_venv("wandb-0.31.0", ["wandb==0.31.0"])


def _number(value_json: str) -> float | None:
    value = json.loads(value_json)
    return None if isinstance(value, bool) or not isinstance(value, (int, float)) else float(value)


def expected_points(run: dict[str, Any]) -> dict[str, dict[int, tuple[str, int]]]:
    """key -> step -> (repr(value), wall time in µs), from the rows as wandb's protobuf classes decoded them."""
    points: dict[str, dict[int, tuple[str, int]]] = {}
    for logged in run["rows"]:
        row = dict(logged)
        step, stamp = int(json.loads(row.pop("_step"))), float(json.loads(row.pop("_timestamp")))
        media = {path.removesuffix("._type") for path in row if path.endswith("._type")}
        for path, value_json in row.items():
            number = _number(value_json)
            if number is not None and path.split(".")[0] not in media:  # a media file's size is no series
                points.setdefault(path, {})[step] = (repr(number), _micros(stamp))
    system_step = -1
    for stamp, items in run["stats"]:
        system_step = max(system_step + 1, int(stamp - run["start_time"]))
        for key, value_json in items.items():
            points.setdefault(f"system/{key}", {})[system_step] = (repr(_number(value_json)), _micros(stamp))
    return points


def _micros(stamp: float) -> int:
    return round(stamp * 1e6)  # the store keeps wall times to the microsecond


def stored_points(store: Store, run_id: int) -> dict[str, dict[int, tuple[str, int]]]:
    found = {}
    for key in store.metric_summaries([run_id]).get(run_id, {}):
        series = store.read_metric(run_id, key)
        found[key] = {step: (repr(value), _micros(stamp)) for step, value, stamp in
                      zip(series.steps.tolist(), series.values.tolist(), series.times.tolist(), strict=True)}
    return found


def test_every_history_row_arrives(runs: WandbRuns, imported: Path) -> None:
    folder = runs.folder("resnet-a")
    assert runs.expected[folder]["size"] > 4 * BLOCK_LEN  # records cross blocks; the 70 KB config spans three
    with open_store(imported) as store:
        run = store.get_run_by_uid(import_uid("wandb", folder))
        points = stored_points(store, run.id)
    assert points == expected_points(runs.expected[folder])
    # What the script logged, independently of any decoding: NaN, +inf, -inf, the nested key, the sparse step.
    loss = {step: float(value) for step, (value, _) in points["loss"].items()}
    assert sorted(loss) == list(range(STEPS)) and math.isnan(loss[2]) and loss[5] == math.inf
    assert loss[3] == 0.25 and points["edge"][7][0] == "-inf" and points["val/loss"][3][0] == "0.5"
    assert points["opt.lr"][1][0] == repr(0.01 * 0.99)
    assert points["sparse"] == {400: ("3.0", points["sparse"][400][1])}
    assert not any(key.startswith("page") for key in points)
    assert sorted(points["_runtime"]) == [*range(STEPS), 400, 401]


def test_run_fields_and_status(runs: WandbRuns, imported: Path) -> None:
    with open_store(imported) as store:
        ok = store.get_run_by_uid(import_uid("wandb", runs.folder("resnet-a")))
        failed = store.get_run_by_uid(import_uid("wandb", runs.folder("diverged")))
        assert store.get_project(ok.project_id).name == store.get_project(failed.project_id).name == "vision"
    expected = runs.expected[runs.folder("resnet-a")]
    assert (ok.name, ok.status, failed.name, failed.status) == ("resnet-a", "finished", "diverged", "failed")
    assert runs.expected[runs.folder("diverged")]["exit"][0] == 1
    interrupted = runs.folder("interrupted")
    assert runs.expected[interrupted]["exit"][0] == 255
    with open_store(imported) as store:
        assert store.get_run_by_uid(import_uid("wandb", interrupted)).status == "killed"  # as runyard's SDK has it
    assert ok.start_time == expected["start_time"]
    assert ok.end_time is not None and ok.end_time >= max(row[1] for row in expected["output"])
    assert ok.tags == ["baseline", "cpu"] and ok.notes == "first try\nsecond line"
    assert ok.config == {"lr": 0.01, "model": {"depth": 18, "act": "relu"}, "aug": [1, 2], "blob": "x" * 70000,
                         "extra": "yes"}
    assert failed.config == {"lr": 10}
    # W&B's summary: each key's last value, and what the script set through run.summary.
    assert sorted(ok.summary) == ["acc", "best_loss", "edge", "loss", "opt", "page", "sparse", "val/loss"]
    assert ok.summary["best_loss"] == 0.25 and ok.summary["loss"] == 1 / STEPS and ok.summary["sparse"] == 3
    assert ok.summary["opt"] == {"lr": 0.01 * 0.99 ** (STEPS - 1)} and ok.summary["page"]["_type"] == "html-file"
    assert failed.summary == {"loss": 2.0}
    assert ok.system["wandb"]["run_id"] == expected["run"]["run_id"]
    assert ok.system["program"].endswith("workload.py")


def test_console_lines(runs: WandbRuns, imported: Path) -> None:
    with open_store(imported) as store:
        ok = store.read_logs(store.get_run_by_uid(import_uid("wandb", runs.folder("resnet-a"))).id)
        failed = store.read_logs(store.get_run_by_uid(import_uid("wandb", runs.folder("diverged"))).id)
    assert [(line.stream, line.line) for line in ok] == [
        ("stdout", "epoch 0 done"), ("stdout", "epoch 100 done"), ("stdout", "epoch 200 done"),
        ("stdout", "progress 100%"), ("stderr", "to stderr")]
    first_chunk = runs.expected[runs.folder("resnet-a")]["output"][0]
    assert _micros(ok[0].time) == _micros(first_chunk[1])  # a line's time is its first chunk's
    texts = [line.line for line in failed]
    assert texts[0] == "about to fail" and texts[-1] == "RuntimeError: loss diverged"
    assert "Traceback (most recent call last):" in texts


def test_files_become_artifacts(runs: WandbRuns, imported: Path) -> None:
    folder = runs.root / "wandb" / runs.folder("resnet-a")
    with open_store(imported) as store:
        run = store.get_run_by_uid(import_uid("wandb", folder.name))
        stored = {artifact.path: store.read_artifact(run.id, artifact.path)
                  for artifact in store.list_artifacts(run.id)}
    files = folder / "files"
    assert stored == {file.relative_to(files).as_posix(): file.read_bytes()
                      for file in files.rglob("*") if file.is_file()}
    assert stored["notes.txt"] == b"kept file\n"
    assert any(path.startswith("media/html/") for path in stored)


def _everything(store: Store, runs: WandbRuns) -> dict[str, Any]:
    found = {}
    for folder in runs.expected:
        run = store.get_run_by_uid(import_uid("wandb", folder))
        stable = replace(run, updated_at=0.0, heartbeat_at=0.0)  # the store's write clocks move
        found[folder] = (stable, stored_points(store, run.id), store.read_logs(run.id), store.list_artifacts(run.id))
    return found


def test_second_import_adds_nothing(runs: WandbRuns, imported: Path) -> None:
    with open_store(imported) as store:
        before = _everything(store, runs)
    result = import_wandb(imported, str(runs.root / "wandb"))
    assert result.exit_code == 0, result.output
    assert "0 new runs, 3 already there" in result.output
    assert "0 new metric points, 0 log lines, 0 artifact files" in result.output
    with open_store(imported) as store:
        after = _everything(store, runs)
    for folder, held in before.items():
        for part, again in zip(held, after[folder], strict=True):
            assert repr(again) == repr(part)  # repr: NaN compares equal to itself there


def test_one_run_folder_and_project_option(runs: WandbRuns, tmp_path: Path) -> None:
    result = import_wandb(tmp_path, str(runs.root / "wandb" / runs.folder("diverged")), "--project", "other")
    assert result.exit_code == 0 and "1 new runs" in result.output, result.output
    with open_store(tmp_path) as store:
        run = store.get_run_by_uid(import_uid("wandb", runs.folder("diverged")))
        assert store.get_project(run.project_id).name == "other"


def _copy_run(runs: WandbRuns, tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / runs.folder("resnet-a")
    shutil.copytree(runs.root / "wandb" / folder.name, folder, symlinks=True)
    return folder, next(folder.glob("run-*.wandb"))


def test_damaged_log_is_an_error_naming_the_file(runs: WandbRuns, tmp_path: Path) -> None:
    folder, log = _copy_run(runs, tmp_path)
    content = bytearray(log.read_bytes())
    content[BLOCK_LEN + 100] ^= 0xFF
    log.write_bytes(bytes(content))
    with pytest.raises(InvalidInputError, match=rf"{log.name}: damaged W&B run log at byte \d+"):
        read_runs(folder)
    result = import_wandb(tmp_path / "data", str(folder))
    assert result.exit_code != 0 and "damaged W&B run log" in result.output


def test_cut_short_log_reads_up_to_the_cut(runs: WandbRuns, tmp_path: Path) -> None:
    folder, log = _copy_run(runs, tmp_path)
    log.write_bytes(log.read_bytes()[:3 * BLOCK_LEN + 1234])  # a run killed while writing
    (run,) = read_runs(folder)
    assert run.status == "crashed"  # no exit record
    steps = dict(run.series())["loss"].steps.tolist()
    assert 0 < len(steps) < STEPS and steps == list(range(len(steps)))


def test_a_run_imported_while_writing_is_completed_by_the_next_import(runs: WandbRuns, tmp_path: Path) -> None:
    folder, log = _copy_run(runs, tmp_path)
    whole = log.read_bytes()
    log.write_bytes(whole[:3 * BLOCK_LEN])
    assert import_wandb(tmp_path / "data", str(folder)).exit_code == 0
    log.write_bytes(whole)
    result = import_wandb(tmp_path / "data", str(folder))
    assert result.exit_code == 0 and "0 new runs, 1 already there" in result.output, result.output
    with open_store(tmp_path / "data") as store:
        run = store.get_run_by_uid(import_uid("wandb", folder.name))
        assert run.status == "finished"
        assert stored_points(store, run.id) == expected_points(runs.expected[folder.name])


def test_links_are_not_followed(runs: WandbRuns, tmp_path: Path) -> None:
    folder, _ = _copy_run(runs, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    (folder / "files" / "leak.txt").symlink_to(secret)
    (folder / "files" / "inside.txt").symlink_to(folder / "files" / "notes.txt")
    (run,) = read_runs(folder)
    paths = dict(run.artifacts)
    assert "leak.txt" not in paths and "inside.txt" not in paths and "notes.txt" in paths


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_runs(tmp_path / "missing")
    (tmp_path / "wandb" / "offline-run-x").mkdir(parents=True)
    with pytest.raises(InvalidInputError, match="not a W&B run folder"):
        read_runs(tmp_path)
    (tmp_path / "wandb" / "offline-run-x" / "run-x.wandb").write_bytes(b"not a run log at all")
    with pytest.raises(InvalidInputError, match="not a W&B run log"):
        read_runs(tmp_path)
    result = import_wandb(tmp_path / "data", str(tmp_path / "missing"))
    assert result.exit_code != 0 and "no such file or folder" in result.output


def test_records_of_the_older_python_writer(wandb_python: Path, tmp_path: Path) -> None:
    """wandb before wandb-core named history items by `key` and wrote `output` records."""
    made = tmp_path / "records.json"
    subprocess.run([str(wandb_python), str(LEGACY), str(made)], check=True, capture_output=True, timeout=60)
    folder = tmp_path / "wandb" / "offline-run-20231114_221320-old1"
    folder.mkdir(parents=True)
    (folder / "run-old1.wandb").write_bytes(write_log([bytes.fromhex(item) for item in json.loads(made.read_text())]))
    (run,) = read_runs(tmp_path)
    assert (run.project, run.name, run.tags, run.notes) == ("legacy", "old-run", ("a", "b"), "n")
    assert (run.status, run.start_time, run.end_time) == ("failed", 1700000000.5, 1700000005.5)  # start + runtime
    assert run.config == {"opt": {"beta": 0.9}} and run.summary == {"best": 0.25}
    series = {key: (columns.steps.tolist(), [repr(value) for value in columns.values.tolist()], columns.times.tolist())
              for key, columns in run.series()}
    assert series["loss"] == ([0, 1, 2], ["0.5", "nan", "-inf"], [1700000001.25, 1700000002.5, 1700000003.75])
    assert sorted(series) == ["_runtime", "loss"]  # the text value is no series
    assert list(run.logs()) == [(1700000002.0, "stdout", "hello"), (1700000003.0, "stderr", "warn more"),
                                (1700000004.0, "stderr", "last")]
