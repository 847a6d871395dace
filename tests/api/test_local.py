"""What only a local data dir does: stale-run marking, RUNYARD_DIR, a missing dir, frames at scale."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from runyard.api import Api, build_history
from runyard.errors import StoreError
from runyard.store import MetricColumns, open_store
from tests.api.conftest import assert_live_run_sees_new_key
from tests.cli.helpers import Sample, make_sample


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    return make_sample(tmp_path / "data")


def test_build_history_large_series_is_vectorised() -> None:
    n = 300_000
    rng = np.random.default_rng(1)
    even = np.arange(0, 2 * n, 2, dtype=np.int64)
    odd = np.arange(1, 2 * n, 2, dtype=np.int64)
    a = MetricColumns(even, rng.normal(size=n), np.zeros(n))
    b = MetricColumns(odd, rng.normal(size=n), np.zeros(n))
    frame = build_history({"a": a, "b": b, "c": a})
    assert frame.height == 2 * n
    assert frame["a"].null_count() == n and frame["c"].null_count() == n
    assert np.array_equal(frame["a"].drop_nulls().to_numpy(), a.values)
    assert np.array_equal(frame["b"].drop_nulls().to_numpy(), b.values)
    assert frame["step"].is_sorted()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_run_becomes_crashed(sample: Sample) -> None:
    with open_store(sample.dir) as store:
        project = store.get_project_by_name("nlp")
        dead = store.create_run(
            project.id, name="dead", host=socket.gethostname(), pid=_dead_pid(),
            pid_started_at=1.0,
        )
        alive = store.create_run(
            project.id, name="alive", host=socket.gethostname(), pid=os.getpid(),
        )
    with Api(sample.dir) as api:
        statuses = {r.name: r.status for r in api.runs("nlp")}
        assert statuses == {"live": "running", "dead": "crashed", "alive": "running"}
        assert api.run(dead.uid).end_time is not None
        assert api.run(alive.uid).status == "running"


def test_live_run_sees_new_key_after_refresh(sample: Sample) -> None:
    with Api(sample.dir) as api:
        assert_live_run_sees_new_key(api, sample.dir, sample.ids["live"])


def test_default_dir_comes_from_env(sample: Sample, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNYARD_DIR", str(sample.dir))
    with Api() as api:
        assert api.location == str(sample.dir)
        assert len(api.projects()) == 2
        assert api.store.get_project_by_name("nlp").name == "nlp"


def test_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no runyard data dir"):
        Api(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()
