"""Real processes: concurrent writers, crashes, signals and the heartbeat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from runyard.store import Store
from tests.sdk.helpers import start_script, wait_for_line, write_script

LOGGER = """
import sys, runyard
name, steps = sys.argv[1], int(sys.argv[2])
run = runyard.init(project="shared", name=name, dir={data_dir!r}, capture_console=False)
for i in range(steps):
    runyard.log({{"x": i * 0.5, "y": float(len(name))}})
    if i % 2000 == 0:
        run.log_params({{"progress": i}})
runyard.finish()
"""

SIGNALLED = """
import sys, time, runyard
run = runyard.init(project="p", name="victim", dir={data_dir!r}, heartbeat_interval={beat})
for i in range(1000):
    runyard.log({{"loss": float(i)}})
print("before the end", flush=True)
time.sleep(0.8)  # past a flush, so data and line are on disk before READY
print("READY", flush=True)
while True:
    time.sleep(0.05)
"""


def run_named(reader: Store, project: str, name: str):  # type: ignore[no-untyped-def]
    return reader.get_run_by_name(reader.get_project_by_name(project).id, name)


def test_two_processes_share_a_data_dir(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(tmp_path, LOGGER.format(data_dir=str(data_dir)))
    steps = 30_000
    procs = [start_script(script, name, str(steps)) for name in ("alpha", "beta-run")]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    for name in ("alpha", "beta-run"):
        run = run_named(reader, "shared", name)
        assert run.status == "finished"
        x = reader.read_metric(run.id, "x")
        assert np.array_equal(x.steps, np.arange(steps))
        assert np.array_equal(x.values, np.arange(steps) * 0.5)
        assert np.all(reader.read_metric(run.id, "y").values == float(len(name)))
        assert run.params["progress"] == 28_000


def test_uncaught_exception_marks_failed(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(
        tmp_path,
        f"""
        import runyard
        runyard.init(project="p", name="boom", dir={str(data_dir)!r})
        runyard.log({{"loss": 1.0}})
        print("about to fail")
        def train():
            raise ValueError("exploding gradient")
        train()
        """,
    )
    proc = start_script(script)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "ValueError: exploding gradient" in err  # the user still sees the traceback
    assert err.count("Traceback") == 1
    run = run_named(reader, "p", "boom")
    assert run.status == "failed" and run.end_time is not None
    text = [line.line for line in reader.read_logs(run.id)]
    assert text[0] == "about to fail"
    assert "Traceback (most recent call last):" in text
    assert "ValueError: exploding gradient" in text
    assert any("in train" in line for line in text)
    assert reader.read_metric(run.id, "loss").values.tolist() == [1.0]


def test_normal_exit_without_finish_is_finished(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(
        tmp_path,
        f"""
        import runyard
        runyard.init(project="p", name="atexit", dir={str(data_dir)!r})
        for i in range(500):
            runyard.log({{"a": float(i)}})
        """,
    )
    proc = start_script(script)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert err == ""
    run = run_named(reader, "p", "atexit")
    assert run.status == "finished"
    assert len(reader.read_metric(run.id, "a")) == 500


def test_sigterm_marks_killed_and_exits_as_sigterm(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(tmp_path, SIGNALLED.format(data_dir=str(data_dir), beat=10.0))
    proc = start_script(script)
    wait_for_line(proc, "READY")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM, err
    run = run_named(reader, "p", "victim")
    assert run.status == "killed"
    assert len(reader.read_metric(run.id, "loss")) == 1000
    assert [line.line for line in reader.read_logs(run.id)] == ["before the end", "READY"]


def test_sigterm_chains_to_a_user_handler(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(
        tmp_path,
        f"""
        import signal, sys, time, runyard
        def on_term(signum, frame):
            print("user handler ran", flush=True)
            sys.exit(3)
        signal.signal(signal.SIGTERM, on_term)
        runyard.init(project="p", name="chained", dir={str(data_dir)!r}, capture_console=False)
        print("READY", flush=True)
        while True:
            time.sleep(0.05)
        """,
    )
    proc = start_script(script)
    wait_for_line(proc, "READY")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    assert "user handler ran" in out
    assert run_named(reader, "p", "chained").status == "killed"


def test_sigint_marks_killed(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(tmp_path, SIGNALLED.format(data_dir=str(data_dir), beat=10.0))
    proc = start_script(script)
    wait_for_line(proc, "READY")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in err
    run = run_named(reader, "p", "victim")
    assert run.status == "killed"
    assert len(reader.read_metric(run.id, "loss")) == 1000


def test_sigkill_is_crashed_once_noticed(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(tmp_path, SIGNALLED.format(data_dir=str(data_dir), beat=10.0))
    proc = start_script(script)
    wait_for_line(proc, "READY")
    run = run_named(reader, "p", "victim")
    assert reader.mark_stale_runs_crashed(3600) == []  # alive: left alone
    proc.kill()
    proc.communicate(timeout=30)
    assert run_named(reader, "p", "victim").status == "running"  # nobody noticed yet
    # Same host: the pid check notices at once, whatever the heartbeat age.
    assert reader.mark_stale_runs_crashed(3600) == [run.id]
    assert run_named(reader, "p", "victim").status == "crashed"
    assert len(reader.read_metric(run.id, "loss")) == 1000


def test_heartbeat_keeps_a_remote_run_alive(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    # Pretend the run lives on another host, so only its heartbeat tells it is alive.
    script = write_script(
        tmp_path,
        "import socket\nsocket.gethostname = lambda: 'far-away-host'\n"
        + SIGNALLED.format(data_dir=str(data_dir), beat=0.2),
    )
    proc = start_script(script)
    try:
        wait_for_line(proc, "READY")
        run = run_named(reader, "p", "victim")
        assert run.host == "far-away-host"
        first_beat = run.heartbeat_at
        time.sleep(1.5)
        assert reader.mark_stale_runs_crashed(1.0) == []  # heartbeats every 0.2 s
        assert run_named(reader, "p", "victim").heartbeat_at > first_beat
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    time.sleep(1.2)
    assert reader.mark_stale_runs_crashed(1.0) == [run.id]
    assert run_named(reader, "p", "victim").status == "crashed"


def test_init_from_a_thread_skips_signal_handlers(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(
        tmp_path,
        f"""
        import signal, threading, runyard
        def work():
            runyard.init(project="p", name="threaded", dir={str(data_dir)!r}, capture_console=False)
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
            runyard.log({{"a": 1.0}})
            runyard.finish()
        t = threading.Thread(target=work)
        t.start(); t.join()
        """,
    )
    proc = start_script(script)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert run_named(reader, "p", "threaded").status == "finished"


def test_no_background_threads_keep_the_process_alive(tmp_path: Path, data_dir: Path) -> None:
    # A script that never calls finish must still exit promptly.
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", f"import runyard; runyard.init(project='p', dir={str(data_dir)!r}, heartbeat_interval=3600)"],
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if k != "RUNYARD_DIR"},
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 10
