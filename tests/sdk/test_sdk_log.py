"""log()/finish() in process, read back through the store."""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

import numpy as np
import pytest

import runyard
from runyard.sdk import session
from runyard.store import Store
from tests.sdk.helpers import FakeTensor


def test_log_and_read_back_exact(data_dir: Path, reader: Store) -> None:
    run = runyard.init(project="demo", name="exact", dir=data_dir, capture_console=False)
    assert runyard.run is run
    values = [0.1 * i + 1e-12 for i in range(100)]
    before = time.time()
    for v in values:
        runyard.log({"loss": v, "acc": 1.0 - v, "epoch": 3})
    run.finish()
    assert runyard.run is None
    loss = reader.read_metric(run.id, "loss")
    assert loss.steps.tolist() == list(range(100))
    assert loss.values.tolist() == values  # bit-exact floats
    assert reader.read_metric(run.id, "acc").values.tolist() == [1.0 - v for v in values]
    assert reader.read_metric(run.id, "epoch").values.tolist() == [3.0] * 100
    assert before <= loss.times[0] <= loss.times[-1] <= time.time()
    stored = reader.get_run(run.id)
    assert stored.status == "finished" and stored.end_time is not None
    assert stored.name == "exact" and stored.uid == run.uid
    assert run.project == "demo" and run.dir == data_dir.absolute()


def test_nan_and_infinities_round_trip(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as run:
        run.log({"x": math.nan})
        run.log({"x": math.inf})
        run.log({"x": -math.inf})
        run.log({"x": np.float32("nan"), "y": 1.0})
    x = reader.read_metric(run.id, "x").values
    assert math.isnan(x[0]) and x[1] == math.inf and x[2] == -math.inf and math.isnan(x[3])
    assert reader.read_metric(run.id, "y").steps.tolist() == [3]


def test_numpy_and_tensor_like_values(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as run:
        run.log(
            {
                "f32": np.float32(0.5),
                "i64": np.int64(-4),
                "arr0d": np.array(2.25),
                "arr1": np.array([7.0]),
                "tensor": FakeTensor(0.75),
                "flag": True,
                "big": 2**40,
            }
        )
    got = {key: reader.read_metric(run.id, key).values.tolist() for key in ("f32", "i64", "arr0d", "arr1", "tensor", "flag", "big")}
    assert got == {"f32": [0.5], "i64": [-4.0], "arr0d": [2.25], "arr1": [7.0], "tensor": [0.75], "flag": [1.0], "big": [2.0**40]}


def test_explicit_steps_move_the_counter(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as run:
        run.log({"a": 1.0})  # step 0
        run.log({"a": 2.0}, step=10)
        run.log({"a": 3.0})  # step 11
        run.log({"b": 4.0}, step=np.int64(5))  # type: ignore[arg-type]
        run.log({"a": 5.0})  # step 6
        assert run.step == 7
    a = reader.read_metric(run.id, "a")
    assert a.steps.tolist() == [0, 6, 10, 11]
    assert a.values.tolist() == [1.0, 5.0, 2.0, 3.0]
    assert reader.read_metric(run.id, "b").steps.tolist() == [5]


def test_same_step_last_write_wins(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as run:
        run.log({"a": 1.0}, step=3)
        run.log({"a": 2.0}, step=3)
    assert reader.read_metric(run.id, "a").values.tolist() == [2.0]


def test_log_copies_the_dict(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as run:
        data = {"a": 1.0}
        run.log(data)
        data["a"] = 99.0
        run.log(data)
    assert reader.read_metric(run.id, "a").values.tolist() == [1.0, 99.0]


def test_misuse_raises_clearly(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "_last_finished", None)
    with pytest.raises(RuntimeError, match=r"before runyard\.init"):
        runyard.log({"a": 1.0})
    run = runyard.init(project="p", name="misuse", dir=data_dir, capture_console=False)
    with pytest.raises(TypeError, match=r"key 'loss'.*str"):
        run.log({"loss": "0.5"})
    with pytest.raises(TypeError, match=r"key 'x'.*NoneType"):
        runyard.log({"ok": 1.0, "x": None})
    with pytest.raises(TypeError, match="keys must be strings"):
        run.log({3: 1.0})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="must not be empty"):
        run.log({"": 1.0})
    with pytest.raises(TypeError, match="dict of metric values"):
        run.log([("a", 1.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step must be an int"):
        run.log({"a": 1.0}, step=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step must be >= 0"):
        run.log({"a": 1.0}, step=-1)
    with pytest.raises(ValueError, match="status must be one of"):
        run.finish("done")
    assert run.step == 0  # rejected calls consumed no step
    run.finish()
    run.finish()  # idempotent
    with pytest.raises(RuntimeError, match="'misuse' is finished"):
        runyard.log({"a": 1.0})
    with pytest.raises(RuntimeError, match="already finished"):
        run.log({"a": 1.0})
    with pytest.raises(RuntimeError, match="already finished"):
        run.log_params({"a": 1})


def test_rejected_record_is_not_partially_logged(data_dir: Path, reader: Store) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False) as run, pytest.raises(TypeError):
        run.log({"good": 1.0, "bad": "x"})
    assert reader.metric_summaries([run.id]).get(run.id, {}) == {}


def test_log_does_not_block_and_is_cheap(data_dir: Path) -> None:
    with runyard.init(project="p", dir=data_dir, capture_console=False):
        data = {"loss": 0.5, "acc": 0.25, "lr": 1e-3}
        samples = []
        clock = time.perf_counter_ns
        for _ in range(20_000):
            t0 = clock()
            runyard.log(data)
            samples.append(clock() - t0)
    # The target is 1.5 us; the bound leaves room for slow CI machines.
    assert statistics.median(samples) < 5_000


def test_finish_status_and_empty_run(data_dir: Path, reader: Store) -> None:
    run = runyard.init(project="p", dir=data_dir, capture_console=False)
    run.finish("killed")
    assert reader.get_run(run.id).status == "killed"
    assert run.status == "killed"
    assert reader.metric_summaries([run.id]).get(run.id, {}) == {}
