"""Key-value tags of projects and runs, fixed params and metrics' full histories (issue 14)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import MetricColumns, Store, WriteBatch
from runyard.store.history import HISTORY_CHUNK_POINTS


def _points(steps: list[int], values: list[float], times: list[float]) -> MetricColumns:
    return MetricColumns(np.array(steps, dtype=np.int64), np.array(values), np.array(times))


def test_project_tag_values_set_delete_and_vanish_with_the_project(store: Store) -> None:
    project = store.create_project("p")
    other = store.create_project("q")
    store.set_project_tag_values(project.id, {"team": "a", "note": ""})
    store.set_project_tag_values(project.id, {"team": "b"}, deletes=["note", "never-set"])
    assert store.project_tag_values([project.id, other.id]) == {project.id: {"team": "b"}, other.id: {}}
    with pytest.raises(NotFoundError):
        store.set_project_tag_values(999, {"k": "v"})
    with pytest.raises(InvalidInputError):
        store.set_project_tag_values(project.id, {"": "v"})
    store.delete_project(project.id)
    assert store.project_tag_values([project.id]) == {project.id: {}}


def test_run_tag_values_are_part_of_a_unit_of_work(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    store.set_run_tag_values(run.id, {"mlflow.user": "ann", "x": "1"})
    store.apply(run.id, WriteBatch(tag_values={"x": "2"}, tag_deletes=["mlflow.user"], params={"a": "1"}))
    assert store.run_tag_values([run.id]) == {run.id: {"x": "2"}}
    with pytest.raises(InvalidInputError):  # a bad metric sinks the tags of the same unit
        store.apply(run.id, WriteBatch(tag_values={"x": "3"}, metrics={"": _points([0], [1.0], [1.0])}))
    assert store.run_tag_values([run.id])[run.id] == {"x": "2"}
    store.delete_run(run.id)
    assert store.run_tag_values([run.id]) == {run.id: {}}


def test_fixed_params_refuse_a_changed_value_and_write_nothing_of_the_unit(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    store.apply(run.id, WriteBatch(params={"lr": "0.1"}, fixed_params=True))
    store.apply(run.id, WriteBatch(params={"lr": "0.1", "bs": "8"}, fixed_params=True))  # same value: fine
    with pytest.raises(InvalidInputError, match="lr"):
        store.apply(run.id, WriteBatch(params={"lr": "0.2", "wd": "0"}, fixed_params=True,
                                       tag_values={"t": "v"}, history={"loss": _points([0], [1.0], [1.0])}))
    assert store.get_run(run.id).params == {"lr": "0.1", "bs": "8"}
    assert store.run_tag_values([run.id])[run.id] == {}
    with pytest.raises(NotFoundError):
        store.read_metric_history(run.id, "loss")
    store.apply(run.id, WriteBatch(params={"lr": "0.3"}))  # other dialects keep last-wins params
    assert store.get_run(run.id).params["lr"] == "0.3"


def test_history_keeps_every_point_once_while_the_series_keeps_the_last_per_step(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    sent = _points([0, 0, 0, 1], [3.0, 2.0, math.nan, 5.0], [10.0, 11.0, 12.0, 13.0])
    for _attempt in range(2):  # a retried request appends the same points again
        store.apply(run.id, WriteBatch(metrics={"loss": sent}, history={"loss": sent}))
    history = store.read_metric_history(run.id, "loss")
    assert history.steps.tolist() == [0, 0, 0, 1]
    assert history.times.tolist() == [10.0, 11.0, 12.0, 13.0]
    assert history.values[:2].tolist() == [3.0, 2.0] and math.isnan(history.values[2])
    series = store.read_metric(run.id, "loss")
    assert series.steps.tolist() == [0, 1] and series.values[1] == 5.0


def test_history_orders_by_time_then_step_and_spans_chunks(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    store.apply(run.id, WriteBatch(history={"m": _points([5, 1], [1.0, 2.0], [2.0, 1.0])}))
    count = HISTORY_CHUNK_POINTS + 100
    many = _points(list(range(count)), [float(i) for i in range(count)], [100.0 + i / 1000 for i in range(count)])
    store.apply(run.id, WriteBatch(history={"m": many}))
    history = store.read_metric_history(run.id, "m")
    assert len(history) == count + 2
    assert history.steps[:3].tolist() == [1, 5, 0] and history.steps[-1] == count - 1


def test_a_key_without_history_answers_its_series(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    store.append_metrics(run.id, {"acc": _points([0, 1], [0.5, 0.6], [1.0, 2.0])})
    assert store.read_metric_history(run.id, "acc").values.tolist() == [0.5, 0.6]
