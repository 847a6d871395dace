"""`runyard import expman DIR` on experiment folders written by the real expman-rs.

What expman's own read API reads back (run.yaml, config.yaml, every metric row) must arrive
exactly: experiment -> project, run -> run with its status, times, tags, description, config,
every metric point with its wall time, console and run.log lines, artifact and media bytes;
a second import adds nothing; a damaged file is refused before anything is written.
"""

from __future__ import annotations

import math
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.importers.writer import import_uid
from runyard.store import open_store
from runyard.store.query import RunQuery
from tests.importers.expman.conftest import ExpmanRuns

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATUS = {"FINISHED": "finished", "FAILED": "failed"}


def uid(folder: Path) -> str:
    """The uid of the run imported from a run folder (found again by its absolute path)."""
    return import_uid("expman", folder.resolve().as_posix())


def import_expman(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--dir", str(data_dir), "import", "expman", *args])


def _seconds(rfc3339: str) -> float:
    """expman writes nanoseconds; runyard keeps microseconds (as YAML readers do)."""
    whole, _, rest = rfc3339.rstrip("Z").partition(".")
    fraction = rest.split("+")[0]
    return datetime.fromisoformat(f"{whole}.{fraction[:6].ljust(6, '0')}+00:00").timestamp()


def _micros(iso: str) -> int:
    return (datetime.fromisoformat(iso) - EPOCH) // timedelta(microseconds=1)


@pytest.fixture(scope="module")
def imported(expman_runs: ExpmanRuns, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result, Result]:
    data_dir = tmp_path_factory.mktemp("data")
    return data_dir, import_expman(data_dir, str(expman_runs.base)), import_expman(data_dir, str(expman_runs.base))


def test_runs_arrive_as_expman_reads_them(expman_runs: ExpmanRuns, imported: tuple[Path, Result, Result]) -> None:
    data_dir, first, _ = imported
    assert first.exit_code == 0, first.output
    points = sum(value is not None for want in expman_runs.expected.values() for row in want["metrics"]
                 for key, value in row.items() if key not in ("step", "timestamp"))
    assert f"3 new runs, 0 already there (brought up to date), {points:,} new metric points" in first.output
    assert sorted(expman_runs.expected) == ["cifar/wide", "mnist/lr-0.1", "mnist/lr-1.0"]
    with open_store(data_dir) as store:
        for source, want in expman_runs.expected.items():
            meta = want["run"]
            run = store.get_run_by_uid(uid(expman_runs.base / source))
            assert store.get_project(run.project_id).name == meta["experiment"] == source.split("/")[0]
            assert run.name == meta["name"] and run.status == STATUS[meta["status"]]
            assert (run.start_time, run.end_time) == (_seconds(meta["started_at"]), _seconds(meta["finished_at"]))
            assert run.tags == (meta["tags"] or []) and run.description == (meta["description"] or "")
            assert run.config == want["config"] and run.summary == (meta["scalars"] or {})
            keys = {key for row in want["metrics"] for key in row} - {"step", "timestamp"}
            assert sorted(store.metric_summaries([run.id])[run.id]) == sorted(keys)
            for key in keys:
                rows = [row for row in want["metrics"] if row[key] is not None]
                got = store.read_metric(run.id, key)
                assert got.steps.tolist() == [row["step"] for row in rows]
                assert got.values.tolist() == [row[key] for row in rows]
                # the store keeps wall times in microseconds, as expman does
                assert np.round(got.times * 1e6).astype(np.int64).tolist() == [_micros(row["timestamp"]) for row in rows]


def test_logs_artifacts_and_media_arrive(expman_runs: ExpmanRuns, imported: tuple[Path, Result, Result]) -> None:
    with open_store(imported[0]) as store:
        run = store.get_run_by_uid(uid(expman_runs.base / "mnist" / "lr-0.1"))
        assert run.summary == {"best_acc": 0.975, "epochs_run": 3}  # log_scalar's values
        lines = [(line.stream, line.line) for line in store.read_logs(run.id)]
        assert lines == [("stdout", "epoch 1 done"), ("stdout", "warning: slow"), ("stdout", "[INFO] checkpoint saved")]
        assert store.read_logs(run.id)[0].time == run.start_time  # console.log has no times
        artifacts = {artifact.path: artifact.size for artifact in store.list_artifacts(run.id)}
        media = expman_runs.base / "mnist" / "lr-0.1" / "media" / "sample-00000003.png"
        assert artifacts == {"notes.txt": 14, "media/sample-00000003.png": media.stat().st_size}
        failed = store.get_run_by_uid(uid(expman_runs.base / "mnist" / "lr-1.0"))
        assert [(line.stream, line.line) for line in store.read_logs(failed.id)] == [("stderr", "[WARN] run FAILED: loss diverged")]


def test_second_import_adds_nothing(imported: tuple[Path, Result, Result]) -> None:
    second = imported[2]
    assert second.exit_code == 0, second.output
    assert ("0 new runs, 3 already there (brought up to date), 0 new metric points, 0 log lines, 0 artifact files"
            in second.output)


def test_older_metrics_file_name_and_non_finite_values(expman_runs: ExpmanRuns, tmp_path: Path) -> None:
    # expman-rs 1.3.0 writes NaN and infinities as nulls; a file holding them (written to the
    # documented layout, under the older name metrics.parquet) keeps them.
    run_dir = tmp_path / "exps" / "old" / "r1"
    shutil.copytree(expman_runs.base / "cifar" / "wide", run_dir)
    (run_dir / "vectors.parquet").unlink()
    stamps = pa.array([1_700_000_000_000_000, 1_700_000_001_500_000], pa.timestamp("us", tz="UTC"))
    pq.write_table(pa.table({"step": pa.array([0, 5], pa.int64()), "timestamp": stamps,
                             "loss": [math.nan, math.inf]}), run_dir / "metrics.parquet")
    assert import_expman(tmp_path / "data", str(tmp_path / "exps" / "old"), "--project", "legacy").exit_code == 0
    with open_store(tmp_path / "data") as store:
        run = store.get_run_by_uid(uid(run_dir))
        assert store.get_project(run.project_id).name == "legacy"
        loss = store.read_metric(run.id, "loss")
        assert loss.steps.tolist() == [0, 5] and np.isnan(loss.values[0]) and loss.values[1] == math.inf
        assert loss.times.tolist() == [1_700_000_000.0, 1_700_000_001.5]


def test_damaged_sources_are_refused_before_anything_is_written(expman_runs: ExpmanRuns, tmp_path: Path) -> None:
    base = tmp_path / "exps"
    shutil.copytree(expman_runs.base, base)
    metrics = base / "mnist" / "lr-1.0" / "vectors.parquet"
    metrics.write_bytes(metrics.read_bytes()[:40])
    result = import_expman(tmp_path / "data", str(base))
    assert result.exit_code == 1 and str(metrics) in result.output and "not a readable Parquet file" in result.output
    metrics.unlink()
    (base / "cifar" / "wide" / "run.yaml").write_text("status: [unclosed\n")
    result = import_expman(tmp_path / "data", str(base))
    assert result.exit_code == 1 and "run.yaml: not readable YAML" in result.output
    with open_store(tmp_path / "data") as store:
        assert store.list_projects() == []
    missing = import_expman(tmp_path / "data", str(tmp_path / "nowhere"))
    assert missing.exit_code != 0 and "no expman folder at" in missing.output
    empty = import_expman(tmp_path / "data", str(expman_runs.files))
    assert empty.exit_code != 0 and "holds no expman runs" in empty.output


def test_links_out_of_the_source_are_not_followed(expman_runs: ExpmanRuns, tmp_path: Path) -> None:
    base = tmp_path / "exps"
    shutil.copytree(expman_runs.base / "mnist" / "lr-1.0", base / "mnist" / "lr-1.0")
    (base / "mnist" / "lr-1.0" / "artifacts" / "secret.txt").symlink_to(expman_runs.files / "notes.txt")
    (base / "mnist" / "lr-1.0" / "artifacts" / "linked").symlink_to(expman_runs.files)
    (base / "mnist" / "linked-run").symlink_to(expman_runs.base / "mnist" / "lr-0.1")
    assert import_expman(tmp_path / "data", str(base)).exit_code == 0
    with open_store(tmp_path / "data") as store:
        run = store.get_run_by_uid(uid(base / "mnist" / "lr-1.0"))
        assert store.list_artifacts(run.id) == []
        assert store.count_runs(RunQuery()) == 1
