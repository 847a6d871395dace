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


def test_short_form_bare_names_and_free_text(store: Store, project_id: int) -> None:
    """The dashboard's short form is the same grammar: bare names, `~`, words, no `and` needed."""
    # a bare name is the metric, else the param, else the config value (a dotted path)
    assert names(store, project_id, "loss<0.6") == ["a", "b"]
    assert names(store, project_id, "lr=0.1") == ["a", "d"]
    assert names(store, project_id, "bs>=32") == ["a", "b"]
    assert names(store, project_id, "opt.name=adam") == ["a", "c"]
    assert names(store, project_id, "opt.name~GD status=FINISHED") == ["b"]
    assert names(store, project_id, "loss<0.6 and lr = 0.01") == ["b"]
    # free words: name, status, tags or notes contain them (ignoring case)
    assert names(store, project_id, "RUNNING") == ["c"]
    assert names(store, project_id, "x") == ["b", "d"]
    assert names(store, project_id, "base finished") == ["a", "b"]
    assert names(store, project_id, "name~a") == ["a"]
    assert names(store, project_id, order=("loss desc",)) == ["d", "a", "b", "c"]


@pytest.mark.parametrize(
    ("bad", "why"),
    [("metrics.loss <", "a value must follow '<', found the end of the filter"),
     ("metrics.loss <<< 1", "a value must follow '<', found '<'"),
     ("< 3", "'<' needs a field name before it"),
     ("tags > 3", "tags support only 'contains'"),
     ("attributes.secret = 1", "unknown attribute 'secret'"),
     ("name = 'open", "a quote that is not closed"),
     ("and loss < 1", "'and' needs a condition on each side"),
     ("loss < 1 and", "'and' needs a condition on each side")],
)
def test_bad_filters_say_why(bad: str, why: str) -> None:
    with pytest.raises(InvalidInputError, match="cannot parse filter term") as raised:
        parse_filter(bad)
    assert why in str(raised.value)


def test_bad_sort() -> None:
    with pytest.raises(InvalidInputError):
        parse_order_by(["metrics.loss sideways"])
    with pytest.raises(InvalidInputError):
        parse_order_by(["tags.x asc"])


def test_numbers_as_text_out_of_float_range(store: Store) -> None:
    """A param spelled past float64's range compares as +-inf (or 0), as SQLite's CAST does: never an error."""
    project = store.create_project("huge")
    for name, value in [("big", "1e999"), ("small", "1e-999"), ("negbig", "-1e999"), ("one", "1")]:
        store.create_run(project.id, name=name, params={"x": value})
    assert names(store, project.id, "params.x > 1e300") == ["big"]
    assert names(store, project.id, "params.x < -1e300") == ["negbig"]
    assert names(store, project.id, "params.x >= 0 and params.x < 1e-300") == ["small"]
