from __future__ import annotations

import pytest

from runyard.errors import InvalidInputError
from runyard.store import RunQuery, Store, parse_filter, parse_order_by
from tests.store.helpers import cols


@pytest.fixture
def project_id(store: Store) -> int:
    project = store.create_project("p")
    specs = [
        ("a", {"lr": 0.1, "opt": {"name": "adam"}}, {"bs": 32}, ["base"], 0.5, "finished"),
        ("b", {"lr": 0.01, "opt": {"name": "sgd"}}, {"bs": "64"}, ["base", "x"], 0.2, "finished"),
        ("c", {"lr": 0.001, "opt": {"name": "adam"}}, {}, [], None, "running"),
        ("d", {"lr": 0.1}, {"bs": 16}, ["x"], 0.9, "failed"),
    ]
    for name, config, params, tags, loss, status in specs:
        run = store.create_run(project.id, name=name, config=config, params=params, tags=tags)
        if loss is not None:
            store.append_metrics(run.id, {"loss": cols([0, 1], [9.0, loss])})
        store.set_run_status(run.id, status)
    store.create_run(store.create_project("other").id, name="z")
    return project.id


def names(store: Store, project_id: int, where: str = "", order: tuple[str, ...] = (), **kw: int) -> list[str]:
    query = RunQuery((project_id,), parse_filter(where), parse_order_by(order), **kw)
    return [run.name for run in store.search_runs(query)]


def test_filters(store: Store, project_id: int) -> None:
    assert names(store, project_id) == ["a", "b", "c", "d"]
    assert names(store, project_id, "metrics.loss < 0.6") == ["a", "b"]
    assert names(store, project_id, "params.lr = 0.1") == ["a", "d"]
    assert names(store, project_id, "params.bs >= 32") == ["a", "b"]  # "64" as text compares as a number
    assert names(store, project_id, "config.opt.name = 'adam'") == ["a", "c"]
    assert names(store, project_id, "tags contains 'x'") == ["b", "d"]
    assert names(store, project_id, "status = 'finished' and metrics.loss > 0.3") == ["a"]
    assert names(store, project_id, "attributes.name != 'a'") == ["b", "c", "d"]
    assert names(store, project_id, "config.opt.name contains 'GD'") == ["b"]


def test_sort_and_pages(store: Store, project_id: int) -> None:
    assert names(store, project_id, order=("metrics.loss asc",)) == ["b", "a", "d", "c"]  # missing last
    assert names(store, project_id, order=("metrics.loss desc",)) == ["d", "a", "b", "c"]
    assert names(store, project_id, order=("params.lr desc", "name asc")) == ["a", "d", "b", "c"]
    assert names(store, project_id, order=("metrics.loss asc",), limit=2, offset=1) == ["a", "d"]
    assert store.count_runs(RunQuery((project_id,), parse_filter("tags contains 'base'"))) == 2
    assert len(store.search_runs(RunQuery())) == 5  # no project: all


@pytest.mark.parametrize(
    "bad",
    ["metrics.loss <", "nonsense", "colour.x = 1", "tags > 3", "attributes.secret = 1", "a.b ~ 2"],
)
def test_bad_filters(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_filter(bad)


def test_bad_sort() -> None:
    with pytest.raises(InvalidInputError):
        parse_order_by(["metrics.loss sideways"])
    with pytest.raises(InvalidInputError):
        parse_order_by(["tags.x asc"])
