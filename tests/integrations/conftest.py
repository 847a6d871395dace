"""Shared by the framework integration tests: the framework import rule, a data dir and a reader.

Under CI=true a missing framework fails the test (CI installs the `integrations` extra, so
these tests must run there); elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import ModuleType

import pytest

from runyard.sdk import session
from runyard.store import Store
from runyard.store.query import RunQuery

# The SDK tests' tmp data dir and the store that reads it back.
from tests.sdk.conftest import data_dir, reader  # noqa: F401


def framework(module: str) -> ModuleType:
    """Import a framework for a test module: required in CI, a skip reason elsewhere."""
    if os.environ.get("CI") == "true":
        return __import__(module, fromlist=["_"])
    return pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[integrations]')")


@pytest.fixture(autouse=True)
def _no_current_run() -> Iterator[None]:
    """Every test ends with the run it started finished (a reused run by the test itself)."""
    yield
    leftover = session.current_run()
    if leftover is not None:
        leftover.finish()
        pytest.fail(f"test left run {leftover.name!r} unfinished")


def only_run(store: Store, project: str) -> int:
    """The id of the one run of `project`."""
    runs = store.search_runs(RunQuery(project_ids=(store.get_project_by_name(project).id,)))
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0].id
