"""Run opening rules (`runyard.store.opening`): resume is one unit of work."""

from __future__ import annotations

import pytest

from runyard.errors import ConflictError, InvalidInputError
from runyard.store import Store
from runyard.store.opening import RunSpec, open_run


def _deep(depth: int) -> dict[str, object]:
    value: dict[str, object] = {}
    for _ in range(depth):
        value = {"k": value}
    return value


def _finished_run(store: Store) -> int:
    made = open_run(store, RunSpec(project="p", name="r", host="h", pid=1, tags=["a"]))
    store.set_run_status(made.id, "finished")
    return made.id


@pytest.mark.parametrize("spec", [
    RunSpec(project="p", name="r", resume=True, host="h2", pid=2, tags=["\u202ebad"]),
    RunSpec(project="p", name="r", resume=True, host="h2", pid=2, notes="n" * 1_000_000),
    RunSpec(project="p", name="r", resume=True, host="h2", pid=2, config=_deep(80)),
])
def test_a_refused_resume_leaves_the_run_as_it_was(store: Store, spec: RunSpec) -> None:
    run_id = _finished_run(store)
    before = store.get_run(run_id)
    with pytest.raises(InvalidInputError):
        open_run(store, spec)
    after = store.get_run(run_id)
    assert (after.status, after.pid, after.host, after.tags, after.end_time) == (
        "finished", 1, "h", ["a"], before.end_time)


def test_resume_renames_and_merges_in_one_step(store: Store) -> None:
    run_id = _finished_run(store)
    store.create_run(store.get_run(run_id).project_id, name="taken")
    with pytest.raises(ConflictError):
        open_run(store, RunSpec(project="p", name="taken", resume="r", host="h2", pid=2))
    assert store.get_run(run_id).status == "finished"
    handle = open_run(store, RunSpec(project="p", name="new", resume="r", host="h2", pid=2, tags=["b"],
                                     config={"x": 1}, notes="n"))
    run = store.get_run(run_id)
    assert handle.resumed and handle.name == "new" and run.name == "new"
    assert (run.status, run.host, run.pid, run.tags, run.config, run.notes) == (
        "running", "h2", 2, ["a", "b"], {"x": 1}, "n")

