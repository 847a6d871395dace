"""The W&B-like conveniences: the line `init` prints, `run.summary`, `run.config.update`, `define_metric`."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import runyard
from runyard.cli import app as cli_app
from runyard.sdk.spool import find_spools
from runyard.store import Store
from runyard.store.metric_defs import step_metric_of
from tests.live_server import LiveServer
from tests.sdk.test_remote import new_server, read_run


def test_init_prints_where_the_run_goes(data_dir: Path, capfd: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNYARD_QUIET", raising=False)
    run = runyard.init(project="my proj", name="a/b", dir=data_dir, capture_console=False, system_info=False)
    run.finish()
    out, err = capfd.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert len(lines) == 1, lines
    assert str(data_dir.resolve()) in lines[0] and "runyard: run my proj/a/b" in lines[0]
    assert "http://127.0.0.1:8000/projects/my%20proj/runs/a%2Fb" in lines[0]


def test_runyard_quiet_silences_it(data_dir: Path, capfd: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNYARD_QUIET", "1")
    runyard.init(project="p", dir=data_dir, capture_console=False, system_info=False).finish()
    assert capfd.readouterr().err == ""


def test_the_line_is_not_the_runs_console_output(data_dir: Path, reader: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNYARD_QUIET", raising=False)
    run = runyard.init(project="p", dir=data_dir, system_info=False)
    print("from the script")
    run.finish()
    lines = [line.line for line in reader.read_logs(reader.get_run_by_uid(run.uid).id)]
    assert lines == ["from the script"]


def test_remote_init_names_the_server_and_its_dashboard(tmp_path: Path, servers: list[LiveServer],
                                                        capfd: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNYARD_QUIET", raising=False)
    server = new_server(servers, tmp_path / "server").start()
    run = runyard.init(project="p", name="r", server=server.url, dir=tmp_path / "client",
                       capture_console=False, system_info=False)
    run.finish()
    (line,) = [line for line in capfd.readouterr().err.splitlines() if line.startswith("runyard: run")]
    assert line == f"runyard: run p/r -> {server.url}; dashboard: {server.url}/projects/p/runs/r"


def test_summary_config_and_metric_definitions_are_stored(data_dir: Path, reader: Store) -> None:
    run = runyard.init(project="p", dir=data_dir, config={"lr": 0.1}, capture_console=False, system_info=False)
    for epoch in range(3):
        run.log({"val/acc": 0.5 + epoch / 10, "epoch": epoch})
        run.summary["best_acc"] = 0.5 + epoch / 10  # every epoch: only the last value is written
    run.summary.update({"note": "done", "loss": 0.01})
    del run.summary["note"]
    run.config.update({"batch": 64}, layers=4)
    run.config["lr"] = 0.2
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    assert dict(run.summary) == {"best_acc": 0.7, "loss": 0.01}
    run.finish()
    stored = reader.get_run_by_uid(run.uid)
    assert stored.config == {"lr": 0.2, "batch": 64, "layers": 4}
    assert stored.summary == {"best_acc": 0.7, "loss": 0.01}
    assert stored.metric_defs == {"epoch": {}, "val/*": {"step_metric": "epoch"}}


def test_a_resumed_run_keeps_its_config_and_summary(data_dir: Path, reader: Store) -> None:
    first = runyard.init(project="p", name="r", dir=data_dir, config={"a": 1}, capture_console=False,
                         system_info=False)
    first.summary["best"] = 1.0
    first.define_metric("val/*", step_metric="epoch")
    first.finish()
    again = runyard.init(project="p", name="r", resume=True, dir=data_dir, config={"b": 2},
                         capture_console=False, system_info=False)
    assert dict(again.config) == {"a": 1, "b": 2} and dict(again.summary) == {"best": 1.0}
    again.config.update({"c": 3})
    again.summary["last"] = 2.0
    again.finish()
    stored = reader.get_run_by_uid(first.uid)
    assert stored.config == {"a": 1, "b": 2, "c": 3}
    assert stored.summary == {"best": 1.0, "last": 2.0}
    assert stored.metric_defs == {"val/*": {"step_metric": "epoch"}}


def test_remote_summary_config_and_definitions(tmp_path: Path, servers: list[LiveServer]) -> None:
    server = new_server(servers, tmp_path / "server").start()
    run = runyard.init(project="p", server=server.url, dir=tmp_path / "client", config={"lr": 0.1},
                       capture_console=False, system_info=False)
    run.summary["best"] = 0.9
    run.config.update({"batch": 8})
    run.define_metric("val/*", step_metric="epoch")
    run.finish()
    store, run_id = read_run(server.data_dir, run.uid)
    try:
        stored = store.get_run(run_id)
        assert stored.summary == {"best": 0.9} and stored.config == {"lr": 0.1, "batch": 8}
        assert stored.metric_defs == {"val/*": {"step_metric": "epoch"}}
    finally:
        store.close()


def test_misuse_raises_at_the_call(data_dir: Path) -> None:
    run = runyard.init(project="p", dir=data_dir, capture_console=False, system_info=False)
    with pytest.raises(TypeError):
        run.summary.update({"": 2})
    with pytest.raises(TypeError):
        run.define_metric("")
    with pytest.raises(TypeError):
        run.define_metric("val/*", step_metric=3)  # type: ignore[arg-type]
    run.finish()
    with pytest.raises(RuntimeError, match="finished"):
        run.summary["late"] = 1


@pytest.mark.parametrize(("key", "expected"), [
    ("val/acc", "epoch"), ("val/top/5", "epoch"), ("val/loss", "step2"), ("train/loss", None), ("epoch", None),
])
def test_step_metric_exact_wins_then_the_longest_glob(key: str, expected: str | None) -> None:
    definitions = {"val/*": {"step_metric": "epoch"}, "val/loss": {"step_metric": "step2"}, "epoch": {}}
    assert step_metric_of(definitions, key) == expected


def test_finish_with_the_server_down_says_so_at_once_and_sync_keeps_the_times(
        tmp_path: Path, servers: list[LiveServer], capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNYARD_QUIET", raising=False)
    server = new_server(servers, tmp_path / "server")  # not started: the server is down all along
    client_dir = tmp_path / "client"
    before_init = time.time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = runyard.init(project="p", name="offline", server=server.url, dir=client_dir,
                           capture_console=False, system_info=False)  # the default drain_timeout: 30 s
        after_init = time.time()
        run.log({"loss": 0.5})
        before_finish = time.time()
        run.finish()
        after_finish = time.time()
    (line,) = [line for line in capfd.readouterr().err.splitlines() if line.startswith("runyard: run")]
    assert f"-> {server.url} (unreachable now: spooled in {client_dir.resolve()}" in line
    # Not the 30 s drain timeout: a down server is reported at once and the run left to sync.
    assert after_finish - before_finish < 5.0
    messages = [str(w.message) for w in caught]
    left = [m for m in messages if "are not sent" in m]
    assert len(left) == 1 and f"{server.url} is unreachable" in left[0] and "runyard sync" in left[0], messages
    assert str(client_dir / "spool" / run.uid) in left[0]
    time.sleep(1.5)  # so a sync-time clock could not pass for the run's own times
    server.start()
    synced_at = time.time()
    result = CliRunner().invoke(cli_app, ["sync", "--dir", str(client_dir)])
    assert result.exit_code == 0, result.output
    assert find_spools(client_dir) == []
    store, run_id = read_run(server.data_dir, run.uid)
    with store:
        stored = store.get_run(run_id)
        assert stored.status == "finished" and store.read_metric(run_id, "loss").values.tolist() == [0.5]
        assert before_init <= stored.start_time <= after_init < synced_at
        assert stored.end_time is not None and before_finish <= stored.end_time <= after_finish < synced_at
