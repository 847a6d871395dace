"""Nothing in an MLflow store becomes code or reaches outside it: hostile mlruns folders, by hand.

(The real client writes the well-formed stores of test_import_cmd.py; these are shapes it never writes.)
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.store import RunQuery, open_store

RUN_ID = "0123456789abcdef0123456789abcdef"


def _import(data_dir: Path, source: Path) -> Result:
    return CliRunner().invoke(app, ["--dir", str(data_dir), "import", "mlflow", str(source)])


def _mlruns(root: Path, experiment_meta: str = "experiment_id: '1'\nname: hostile\nlifecycle_stage: active\n") -> Path:
    run = root / "1" / RUN_ID
    (run / "artifacts").mkdir(parents=True)
    (root / "1" / "meta.yaml").write_text(experiment_meta)
    (run / "meta.yaml").write_text(f"run_id: {RUN_ID}\nexperiment_id: '1'\nstatus: 3\nstart_time: 1700000000000\n"
                                   "end_time: 1700000001000\nlifecycle_stage: active\nartifact_uri: ''\n")
    (run / "metrics").mkdir()
    (run / "metrics" / "loss").write_text("1700000000000 0.5 0\n")
    return root


def test_yaml_tags_are_not_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "constructed"
    source = _mlruns(tmp_path / "mlruns", f"!!python/object/apply:os.system ['touch {marker}']\n")
    done = _import(tmp_path / "data", source)
    assert done.exit_code == 1 and not marker.exists()
    assert done.stderr.startswith("runyard: error: ") and "not a readable MLflow meta.yaml" in done.stderr


def test_links_in_an_artifact_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the store")
    source = _mlruns(tmp_path / "mlruns")
    artifacts = source / "1" / RUN_ID / "artifacts"
    (artifacts / "model.pkl").write_bytes(b"\x80\x04K\x01.")  # a pickle: copied as bytes, never loaded
    (artifacts / "leak.txt").symlink_to(secret)
    (artifacts / "outside").symlink_to(tmp_path, target_is_directory=True)
    done = _import(tmp_path / "data", source)
    assert done.exit_code == 0, done.output
    with open_store(tmp_path / "data") as store:
        run = store.get_run_by_uid(RUN_ID)
        assert [artifact.path for artifact in store.list_artifacts(run.id)] == ["model.pkl"]
        assert store.read_artifact(run.id, "model.pkl") == b"\x80\x04K\x01."
        assert store.count_runs(RunQuery()) == 1


def test_a_damaged_metric_file_is_one_clear_line(tmp_path: Path) -> None:
    source = _mlruns(tmp_path / "mlruns")
    (source / "1" / RUN_ID / "metrics" / "loss").write_text("1700000000000 zero 0\n")
    done = _import(tmp_path / "data", source)
    assert done.exit_code == 1
    assert "not an MLflow metric line: '1700000000000 zero 0'" in done.stderr and done.stderr.count("\n") == 1
