"""Fixtures for the Jupyter tests: runs with metrics, a stand-in server, no process left behind."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import psutil
import pytest
from fastapi import FastAPI

from runyard.server.jupyter import JupyterManager, launch
from runyard.settings import Settings
from runyard.store import DEFAULT_TENANT, MetricColumns, Run, Store
from tests.server.conftest import TEST_HOSTS

FAKE = Path(__file__).with_name("fake_jupyter.py")


def make_run(store: Store, project: str = "mnist", name: str = "baseline",
             tenant: str = DEFAULT_TENANT) -> Run:
    """A run with a decaying `loss` (100 steps) and a sparser `acc` (10 steps)."""
    project_id = store.get_or_create_project(project, tenant=tenant).id
    run = store.create_run(project_id, name=name, config={"lr": 0.01})
    steps = np.arange(100)
    store.append_metrics(run.id, {
        "loss": MetricColumns(steps, np.exp(-steps / 30.0), 1.7e9 + steps.astype(float)),
        "acc": MetricColumns(steps[::10], np.linspace(0.1, 0.9, 10), 1.7e9 + steps[::10].astype(float)),
    })
    return run


def fake_argv(mode: str) -> Callable[[int, Path], list[str]]:
    """An argv factory starting the stand-in server in `mode`."""
    return lambda port, _root: [sys.executable, str(FAKE), str(port), mode]


def gone(pid: int) -> bool:
    """The process is over (a zombie counts as over: only its parent can reap it)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def stray_children() -> list[psutil.Process]:
    """Children of this test process that a spawn left running."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "jupyter" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Spawning is off unless enabled explicitly (test_default_off.py): these tests enable it."""
    return Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS, jupyter_enabled=True)


@pytest.fixture
def run(store: Store) -> Run:
    return make_run(store)


@pytest.fixture
def jupyter(app: FastAPI) -> Iterator[JupyterManager]:
    """The app's manager; whatever a test spawned is stopped, and checked gone, after it."""
    manager: JupyterManager = app.state.jupyter
    try:
        yield manager
    finally:
        manager.stop_all()
        leftovers = stray_children()
        for child in leftovers:
            child.kill()
        assert not leftovers, f"processes left behind: {leftovers}"


@pytest.fixture
def fake(jupyter: JupyterManager, monkeypatch: pytest.MonkeyPatch) -> JupyterManager:
    """The manager with a stand-in server that honours its token; Jupyter need not be installed."""
    monkeypatch.setattr(launch, "missing_modules", lambda: [])
    jupyter.argv = fake_argv("ok")
    return jupyter


@pytest.fixture
def real_jupyter() -> None:
    """Skip without Jupyter, unless CI=true, where it must be there."""
    missing = launch.missing_modules() + [m for m in ("nbclient", "nbformat") if find_spec(m) is None]
    if not missing:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but Jupyter is missing ({', '.join(missing)}): install '.[jupyter]'")
    pytest.skip(f"Jupyter is not installed ({', '.join(missing)}): pip install -e '.[jupyter]'")
