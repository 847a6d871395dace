"""Run identity, names, resume, statuses, metadata and the module-level state."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import numpy as np
import pytest

import runyard
from runyard.errors import ConflictError, NotFoundError
from runyard.sdk import RunyardWarning
from runyard.store import Store


def test_fresh_names_and_identity(data_dir: Path, reader: Store) -> None:
    first = runyard.init(project="proj", dir=data_dir, capture_console=False, config={"lr": 0.1}, tags=["a"], notes="n")
    first.finish()
    second = runyard.init(project="proj", dir=data_dir, capture_console=False)
    second.finish()
    assert first.name and second.name and first.name != second.name
    assert first.uid.startswith("run-") and first.uid != second.uid
    stored = reader.get_run(first.id)
    assert stored.config == {"lr": 0.1} and stored.tags == ["a"] and stored.notes == "n"
    assert stored.pid > 0 and stored.host
    assert reader.get_project(stored.project_id).name == "proj"
    assert "proj" in repr(first) and "finished" in repr(first)


def test_name_reuse_without_resume_is_a_conflict(data_dir: Path, reader: Store) -> None:
    runyard.init(project="p", name="baseline", dir=data_dir, capture_console=False).finish()
    with pytest.raises(ConflictError, match=r"'baseline'.*resume=True"):
        runyard.init(project="p", name="baseline", dir=data_dir, capture_console=False)
    assert runyard.run is None
    # Same name in another project is fine.
    runyard.init(project="other", name="baseline", dir=data_dir, capture_console=False).finish()
    assert len(reader.list_projects()) == 2


def test_resume_continues_steps(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", name="long", dir=data_dir, capture_console=False, tags=["t1"], config={"a": 1}) as run:
        for i in range(5):
            run.log({"loss": float(i)})
        run.log({"other": 1.0}, step=7)
    with runyard.init(project="p", name="long", resume=True, dir=data_dir, capture_console=False, tags=["t2"], config={"b": 2}) as again:
        assert again.resumed and again.id == run.id and again.uid == run.uid
        assert again.step == 8
        assert reader.get_run(run.id).status == "running"
        again.log({"loss": 5.0})
    loss = reader.read_metric(run.id, "loss")
    assert loss.steps.tolist() == [0, 1, 2, 3, 4, 8]
    stored = reader.get_run(run.id)
    assert stored.status == "finished"
    assert stored.tags == ["t1", "t2"] and stored.config == {"a": 1, "b": 2}


def test_resume_by_uid_and_by_name(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", name="r", dir=data_dir, capture_console=False) as run:
        run.log({"x": 1.0})
    with runyard.init(project="p", resume=run.uid, dir=data_dir, capture_console=False) as by_uid:
        assert by_uid.id == run.id and by_uid.step == 1
        by_uid.log({"x": 2.0})
    with runyard.init(project="p", resume="r", dir=data_dir, capture_console=False) as by_name:
        assert by_name.id == run.id and by_name.step == 2
    assert reader.read_metric(run.id, "x").values.tolist() == [1.0, 2.0]


def test_resume_errors(data_dir: Path) -> None:
    with pytest.raises(NotFoundError, match="no run named 'ghost'"):
        runyard.init(project="p", name="ghost", resume=True, dir=data_dir, capture_console=False)
    with pytest.raises(ValueError, match="needs name="):
        runyard.init(project="p", resume=True, dir=data_dir, capture_console=False)
    with runyard.init(project="p", name="mine", dir=data_dir, capture_console=False) as run:
        pass
    with pytest.raises(ConflictError, match="another project"):
        runyard.init(project="q", resume=run.uid, dir=data_dir, capture_console=False)
    assert runyard.run is None


def test_resume_refuses_a_run_alive_elsewhere(data_dir: Path, reader: Store) -> None:
    import subprocess

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        import psutil

        started = psutil.Process(sleeper.pid).create_time()
        project = reader.get_or_create_project("p")
        import socket

        reader.create_run(project.id, name="busy", host=socket.gethostname(), pid=sleeper.pid, pid_started_at=started)
        with pytest.raises(ConflictError, match="still running"):
            runyard.init(project="p", name="busy", resume=True, dir=data_dir, capture_console=False)
    finally:
        sleeper.kill()
        sleeper.wait()
    with runyard.init(project="p", name="busy", resume=True, dir=data_dir, capture_console=False) as run:
        assert run.resumed


def test_context_manager_statuses(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as ok:
        ok.log({"a": 1.0})
    assert reader.get_run(ok.id).status == "finished"

    with pytest.raises(ZeroDivisionError), runyard.init(project="p", dir=data_dir, capture_console=False) as bad:
        bad.log({"a": 1.0})
        _ = 1 / 0
    assert reader.get_run(bad.id).status == "failed"
    text = "\n".join(line.line for line in reader.read_logs(bad.id))
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError" in text
    assert reader.read_metric(bad.id, "a").values.tolist() == [1.0]

    with pytest.raises(KeyboardInterrupt), runyard.init(project="p", dir=data_dir, capture_console=False) as stopped:
        raise KeyboardInterrupt
    assert reader.get_run(stopped.id).status == "killed"


def test_params_tags_artifacts(data_dir: Path, reader: Store, tmp_path: Path) -> None:
    model = tmp_path / "model.bin"
    model.write_bytes(b"\x00weights" * 100)
    with runyard.init(project="p", dir=data_dir, capture_console=False, tags=["x"]) as run:
        run.log_params({"lr": 0.01, "layers": [64, 64]})
        run.log_params({"lr": 0.02, "opt": "adam"})
        run.set_tags(["baseline", "gpu"])
        art = run.log_artifact(model)
        named = run.log_artifact(str(model), name="best/model.bin")
        with pytest.raises(FileNotFoundError):
            run.log_artifact(tmp_path / "missing.bin")
        with pytest.raises(TypeError):
            run.set_tags("single")
    stored = reader.get_run(run.id)
    assert stored.params == {"lr": 0.02, "layers": [64, 64], "opt": "adam"}
    assert stored.tags == ["baseline", "gpu"]
    assert art.size == 800 and named.path.endswith("model.bin")
    paths = sorted(a.path for a in reader.list_artifacts(run.id))
    assert len(paths) == 2
    assert reader.read_artifact(run.id, named.path) == model.read_bytes()


def test_system_info_is_recorded(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as run:
        pass
    system = reader.get_run(run.id).system
    assert system["python_executable"] == sys.executable
    assert system["runyard_version"] == runyard.__version__
    assert system["cpu_count_logical"] >= 1 and system["memory_total_bytes"] > 0
    assert isinstance(system["gpus"], list) and system["argv"] == sys.argv
    assert system["hostname"] and system["cwd"]
    # The installed packages, as `pip freeze` names them (swanboard's Environment > Requirements).
    assert f"numpy=={np.__version__}" in system["requirements"]
    assert system["requirements"] == sorted(system["requirements"], key=lambda line: line.split("==")[0].lower())


def test_init_finishes_the_previous_run(data_dir: Path, reader: Store) -> None:
    first = runyard.init(project="p", dir=data_dir, capture_console=False)
    with pytest.warns(RunyardWarning, match="finishing the previous run"):
        second = runyard.init(project="p", dir=data_dir, capture_console=False)
    assert runyard.run is second
    assert reader.get_run(first.id).status == "finished"
    runyard.finish()
    runyard.finish()  # no current run: nothing to do
    assert reader.get_run(second.id).status == "finished"


def test_hooks_installed_while_running(data_dir: Path) -> None:
    hook = sys.excepthook
    term = signal.getsignal(signal.SIGTERM)
    run = runyard.init(project="p", dir=data_dir, capture_console=False)
    assert sys.excepthook is not hook
    assert signal.getsignal(signal.SIGTERM) is not term
    run.finish()
    assert sys.excepthook is hook and signal.getsignal(signal.SIGTERM) is term


def test_invalid_init_arguments(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="project"):
        runyard.init(project="", dir=data_dir)
    with pytest.raises(TypeError, match="tags"):
        runyard.init(project="p", tags="abc", dir=data_dir)
    with pytest.raises(ValueError, match="heartbeat_interval"):
        runyard.init(project="p", heartbeat_interval=0, dir=data_dir)


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNYARD_DIR", str(tmp_path / "envdir"))
    with runyard.init(project="p", capture_console=False) as run:
        pass
    assert run.dir == (tmp_path / "envdir").absolute()
    assert (tmp_path / "envdir" / "runyard.db").exists()


def test_api_attribute_is_lazy() -> None:
    try:
        api = runyard.Api
    except AttributeError:
        pytest.skip("runyard.api is not there yet")
    assert api.__name__ == "Api"
