"""Units of work (`Store.apply`): every part in one transaction, a batch id applied once."""

from __future__ import annotations

import numpy as np
import pytest

from runyard.errors import ConflictError, InvalidInputError, NotFoundError
from runyard.store import Applied, Owner, Store, WriteBatch
from tests.store.helpers import T0, cols


@pytest.fixture
def run_id(store: Store) -> int:
    return store.create_run(store.create_project("p").id, name="r", pid=1).id


def _nothing_written(store: Store, run_id: int, seq_before: int) -> None:
    assert store.last_change_seq() == seq_before
    assert store.metric_summaries([run_id])[run_id] == {}
    assert store.read_logs(run_id) == []
    assert store.get_run(run_id).params == {}


def test_every_part_commits_together(store: Store, run_id: int) -> None:
    batch = WriteBatch(metrics={"loss": cols([2, 0, 1], [3.0, 1.0, 2.0])}, logs=[(T0, "stdout", "hi")],
                       params={"lr": 0.1}, tags=["a"], notes="n", status="finished", batch_id="b1")
    applied = store.apply(run_id, batch)
    assert applied.seq == store.last_change_seq() > 0 and not applied.replayed
    run = store.get_run(run_id)
    assert run.params == {"lr": 0.1} and run.tags == ["a"] and run.notes == "n" and run.status == "finished"
    assert run.end_time is not None
    assert list(store.read_metric(run_id, "loss").steps) == [0, 1, 2]  # sorted by step
    assert [line.line for line in store.read_logs(run_id)] == ["hi"]


@pytest.mark.parametrize("bad", [
    WriteBatch(logs=[(T0, "nowhere", "x")]),
    WriteBatch(logs=[(T0 * 1000, "stdout", "x")]),
    WriteBatch(params={"": 1}),
    WriteBatch(tags=["\u202eevil"]),
    WriteBatch(status="paused"),
    WriteBatch(metrics={"": cols([0], [1.0])}),
])
def test_a_failing_part_leaves_nothing(store: Store, run_id: int, bad: WriteBatch) -> None:
    good = WriteBatch(metrics={"loss": cols([0, 1], [1.0, 2.0])}, logs=[(T0, "stdout", "hi")], params={"lr": 1})
    mixed = WriteBatch(metrics={**good.metrics, **bad.metrics}, logs=[*good.logs, *bad.logs],
                       params={**(good.params or {}), **(bad.params or {})}, tags=bad.tags, status=bad.status,
                       batch_id="b1")
    before = store.last_change_seq()
    with pytest.raises(InvalidInputError):
        store.apply(run_id, mixed)
    _nothing_written(store, run_id, before)
    # The batch id was not recorded: the corrected batch is applied under it.
    assert not store.apply(run_id, WriteBatch(metrics=good.metrics, batch_id="b1")).replayed


def test_a_part_refused_inside_the_transaction_rolls_back_the_rest(store: Store, run_id: int) -> None:
    project_id = store.get_run(run_id).project_id
    store.create_run(project_id, name="taken")
    before = store.last_change_seq()
    unit = WriteBatch(metrics={"loss": cols([0], [1.0])}, logs=[(T0, "stdout", "x")], params={"a": 1},
                      name="taken", resume=Owner("h", 2, 0.0), batch_id="b")
    with pytest.raises(ConflictError):
        store.apply(run_id, unit)
    _nothing_written(store, run_id, before)
    assert store.get_run(run_id).pid == 1 and store.get_run(run_id).name == "r"


def test_a_retried_batch_is_applied_once(store: Store, run_id: int) -> None:
    batch = WriteBatch(metrics={"loss": cols([0, 1], [1.0, 2.0])}, logs=[(T0, "stdout", "hi")],
                       params={"lr": 1}, batch_id="b1")
    first = store.apply(run_id, batch)
    store.apply(run_id, WriteBatch(params={"lr": 2}))
    again = store.apply(run_id, batch)
    assert again == Applied(0, replayed=True) and not first.replayed
    assert [line.line for line in store.read_logs(run_id)] == ["hi"]
    assert store.get_run(run_id).params == {"lr": 2}  # the replay changed nothing
    assert store.metric_summaries([run_id])[run_id]["loss"].count == 2
    # Batch ids are per run.
    other = store.create_run(store.get_run(run_id).project_id).id
    assert not store.apply(other, batch).replayed


def test_resume_unit(store: Store, run_id: int) -> None:
    store.set_run_status(run_id, "crashed")
    store.apply(run_id, WriteBatch(resume=Owner("host-b", 7, 12.5), name="again", tags=["t"],
                                   config={"x": 1}, system={"os": "linux"}))
    run = store.get_run(run_id)
    assert (run.status, run.end_time, run.host, run.pid, run.pid_started_at) == ("running", None, "host-b", 7, 12.5)
    assert (run.name, run.tags, run.config, run.system) == ("again", ["t"], {"x": 1}, {"os": "linux"})


def test_empty_batch_writes_nothing(store: Store, run_id: int) -> None:
    before = store.last_change_seq()
    assert store.apply(run_id, WriteBatch(metrics={"x": cols([], [])}, batch_id="e")) == Applied()
    assert store.last_change_seq() == before
    assert not store.apply(run_id, WriteBatch(params={"a": 1}, batch_id="e")).replayed


def test_unknown_run(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.apply(999, WriteBatch(metrics={"x": cols([0], [1.0])}))


def test_conveniences_go_through_apply(store: Store, run_id: int) -> None:
    assert store.append_metrics(run_id, {"x": cols([0], [np.nan])}, batch_id="m") > 0
    assert store.append_metrics(run_id, {"x": cols([0], [1.0])}, batch_id="m") == 0
    assert store.append_logs(run_id, [(T0, "stderr", "e")], batch_id="l") > 0
    assert store.append_logs(run_id, [(T0, "stderr", "e")], batch_id="l") == 0
    assert len(store.read_logs(run_id)) == 1
