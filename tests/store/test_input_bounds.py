"""Every number and name entering the store is checked at the store's entry points."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest

from runyard.errors import InvalidInputError
from runyard.store import MetricColumns, Store
from tests.store.helpers import T0, cols

BAD_TIMES = [math.nan, math.inf, -math.inf, 1e300, 1e15, 1.7e12, -1.0, 5e9]


def _deep(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.fixture
def run_id(store: Store) -> int:
    return store.create_run(store.create_project("p").id).id


@pytest.mark.parametrize("when", BAD_TIMES)
def test_metric_times_must_be_sane(store: Store, run_id: int, when: float) -> None:
    with pytest.raises(InvalidInputError, match="time"):
        store.append_metrics(run_id, {"m": MetricColumns(np.array([0, 1]), np.array([1.0, 2.0]),
                                                         np.array([T0, when]))})
    assert store.metric_summaries([run_id])[run_id] == {}


@pytest.mark.parametrize("when", BAD_TIMES)
def test_log_and_run_times_must_be_sane(store: Store, run_id: int, when: float) -> None:
    with pytest.raises(InvalidInputError, match="time"):
        store.append_logs(run_id, [(T0, "stdout", "ok"), (when, "stdout", "bad")])
    assert store.read_logs(run_id) == []
    project = store.get_run(run_id).project_id
    with pytest.raises(InvalidInputError, match="time"):
        store.create_run(project, start_time=when)
    with pytest.raises(InvalidInputError, match="time"):
        store.create_run(project, pid_started_at=when)
    with pytest.raises(InvalidInputError, match="time"):
        store.resume_run(run_id, pid_started_at=when)
    with pytest.raises(InvalidInputError, match="time"):
        store.set_run_status(run_id, "finished", end_time=when)
    assert store.get_run(run_id).status == "running"


def test_times_at_the_edges_are_kept(store: Store, run_id: int) -> None:
    late = 4_102_444_800.0  # 2100-01-01: clocks may run ahead, simulations pick their own times
    store.append_metrics(run_id, {"m": MetricColumns(np.array([0, 1, 2]), np.array([math.nan, math.inf, 1.0]),
                                                     np.array([0.0, time.time() + 3600, late]))})
    assert store.read_metric(run_id, "m").values[1] == math.inf
    store.append_logs(run_id, [(0.0, "stdout", "epoch"), (late, "stdout", "late")])


@pytest.mark.parametrize("steps", [[2**63], [-1], [1.5], [math.nan]])
def test_steps_are_int64_and_whole(store: Store, run_id: int, steps: list[Any]) -> None:
    with pytest.raises(InvalidInputError, match="step"):
        store.append_metrics(run_id, {"m": MetricColumns(np.array(steps, dtype=object), np.array([1.0]),
                                                         np.array([T0]))})


def test_values_beyond_float64_refused(store: Store, run_id: int) -> None:
    with pytest.raises(InvalidInputError, match="value"):
        store.append_metrics(run_id, {"m": MetricColumns(np.array([0]), np.array([10**400], dtype=object),
                                                         np.array([T0]))})
    store.append_metrics(run_id, {"m": cols([0, 1], [np.nan, -np.inf])})


@pytest.mark.parametrize("pid", [2**63, -1, 2**31 * 2**31 * 4])
def test_pids_in_range(store: Store, run_id: int, pid: int) -> None:
    with pytest.raises(InvalidInputError, match="pid"):
        store.create_run(store.get_run(run_id).project_id, pid=pid)
    with pytest.raises(InvalidInputError, match="pid"):
        store.resume_run(run_id, pid=pid)


def test_nesting_depth_is_bounded(store: Store, run_id: int) -> None:
    project = store.get_run(run_id).project_id
    store.create_run(project, config=_deep(60), params=_deep(60))
    for deep in (_deep(65), _deep(100_000)):
        with pytest.raises(InvalidInputError, match="nest"):
            store.create_run(project, config=deep)
        with pytest.raises(InvalidInputError, match="nest"):
            store.log_params(run_id, {"p": deep})
        with pytest.raises(InvalidInputError, match="nest"):
            store.update_run(run_id, system=deep)
    deep_list: list[Any] = []
    for _ in range(200):
        deep_list = [deep_list]
    with pytest.raises(InvalidInputError, match="nest"):
        store.update_run(run_id, config={"x": deep_list})


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "x\u202eexe.txt", "\u2066a", "\u202a"])
def test_unencodable_and_bidi_names_refused(store: Store, run_id: int, bad: str) -> None:
    project = store.get_run(run_id).project_id
    with pytest.raises(InvalidInputError):
        store.create_project(bad)
    with pytest.raises(InvalidInputError):
        store.create_run(project, name=bad)
    with pytest.raises(InvalidInputError):
        store.update_run(run_id, name=bad)
    with pytest.raises(InvalidInputError):
        store.update_run(run_id, tags=[bad])
    with pytest.raises(InvalidInputError):
        store.append_metrics(run_id, {bad: cols([0], [1.0])})
    with pytest.raises(InvalidInputError):
        store.add_artifact_bytes(run_id, bad, b"x")


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb"])
def test_lone_surrogates_in_free_text(store: Store, run_id: int, bad: str) -> None:
    project = store.get_run(run_id).project_id
    with pytest.raises(InvalidInputError):
        store.create_run(project, description=bad)
    with pytest.raises(InvalidInputError):
        store.create_run(project, host=bad)
    with pytest.raises(InvalidInputError):
        store.update_run(run_id, notes=bad)
    with pytest.raises(InvalidInputError):
        store.log_params(run_id, {bad: 1})
    with pytest.raises(InvalidInputError):
        store.update_project(project, description=bad)
    # Console output is data, not a name: undecodable bytes become U+FFFD instead of a refusal.
    store.append_logs(run_id, [(T0, "stdout", f"x{bad}y")])
    line = store.read_logs(run_id)[0].line
    assert line == "x" + bad.replace(bad.strip("ab"), "\ufffd") + "y"


def test_host_is_bounded(store: Store, run_id: int) -> None:
    with pytest.raises(InvalidInputError, match="host"):
        store.create_run(store.get_run(run_id).project_id, host="h" * 10_000)
