"""Remote mode against a real `runyard serve`: exact read-back, outages, idempotence, tenants and sync."""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import runyard
from runyard.cli import app as cli_app
from runyard.errors import AuthError, NotFoundError
from runyard.sdk.http_client import IngestClient
from runyard.sdk.spool import Spool, find_spools
from runyard.sdk.wire import PREFIX, json_request, metrics_request
from runyard.store import MetricColumns, Store, open_store
from tests.live_server import LiveServer
from tests.sdk.helpers import start_script, wait_for_line, write_script


def new_server(servers: list[LiveServer], data_dir: Path, *, auth: bool = False) -> LiveServer:
    """A server on a free port (not started yet) that the `servers` fixture stops at the end."""
    server = LiveServer(data_dir, extra=("--auth",) if auth else ())
    servers.append(server)
    return server


def read_run(data_dir: Path, uid: str) -> tuple[Store, int]:
    store = open_store(data_dir)
    return store, store.get_run_by_uid(uid).id


def wait_until(predicate: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_remote_run_reads_back_exactly(tmp_path: Path, servers: list[LiveServer]) -> None:
    server = new_server(servers, tmp_path / "server").start()
    model = tmp_path / "model.bin"
    payload = os.urandom(300_000)
    model.write_bytes(payload)
    run = runyard.init(project="remote", name="exact", server=server.url, dir=tmp_path / "client",
                       config={"lr": 0.1}, tags=["t"], notes="over http")
    n = 20_000
    for i in range(n):
        run.log({"loss": 1 / (i + 1), "acc": i * 1e-4})
    run.log({"odd": float("nan")}, step=5)
    print("hello from remote mode")
    run.log_params({"optimizer": "adam", "layers": 4})
    run.set_tags(["t", "u"])
    artifact = run.log_artifact(model, name="ckpt/model.bin")
    runyard.finish()
    assert artifact.size == len(payload) and artifact.path == "ckpt/model.bin"
    store, run_id = read_run(server.data_dir, run.uid)
    try:
        stored = store.get_run(run_id)
        assert run.id == run_id and stored.name == "exact" and stored.status == "finished"
        assert stored.config == {"lr": 0.1} and stored.tags == ["t", "u"] and stored.notes == "over http"
        assert stored.params == {"optimizer": "adam", "layers": 4}
        assert stored.system.get("hostname") and stored.pid == os.getpid()
        loss = store.read_metric(run_id, "loss")
        steps = np.arange(n)
        assert np.array_equal(loss.steps, steps) and np.array_equal(loss.values, 1 / (steps + 1))
        assert np.array_equal(store.read_metric(run_id, "acc").values, steps * 1e-4)
        odd = store.read_metric(run_id, "odd")
        assert odd.steps.tolist() == [5] and np.isnan(odd.values[0])
        assert "hello from remote mode" in [line.line for line in store.read_logs(run_id)]
        assert store.read_artifact(run_id, "ckpt/model.bin") == payload
    finally:
        store.close()
    assert find_spools(tmp_path / "client") == []


def test_server_killed_and_restarted_mid_run(tmp_path: Path, servers: list[LiveServer]) -> None:
    server = new_server(servers, tmp_path / "server").start()
    client_dir = tmp_path / "client"
    run = runyard.init(project="p", name="survivor", server=server.url, dir=client_dir, capture_console=False,
                       system_info=False, flush_interval=0.02, heartbeat_interval=0.2, drain_timeout=30.0)
    store = open_store(server.data_dir)
    try:
        for i in range(3000):
            run.log({"x": float(i), "y": -float(i)})
        # Kill it while batches are in flight: the first acknowledged, others not yet.
        wait_until(lambda: any(k == "x" for k in store.metric_summaries([run.id]).get(run.id, {})))
        acknowledged = store.metric_summaries([run.id])[run.id]["x"].count
        server.signal(signal.SIGKILL)  # no shutdown: only what was committed survives
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(3000, 6000):
                run.log({"x": float(i), "y": -float(i)})
            wait_until(lambda: len(Spool.of_run(client_dir, run.uid)) > 0)  # spooled, not lost
            run.log_params({"while_down": True})
        assert any("unreachable" in str(w.message) for w in caught)
        server.start()
        for i in range(6000, 9000):
            run.log({"x": float(i), "y": -float(i)})
        runyard.finish()
        assert acknowledged > 0
        x = store.read_metric(run.id, "x")
        assert np.array_equal(x.steps, np.arange(9000)) and np.array_equal(x.values, np.arange(9000.0))
        assert np.array_equal(store.read_metric(run.id, "y").values, -np.arange(9000.0))
        stored = store.get_run(run.id)
        assert stored.status == "finished" and stored.params == {"while_down": True}
        assert store.metric_summaries([run.id])[run.id]["x"].count == 9000
    finally:
        run.finish()  # a no-op when the test got there; otherwise no thread outlives the test
        store.close()
    assert not (client_dir / "spool" / run.uid).exists()


def test_same_batch_twice_is_applied_once(tmp_path: Path, servers: list[LiveServer]) -> None:
    server = new_server(servers, tmp_path / "server").start()
    client = IngestClient(server.url)
    try:
        created = client.send(json_request("create", f"{PREFIX}/runs", {"project": "p", "uid": "run-twice"}))
        again = client.send(json_request("create", f"{PREFIX}/runs", {"project": "p", "uid": "run-twice"}))
        assert created == again  # a create whose answer was lost is sent again: same run
        steps = np.arange(50_000, dtype=np.int64)
        batch = {"v": MetricColumns(steps, steps * 2.0, np.full(len(steps), 1.7e9))}
        request = metrics_request("run-twice", "batch-42", batch)
        assert client.send(request)["applied"] is True
        assert client.send(request) == {"applied": False, "seq": 0, "points": 50_000, "lines": 0}
    finally:
        client.close()
    store, run_id = read_run(server.data_dir, "run-twice")
    with store:
        assert store.metric_summaries([run_id])[run_id]["v"].count == 50_000
        assert np.array_equal(store.read_metric(run_id, "v").values, steps * 2.0)


def test_token_of_one_tenant_refused_on_anothers_run(tmp_path: Path, servers: list[LiveServer]) -> None:
    data = tmp_path / "server"
    with open_store(data) as store:
        _, token_a = store.create_token("tenant-a")
        _, token_b = store.create_token("tenant-b")
    server = new_server(servers, data, auth=True).start()
    client_dir = tmp_path / "client"
    with pytest.raises(AuthError):
        runyard.init(project="p", server=server.url, dir=client_dir, capture_console=False)
    with runyard.init(project="p", name="b-run", server=server.url, token=token_b, dir=client_dir,
                      capture_console=False, system_info=False) as run_b:
        run_b.log({"x": 1.0})
    # Another tenant's run reads as one nobody holds: 404, not 403 (issue 12).
    with pytest.raises(NotFoundError):
        runyard.init(project="p", resume=run_b.uid, server=server.url, token=token_a, dir=client_dir,
                     capture_console=False)
    client = IngestClient(server.url, token_a)
    try:
        request = metrics_request(run_b.uid, "intruder", {"x": MetricColumns(
            np.array([0], dtype=np.int64), np.array([666.0]), np.array([0.0]))})
        with pytest.raises(NotFoundError):
            client.send(request)
        with pytest.raises(NotFoundError):
            client.send(json_request("status", f"{PREFIX}/runs/{run_b.uid}/status", {"status": "killed"}))
    finally:
        client.close()
    store, run_id = read_run(data, run_b.uid)
    with store:
        assert store.read_metric(run_id, "x").values.tolist() == [1.0]
        assert store.get_run(run_id).status == "finished"
        assert store.get_project(store.get_run(run_id).project_id).tenant == "tenant-b"


ORPHAN = """
import sys, time, runyard
from runyard.sdk.spool import Spool
run = runyard.init(project="p", name="orphan", server={url!r}, dir={dir!r}, capture_console=False,
                   system_info=False, flush_interval=0.02)
run.log_params({{"lr": 0.5}})
for i in range(5000):
    runyard.log({{"loss": i * 0.25}})
def spooled():
    spool = Spool.of_run(run.dir, run.uid)  # a fresh look each time: the run's flusher appends
    return sum(spool.read(seq).points for seq in spool.seqs())
deadline = time.monotonic() + 20
while spooled() < 5000:
    if time.monotonic() > deadline:
        sys.exit("points never reached the spool")
    time.sleep(0.02)
print(run.uid, flush=True)
print("READY", flush=True)
while True:
    time.sleep(0.05)
"""


def test_sync_uploads_spools_of_dead_processes(tmp_path: Path, servers: list[LiveServer]) -> None:
    server = new_server(servers, tmp_path / "server")  # not started: the server is down
    client_dir = tmp_path / "client"
    script = write_script(tmp_path, ORPHAN.format(url=server.url, dir=str(client_dir)))
    proc = start_script(script)
    try:
        assert proc.stdout is not None
        uid = proc.stdout.readline().strip()
        wait_for_line(proc, "READY")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    # A run of this (live) process, finished while the server was down: released to sync.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mine = runyard.init(project="p", name="mine", server=server.url, dir=client_dir, capture_console=False,
                            system_info=False, drain_timeout=0.3)
        mine.log({"a": 1.0})
        mine.finish()
    assert any("runyard sync" in str(w.message) for w in caught)
    assert {s.uid for s in find_spools(client_dir)} == {uid, mine.uid}
    server.start()
    runner = CliRunner()
    result = runner.invoke(cli_app, ["sync", "--dir", str(client_dir)])
    assert result.exit_code == 0, result.output
    assert f"{uid} (p/orphan): sent" in result.output and "5,000 points" in result.output
    assert find_spools(client_dir) == []
    assert "nothing to sync" in runner.invoke(cli_app, ["sync", "--dir", str(client_dir)]).output
    store, run_id = read_run(server.data_dir, uid)
    with store:
        loss = store.read_metric(run_id, "loss")
        assert np.array_equal(loss.steps, np.arange(5000)) and np.array_equal(loss.values, np.arange(5000) * 0.25)
        assert store.get_run(run_id).params == {"lr": 0.5}
        mine_id = store.get_run_by_uid(mine.uid).id
        assert store.get_run(mine_id).status == "finished"
        assert store.read_metric(mine_id, "a").values.tolist() == [1.0]


def test_sync_skips_a_live_owner(tmp_path: Path) -> None:
    spool = Spool.of_run(tmp_path, "run-live")
    spool.write_owner({"uid": "run-live", "host": __import__("socket").gethostname(), "pid": os.getpid(),
                       "pid_started_at": 0.0, "server": "http://127.0.0.1:9"})
    spool.append(json_request("create", f"{PREFIX}/runs", {"project": "p", "uid": "run-live"}))
    result = CliRunner().invoke(cli_app, ["sync", "--dir", str(tmp_path)])
    assert result.exit_code == 0 and "still running" in result.output
    assert len(Spool.of_run(tmp_path, "run-live")) == 1
