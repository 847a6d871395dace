"""`runyard demo`, `runyard compact`, `runyard version`."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

import runyard
from runyard.api import Api
from runyard.demo import DEMO_RUNS, live_log_path
from runyard.store import open_store
from tests.cli.conftest import Invoke
from tests.cli.helpers import columns


def test_demo_twice_recreates_project(cli: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    for _ in range(2):
        result = cli("demo", "--live-minutes", "0", dir=target)
        assert result.exit_code == 0, result.output
        assert "created project 'demo' with 5 runs" in result.stdout
        assert "live run" not in result.stdout
    with Api(target) as api:
        assert [(p.name, p.run_count) for p in api.projects()] == [("demo", len(DEMO_RUNS))]
        runs = {r.name: r for r in api.runs("demo")}
        assert {r.status for r in runs.values()} == {"finished", "failed"}
        assert runs["rmsprop-lr3e-2-oom"].status == "failed"
        assert "CUDA out of memory" in runs["rmsprop-lr3e-2-oom"].logs(tail=1)[0].line
        assert {r.params["optimizer"] for r in runs.values()} == {"sgd", "adam", "adamw", "rmsprop"}
        assert len({r.params["lr"] for r in runs.values()}) == len(DEMO_RUNS)
        spike = runs["adam-lr1e-2-spike"].history(["train/loss", "train/grad_norm", "val/loss"])
        assert spike.height == 3000
        assert spike["train/loss"].is_nan().sum() == 1
        assert spike["train/grad_norm"].to_list()[1717] == math.inf
        assert spike["val/loss"].null_count() == 3000 - 30
        loss = runs["adamw-lr3e-4"].history("train/loss")["train/loss"].to_numpy()
        assert loss[:100].mean() > loss[-100:].mean()  # it learns


def wait_gone(pid: int, timeout_s: float) -> bool:
    try:
        psutil.Process(pid).wait(timeout=timeout_s)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


@pytest.mark.skipif(not hasattr(runyard, "init"), reason="needs the SDK (runyard.init)")
def test_demo_live_run_finishes(cli: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = cli("demo", "--live-minutes", "0.04", dir=target)
    assert result.exit_code == 0, result.output
    found = re.search(r"started live run demo/(\S+) \(pid (\d+)\)", result.stdout)
    assert found, result.stdout
    name, pid = found[1], int(found[2])
    try:
        assert wait_gone(pid, 30.0), "live demo child still running"
    finally:
        if not wait_gone(pid, 0.0):
            psutil.Process(pid).kill()
        live_log_path(name).unlink(missing_ok=True)
    with Api(target) as api:
        live = api.run(f"demo/{name}")
        assert live.status == "finished"
        assert live.summaries["train/loss"].count >= 2


@pytest.mark.skipif(not hasattr(runyard, "init"), reason="needs the SDK (runyard.init)")
def test_demo_again_stops_previous_live_run(cli: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    first = cli("demo", "--live-minutes", "5", dir=target)
    found = re.search(r"started live run demo/(\S+) \(pid (\d+)\)", first.stdout)
    assert found, first.output
    name, pid = found[1], int(found[2])
    try:
        deadline = time.monotonic() + 20
        with Api(target) as api:
            while api.count_runs("demo") < len(DEMO_RUNS) + 1 and time.monotonic() < deadline:
                time.sleep(0.1)
        second = cli("demo", "--live-minutes", "0", dir=target)
        assert second.exit_code == 0, second.output
        assert wait_gone(pid, 10.0)
        with Api(target) as api:
            assert api.count_runs("demo") == len(DEMO_RUNS)
    finally:
        if not wait_gone(pid, 0.0):
            psutil.Process(pid).kill()
        live_log_path(name).unlink(missing_ok=True)


def test_compact_merges_small_chunks(cli: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "c"
    with open_store(target) as store:
        run = store.create_run(store.create_project("p").id, name="r")
        for i in range(50):
            store.append_metrics(run.id, {"x": columns([i], [float(i)])})
    result = cli("compact", dir=target)
    assert result.exit_code == 0, result.output
    merged = int(re.search(r"merged (\d+) chunks", result.stdout)[1])  # type: ignore[index]
    assert "compacted 1 runs" in result.stdout
    assert merged > 0
    with Api(target) as api:
        frame = api.run("p/r").history()
        assert frame["x"].to_list() == [float(i) for i in range(50)]
        assert np.array_equal(frame["step"].to_numpy(), np.arange(50))


def test_version(cli: Invoke) -> None:
    result = cli("version")
    assert result.exit_code == 0
    assert re.match(r"runyard \d+\.\d+", result.stdout)
