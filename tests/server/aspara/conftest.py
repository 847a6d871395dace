"""Dashboard API test data: a project whose name and runs need percent-encoding, NaN/Inf values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
import pytest

from runyard.store import MetricColumns, Project, Run, Store

BASE = "/api/projects"
T0 = 1_700_000_000.0
PROJECT = "vision/resnet 50%"  # a slash, a space and a percent sign: all must survive the URL
RUN = "run 1/a"


def seg(name: str) -> str:
    """A name as one URL path segment."""
    encoded = quote(name, safe="")
    return encoded.replace(".", "%2E") if name in (".", "..") else encoded


def project_url(project: str = PROJECT) -> str:
    """The API URL of a project."""
    return f"{BASE}/{seg(project)}"


def run_url(project: str = PROJECT, run: str = RUN) -> str:
    """The API URL of a run."""
    return f"{project_url(project)}/runs/{seg(run)}"


def columns(steps: list[int], values: list[float], offset: float = 0.0) -> MetricColumns:
    """A series with times T0 + offset + step."""
    step_array = np.array(steps, dtype=np.int64)
    return MetricColumns(step_array, np.array(values, dtype=np.float64), T0 + offset + step_array.astype(np.float64))


@dataclass
class Seeded:
    project: Project
    run: Run
    other: Run


@pytest.fixture
def seeded(store: Store) -> Seeded:
    """A project with two runs; the first has NaN/Inf metrics, config, params, artifacts and is finished."""
    project = store.create_project(PROJECT, description="resnets", tags=["cv"], notes="first notes")
    run = store.create_run(project.id, name=RUN, tags=["best"], notes="n", start_time=T0,
                           config={"lr": 0.1, "optim": {"name": "adam"}, "eps": math.nan},
                           params={"batch": 32})
    store.append_metrics(run.id, {
        "loss": columns([0, 1, 2, 3], [1.0, math.nan, math.inf, 0.25]),
        "acc": columns([1, 3, 5], [0.5, -math.inf, 0.75], offset=0.5),
    })
    store.add_artifact_bytes(run.id, "plots/loss.png", b"\x89PNG fake")
    store.add_artifact_bytes(run.id, "model.bin", b"\x00\x01weights" * 1000)
    store.set_run_status(run.id, "finished", end_time=T0 + 90)
    other = store.create_run(project.id, name="second", start_time=T0 + 100)
    store.append_metrics(other.id, {"loss": columns([0, 10], [2.0, 1.5])})
    return Seeded(project, run, other)
