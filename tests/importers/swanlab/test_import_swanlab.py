"""`runyard import swanlab` from a swanlog folder the real SwanLab 0.10.3 SDK wrote in local mode
(workload.py: a finished run, a run whose script raised, a run under a name already taken).

Every logged point (NaN, infinities, a step logged again, a sparse key) with SwanLab's times,
config, description, console output, statuses, times and media bytes must arrive exactly, and
a second import adds nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.swanlab import read_swanlog
from runyard.importers.writer import import_uid
from runyard.store import Store, open_store
from tests.side_packages import side_venv

WORKLOAD = Path(__file__).with_name("workload.py")
STATUS = {-1: "failed", 0: "running", 1: "finished"}


@dataclass(frozen=True)
class SwanlabData:
    """A swanlog folder the real SDK wrote, what it logged, and what its dashboard database holds."""

    root: Path
    points: dict[str, dict[str, dict[str, str]]]  # scenario -> key -> step -> repr(value)
    experiments: list[dict[str, Any]]
    tags: list[dict[str, Any]]

    def run_folder(self, name: str) -> Path:
        return self.root / next(row["run_id"] for row in self.experiments if row["name"] == name)


@pytest.fixture(scope="module")
def swanlab_data(tmp_path_factory: pytest.TempPathFactory) -> SwanlabData:
    # Local mode needs the dashboard extra (it writes runs.swanlab); pillow for swanlab.Image.
    python = side_venv("swanlab-0.10.3-local", ["swanlab[dashboard]==0.10.3", "pillow"])
    work = tmp_path_factory.mktemp("swanlab")
    found: dict[str, Any] = {}
    for scenario in ("resnet", "diverged", "second", "audio", "dump"):
        out = work / f"{scenario}.json"
        done = subprocess.run([str(python), str(WORKLOAD), str(work / "swanlog"), scenario, str(out)],
                              capture_output=True, text=True, timeout=120, cwd=work,
                              env={**os.environ, "SWANLAB_SAVE_DIR": str(work / "home"), "SWANLAB_CONFIG_DIR": str(work / "home")})
        assert done.returncode == (1 if scenario == "diverged" else 0), done.stderr[-3000:]
        found[scenario] = json.loads(out.read_text())
    return SwanlabData(work / "swanlog", {scenario: found[scenario]["points"] for scenario in
                                          ("resnet", "diverged", "second", "audio")},
                       found["dump"]["experiments"], found["dump"]["tags"])


def import_swanlab(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--dir", str(data_dir), "import", "swanlab", *args])


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _file_times(data: SwanlabData, experiment: dict[str, Any], key: str) -> dict[str, int]:
    """The time SwanLab wrote beside each step of `key` (its own files: the dashboard shows these)."""
    tag = next(tag for tag in data.tags if tag["experiment_id"] == experiment["id"] and tag["name"] == key)
    lines = (data.root / experiment["run_id"] / "logs" / tag["folder"] / "1000.log").read_text().splitlines()
    return {str(record["index"]): round(_seconds(record["create_time"]) * 1e6) for record in map(json.loads, lines)}


def _console(data: SwanlabData, experiment: dict[str, Any]) -> list[tuple[str, str]]:
    console = data.root / experiment["run_id"] / "console"
    lines = [("stdout", text) for day in sorted(console.glob("2*.log")) for text in day.read_text().splitlines()]
    if (console / "error.log").exists():
        lines += [("stderr", text) for text in (console / "error.log").read_text().splitlines()]
    return lines


def check_imported(store: Store, data: SwanlabData) -> None:
    scenarios = {"resnet-a": "resnet", "diverged": "diverged", "resnet-a-2": "second", "wav2vec": "audio"}
    assert [row["name"] for row in data.experiments] == list(scenarios)  # SwanLab renamed the second resnet-a
    for experiment in data.experiments:
        run = store.get_run_by_uid(import_uid("swanlab", experiment["run_id"]))
        # SwanLab's one project per folder: wav2vec's project="audio" is not kept (swanlab watch shows it in vision)
        assert (store.get_project(run.project_id).name, run.name) == ("vision", experiment["name"])
        assert (run.status, run.description) == (STATUS[experiment["status"]], experiment["description"] or "")
        assert run.start_time == _seconds(experiment["create_time"])
        assert run.end_time == _seconds(experiment["finish_time"])
        assert run.system["swanlab"]["version"] == "0.10.3"
        for key, points in data.points[scenarios[experiment["name"]]].items():
            series = store.read_metric(run.id, key)
            assert dict(zip(map(str, series.steps.tolist()), map(repr, series.values.tolist()), strict=True)) \
                == points, key
            micros = [round(stamp * 1e6) for stamp in series.times.tolist()]  # the store keeps microseconds
            assert dict(zip(map(str, series.steps.tolist()), micros, strict=True)) == _file_times(data, experiment, key)
        assert [(line.stream, line.line) for line in store.read_logs(run.id)] == _console(data, experiment)
    resnet = store.get_run_by_uid(import_uid("swanlab", data.run_folder("resnet-a").name))
    assert resnet.config == {"lr": 0.1, "optimizer": {"name": "adam", "betas": [0.9, 0.999]}, "layers": [64, 32]}
    assert resnet.description == "first try"
    assert store.read_metric(resnet.id, "train/loss").values[5] == 42.0  # the value logged last at step 5
    assert {"epoch 0 starting", "a warning on stderr", "done"} <= {line.line for line in store.read_logs(resnet.id)}
    folder = data.run_folder("resnet-a")
    media = sorted(path.relative_to(folder).as_posix() for path in (folder / "media").glob("*/*")
                   if not path.is_symlink())
    assert [kind.split("/")[1] for kind in media] == ["image", "text"]
    for path in [*media, "files/requirements.txt"]:
        assert store.read_artifact(resnet.id, path) == (folder / path).read_bytes()
    assert {artifact.path for artifact in store.list_artifacts(resnet.id)} == {*media, "files/requirements.txt"}
    diverged = store.get_run_by_uid(import_uid("swanlab", data.run_folder("diverged").name))
    assert "RuntimeError: loss diverged" in [line.line for line in store.read_logs(diverged.id)
                                            if line.stream == "stderr"]


def test_import_arrives_exactly_and_twice_adds_nothing(swanlab_data: SwanlabData, tmp_path: Path) -> None:
    first = import_swanlab(tmp_path, str(swanlab_data.root))
    assert first.exit_code == 0, first.output
    logged = sum(len(points) for scenario in swanlab_data.points.values() for points in scenario.values())
    assert f"4 new runs, 0 already there (brought up to date), {logged:,} new metric points" in first.output
    with open_store(tmp_path) as store:
        check_imported(store, swanlab_data)
    again = import_swanlab(tmp_path, str(swanlab_data.root))
    assert again.exit_code == 0, again.output
    assert "0 new runs, 4 already there (brought up to date), 0 new metric points, 0 log lines, " \
           "0 artifact files (0 bytes)" in again.output
    with open_store(tmp_path) as store:
        check_imported(store, swanlab_data)


def test_project_option_puts_every_run_into_one_project(swanlab_data: SwanlabData, tmp_path: Path) -> None:
    result = import_swanlab(tmp_path, str(swanlab_data.root), "--project", "from-swanlab")
    assert result.exit_code == 0, result.output
    with open_store(tmp_path) as store:
        project = store.get_project_by_name("from-swanlab")
        for experiment in swanlab_data.experiments:
            assert store.get_run_by_uid(import_uid("swanlab", experiment["run_id"])).project_id == project.id


def _copy(data: SwanlabData, tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(data.root, root, symlinks=True)
    return root


def test_a_cut_last_line_is_skipped_a_damaged_line_is_named(swanlab_data: SwanlabData, tmp_path: Path) -> None:
    root = _copy(swanlab_data, tmp_path)
    run_id = swanlab_data.run_folder("resnet-a-2").name
    metrics = root / run_id / "logs" / "1" / "1000.log"
    with metrics.open("a") as out:
        out.write('{"index": 1, "data": 0.')  # the write a kill cut short
    second = next(run for run in read_swanlog(root) if run.source_id == run_id)
    assert [(key, columns.steps.tolist()) for key, columns in second.series()] == [("train/loss", [0])]
    with metrics.open("a") as out:
        out.write('\n{"index": 2, "data": "high", "create_time": "2026-01-01T00:00:00+00:00"}\n')
    with pytest.raises(InvalidInputError, match=re.escape(f"{metrics}:2: not a SwanLab metric line")):
        list(second.series())


def test_bad_sources_are_one_line_errors(swanlab_data: SwanlabData, tmp_path: Path) -> None:
    missing = import_swanlab(tmp_path / "runyard", str(tmp_path / "nowhere"))
    assert missing.exit_code == NotFoundError.exit_code and "no such folder" in missing.output
    offline = tmp_path / "offline"
    shutil.copytree(swanlab_data.run_folder("diverged"), offline / "run-20260101_000000-abcdefgh")
    refused = import_swanlab(tmp_path / "runyard", str(offline))
    assert refused.exit_code == InvalidInputError.exit_code and "no runs.swanlab" in refused.output
    (offline / "runs.swanlab").write_text("not a database")
    damaged = import_swanlab(tmp_path / "runyard", str(offline))
    assert damaged.exit_code == InvalidInputError.exit_code
    assert "is not a SwanLab dashboard database" in damaged.output
    root = _copy(swanlab_data, tmp_path)
    (root / swanlab_data.run_folder("resnet-a").name / "files" / "config.yaml").write_text("lr: [unclosed")
    bad_config = import_swanlab(tmp_path / "runyard", str(root))
    assert bad_config.exit_code == InvalidInputError.exit_code and "config.yaml" in bad_config.output
    assert not (tmp_path / "runyard" / "runyard.db").exists()  # read before the data dir is opened


def test_links_out_of_the_source_are_not_followed(swanlab_data: SwanlabData, tmp_path: Path) -> None:
    root = _copy(swanlab_data, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    folder = root / swanlab_data.run_folder("resnet-a").name
    (folder / "media" / "image" / "leak.png").symlink_to(secret)
    (folder / "files" / "outside").symlink_to(tmp_path, target_is_directory=True)
    resnet = next(run for run in read_swanlog(root) if run.name == "resnet-a")
    assert all("leak" not in path and not path.startswith("files/outside") for path, _file in resnet.artifacts)
    linked = root / swanlab_data.run_folder("diverged").name
    shutil.rmtree(linked)
    linked.symlink_to(folder, target_is_directory=True)
    with pytest.raises(InvalidInputError, match="symbolic link"):
        read_swanlog(root)


@pytest.mark.parametrize("line", [
    '{"index": 1.5, "data": 1.0, "create_time": "2026-01-01T00:00:00+00:00"}',
    '{"index": -1, "data": 1.0, "create_time": "2026-01-01T00:00:00+00:00"}',
    '{"index": "3", "data": 1.0, "create_time": "2026-01-01T00:00:00+00:00"}',
    '{"index": 3, "data": null, "create_time": "2026-01-01T00:00:00+00:00"}',
    '{"index": 3, "data": 1.0, "create_time": "yesterday"}',
    '{"index": 3, "data": 1.0}',
    '[1, 2]',
])
def test_a_damaged_metric_line_is_named(swanlab_data: SwanlabData, tmp_path: Path, line: str) -> None:
    root = _copy(swanlab_data, tmp_path)
    run_id = swanlab_data.run_folder("resnet-a-2").name
    metrics = root / run_id / "logs" / "1" / "1000.log"
    metrics.write_text(line + "\n")
    second = next(run for run in read_swanlog(root) if run.source_id == run_id)
    with pytest.raises(InvalidInputError, match=re.escape(f"{metrics}:1: not a SwanLab metric line")):
        list(second.series())


def test_config_order_comes_from_swanlab_sort(swanlab_data: SwanlabData, tmp_path: Path) -> None:
    root = _copy(swanlab_data, tmp_path)
    folder = root / swanlab_data.run_folder("resnet-a-2").name
    (folder / "files" / "config.yaml").write_text(
        "b: {value: 2, sort: 1}\na: {value: 1, sort: 0}\nc: {value: 3, sort: top}\nd: plain\n")
    second = next(run for run in read_swanlog(root) if run.name == "resnet-a-2")
    assert list(second.config.items()) == [("a", 1), ("c", 3), ("d", "plain"), ("b", 2)]
