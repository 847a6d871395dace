"""`runyard import tensorboard LOGDIR` on logs written by the real writer (tensorboardX).

Every scalar arrives exactly (float32 `simple_value`s as the float32 the file holds, float64
tensors unchanged, NaN and infinities kept) with its step and wall time, one run per folder named
by its path under LOGDIR; a restarted run's later event file wins; a second import adds nothing;
add_hparams' values become the config; histograms and text are reported as not imported; damaged files are refused before anything is
written, a file cut mid-record is read up to its last whole record, symlinks are not followed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.importers.writer import import_uid
from runyard.store import open_store
from runyard.store.query import RunQuery
from tests.importers.tensorboard.conftest import TensorboardLogs


def uid(folder: Path) -> str:
    """The uid of the run imported from a run folder (found again by its absolute path)."""
    return import_uid("tensorboard", folder.resolve().as_posix())


def import_tb(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--dir", str(data_dir), "import", "tensorboard", *args])


def _expected(points: list[list[object]]) -> tuple[list[int], list[str], list[float]]:
    steps = [int(step) for step, *_ in points]  # type: ignore[call-overload]
    values = [repr(float(np.float32(value)) if f32 else float(value))  # type: ignore[arg-type]
              for _, value, _, f32 in points]
    times = [float(wall) for _, _, wall, _ in points]  # type: ignore[arg-type]
    return steps, values, times


@pytest.fixture(scope="module")
def imported(tb_logs: TensorboardLogs, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result, Result]:
    data_dir = tmp_path_factory.mktemp("data")
    return data_dir, import_tb(data_dir, str(tb_logs.logdir)), import_tb(data_dir, str(tb_logs.logdir))


def test_every_scalar_arrives_exactly(tb_logs: TensorboardLogs, imported: tuple[Path, Result, Result]) -> None:
    data_dir, first, _ = imported
    assert first.exit_code == 0, first.output
    total = sum(len(points) for tags in tb_logs.written.values() for points in tags.values()) + 1  # + hp/acc
    assert f"4 new runs, 0 already there (brought up to date), {total:,} new metric points" in first.output
    with open_store(data_dir) as store:
        project = store.get_project_by_name("mnist")
        runs = {run.name: run for run in store.search_runs(RunQuery(project_ids=(project.id,)))}
        assert sorted(runs) == ["eval/seed-1", "mnist", "train", "train/hp"]
        for source, tags in tb_logs.written.items():
            run = store.get_run_by_uid(uid(tb_logs.logdir / source))
            assert run.name == ("mnist" if source == "." else source) and run.status == "finished"
            assert sorted(store.metric_summaries([run.id])[run.id]) == sorted(tags)
            for tag, points in tags.items():
                got = store.read_metric(run.id, tag)
                assert (got.steps.tolist(), [repr(v) for v in got.values.tolist()], got.times.tolist()) == \
                    _expected(points), (source, tag)
            walls = [wall for points in tags.values() for _, _, wall, _ in points]
            assert run.end_time == max(walls)  # type: ignore[type-var]
            assert tb_logs.made_after - 1 <= (run.start_time or 0) <= tb_logs.made_before  # the file's creation


def test_float32_rounding_and_specials_are_the_files(tb_logs: TensorboardLogs,
                                                     imported: tuple[Path, Result, Result]) -> None:
    with open_store(imported[0]) as store:
        train = store.get_run_by_uid(uid(tb_logs.logdir / "train"))
        special = store.read_metric(train.id, "special").values
        assert np.isnan(special[0]) and special[1] == np.inf and special[2] == -np.inf
        assert special[5] == float(np.float32(3.4e38)) != 3.4e38
        exact = store.read_metric(train.id, "val/exact").values.tolist()
        assert exact == [0.1, 0.1 + 1 / 3, 0.1 + 2 / 3]  # float64 tensors: not rounded
        seed = store.read_metric(store.get_run_by_uid(uid(tb_logs.logdir / "eval/seed-1")).id, "acc")
        assert seed.values.tolist()[4:6] == [float(np.float32(4 / 7)), float(np.float32(5 / 7 + 1))]


def test_hparams_become_the_config(tb_logs: TensorboardLogs, imported: tuple[Path, Result, Result]) -> None:
    with open_store(imported[0]) as store:
        run = store.get_run_by_uid(uid(tb_logs.logdir / "train/hp"))
        # The hparams plugin keeps every number as a double: 32 arrives as 32.0.
        assert run.config == {"lr": 0.01, "optimizer": "adam", "batch": 32.0, "nesterov": True}
        assert run.status == "finished"  # its session-end record: STATUS_SUCCESS
        acc = store.read_metric(run.id, "hp/acc")
        assert acc.steps.tolist() == [0] and acc.values.tolist() == [float(np.float32(0.75))]
        assert store.get_run_by_uid(uid(tb_logs.logdir / "train")).config == {}


def test_second_import_adds_nothing_and_drops_are_reported(imported: tuple[Path, Result, Result]) -> None:
    _, first, second = imported
    assert second.exit_code == 0, second.output
    assert "0 new runs, 4 already there (brought up to date), 0 new metric points" in second.output
    assert "not imported (runyard keeps scalars only): 1 histograms, 1 points at negative steps, 1 text" in first.output


def test_damaged_file_is_refused_before_anything_is_written(tb_logs: TensorboardLogs, tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    shutil.copytree(tb_logs.logdir, logdir)
    damaged = next((logdir / "train").glob("*tfevents*"))
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 0x01
    damaged.write_bytes(bytes(content))
    result = import_tb(tmp_path / "data", str(logdir))
    assert result.exit_code == 1 and str(damaged) in result.output and "checksum mismatch" in result.output
    with open_store(tmp_path / "data") as store:
        assert store.list_projects() == []


def test_a_file_cut_mid_record_is_read_to_its_last_whole_record(tb_logs: TensorboardLogs, tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    shutil.copytree(tb_logs.logdir / "eval", logdir)
    later = sorted((logdir / "seed-1").glob("*tfevents*"))[-1]
    later.write_bytes(later.read_bytes()[:-3])  # the last event (acc at step 14) is incomplete
    assert import_tb(tmp_path / "data", str(logdir)).exit_code == 0
    with open_store(tmp_path / "data") as store:
        acc = store.read_metric(store.get_run_by_uid(uid(logdir / "seed-1")).id, "acc")
        assert acc.steps.tolist() == list(range(14))


def test_symlinks_are_not_followed_and_bad_sources_say_why(tb_logs: TensorboardLogs, tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    (logdir / "own").mkdir(parents=True)
    (logdir / "linked").symlink_to(tb_logs.logdir / "train")
    shutil.copy(next((tb_logs.logdir / "train").glob("*tfevents*")), logdir / "own")
    (logdir / "own" / "events.out.tfevents.9.link").symlink_to(next(tb_logs.logdir.glob("*tfevents*")))
    assert import_tb(tmp_path / "data", str(logdir), "--project", "p").exit_code == 0
    with open_store(tmp_path / "data") as store:
        (run,) = store.search_runs(RunQuery(project_ids=(store.get_project_by_name("p").id,)))
        assert run.name == "own" and "x" not in store.metric_summaries([run.id])[run.id]
    missing = import_tb(tmp_path / "data", str(tmp_path / "missing"))
    assert missing.exit_code != 0 and "no TensorBoard log directory at" in missing.output
    empty = import_tb(tmp_path / "data", str(tmp_path / "data"))
    assert empty.exit_code != 0 and "holds no TensorBoard event files" in empty.output


def test_same_folder_names_in_other_logdirs_are_other_runs(tb_logs: TensorboardLogs, tmp_path: Path) -> None:
    for copy in ("a", "b"):
        shutil.copytree(tb_logs.logdir / "eval", tmp_path / copy / "logs")
        assert import_tb(tmp_path / "data", str(tmp_path / copy / "logs"), "--project", "p").exit_code == 0
    with open_store(tmp_path / "data") as store:
        runs = store.search_runs(RunQuery(project_ids=(store.get_project_by_name("p").id,)))
        assert sorted(run.name for run in runs) == ["seed-1", "seed-1-2"]
        assert all(len(store.read_metric(run.id, "acc")) == 15 for run in runs)
