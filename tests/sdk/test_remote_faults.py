"""Remote mode against servers that fail one request: the rest of the run still arrives, finish() is bounded."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

import runyard
from runyard.cli import app as cli_app
from runyard.sdk.spool import Spool, find_spools
from runyard.sdk.warn import RunyardWarning
from runyard.store import open_store
from tests.live_server import LiveServer
from tests.sdk.fault_server import FaultServer

FINISH_BOUND_S = 10.0  # far under drain_timeout (30 s): a failing artifact must not be waited out


def _log_around_an_artifact(client_dir: Path, url: str, artifact: Path, name: str) -> tuple[runyard.Run, float]:
    """Metrics before and after one artifact, params after it; the time finish() took."""
    run = runyard.init(project="jam", name="r", server=url, dir=client_dir, capture_console=False,
                       system_info=False)
    for i in range(50):
        run.log({"x": float(i)})
    run.log_artifact(artifact, name=name)
    for i in range(50, 100):
        run.log({"x": float(i)})
    run.log_params({"after": 1})
    began = time.monotonic()
    run.finish()
    return run, time.monotonic() - began


def _assert_run_arrived(server: FaultServer | LiveServer, uid: str) -> None:
    store = server.store if isinstance(server, FaultServer) else open_store(server.data_dir)
    try:
        run = store.get_run_by_uid(uid)
        assert run.status == "finished"
        assert np.array_equal(store.read_metric(run.id, "x").values, np.arange(100.0))
        assert run.params == {"after": 1}
    finally:
        if not isinstance(server, FaultServer):
            store.close()


def test_artifact_answered_500_forever_does_not_block_the_run(tmp_path: Path) -> None:
    client_dir = tmp_path / "client"
    model = tmp_path / "model.bin"
    payload = os.urandom(50_000)
    model.write_bytes(payload)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with FaultServer(tmp_path / "server", artifact_status=500) as server:
            run, took = _log_around_an_artifact(client_dir, server.url, model, "ckpt/model.bin")
            assert took < FINISH_BOUND_S
            _assert_run_arrived(server, run.uid)
            tries = server.artifact_calls
            assert 1 <= tries <= 6  # retried with backoff, not hammered
    messages = [str(w.message) for w in caught if issubclass(w.category, RunyardWarning)]
    assert any("ckpt/model.bin" in m for m in messages) and any("runyard sync" in m for m in messages)
    # Never lost: the artifact alone waits in the spool, and sync delivers it once the server is fixed.
    spool = Spool.of_run(client_dir, run.uid)
    assert [spool.read(seq).kind for seq in spool.held()] == ["artifact"] and len(spool) == 0
    with FaultServer(tmp_path / "server") as server:
        result = CliRunner().invoke(cli_app, ["sync", "--dir", str(client_dir), "--server", server.url])
        assert result.exit_code == 0, result.output
        stored = server.store.get_run_by_uid(run.uid)
        assert server.store.read_artifact(stored.id, "ckpt/model.bin") == payload
        assert server.store.get_run(stored.id).status == "finished"
    assert find_spools(client_dir) == []


def test_artifact_refused_400_is_dropped_with_one_warning(tmp_path: Path) -> None:
    client_dir = tmp_path / "client"
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with FaultServer(tmp_path / "server", artifact_status=400) as server:
            run, took = _log_around_an_artifact(client_dir, server.url, model, "bad/name.bin")
            assert took < FINISH_BOUND_S
            _assert_run_arrived(server, run.uid)
            assert server.artifact_calls == 1  # permanent: never sent again
    refused = [str(w.message) for w in caught if issubclass(w.category, RunyardWarning)]
    assert len(refused) == 1 and "bad/name.bin" in refused[0] and "400" in refused[0]
    assert find_spools(client_dir) == []


def test_artifact_the_real_server_cannot_store_does_not_block_the_run(tmp_path: Path,
                                                                      servers: list[LiveServer]) -> None:
    # A 256-byte path component: no filesystem takes it. The server answers 500 (today) or
    # 400; either way the metrics and the final status arrive and finish() is bounded.
    server = LiveServer(tmp_path / "server")
    servers.append(server)
    server.start()
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        run, took = _log_around_an_artifact(tmp_path / "client", server.url, model, "d/" + "n" * 256)
    assert took < FINISH_BOUND_S
    _assert_run_arrived(server, run.uid)
