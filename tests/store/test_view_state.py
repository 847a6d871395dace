"""Dashboards' view settings: kept per project and run, replaced, forgotten, checked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import Store
from runyard.store.view_state import ViewSetting


def test_settings_are_kept_replaced_and_removed(store: Store) -> None:
    project = store.create_project("p")
    run = store.create_run(project.id, name="r")
    pinned = ViewSetting(project.id, None, "chart", "train/loss", 1)
    opened = ViewSetting(project.id, run.id, "namespace", "train", 0)
    store.set_view_settings([pinned, opened])
    assert store.view_settings(project.id) == [pinned, opened]  # the project's own first
    hidden = ViewSetting(project.id, None, "chart", "train/loss", -1)
    store.set_view_settings([hidden], removed=[opened])
    assert store.view_settings(project.id) == [hidden]
    assert store.view_settings(store.create_project("other").id) == []


def test_unknown_owner_writes_nothing(store: Store) -> None:
    project = store.create_project("p")
    other = store.create_project("q")
    foreign_run = store.create_run(other.id, name="r")
    good = ViewSetting(project.id, None, "chart", "a", 1)
    for bad in (ViewSetting(999, None, "chart", "a", 1), ViewSetting(project.id, foreign_run.id, "chart", "a", 1)):
        with pytest.raises(NotFoundError):
            store.set_view_settings([good, bad])
    assert store.view_settings(project.id) == []


@pytest.mark.parametrize(("kind", "name", "value"), [
    ("", "a", 1), ("no spaces", "a", 1), ("chart", "x" * 1001, 1), ("chart", "a\x00", 1), ("chart", "a", 10**6),
])
def test_bad_settings_are_refused(store: Store, kind: str, name: str, value: int) -> None:
    project = store.create_project("p")
    with pytest.raises(InvalidInputError):
        store.set_view_settings([ViewSetting(project.id, None, kind, name, value)])


def test_settings_survive_reopening(store_opener: Callable[[], Store]) -> None:
    with store_opener() as first:
        project = first.create_project("p")
        first.set_view_settings([ViewSetting(project.id, None, "section", "pinned", 0)])
    with store_opener() as again:
        assert again.view_settings(project.id) == [ViewSetting(project.id, None, "section", "pinned", 0)]
