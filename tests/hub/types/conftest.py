"""Small synthetic data sets and checks shared by the experiment type tests."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import orjson
import pytest

SEASON = 7
NOISE = 0.3


@pytest.fixture(scope="session")
def daily() -> Any:
    """200 daily points: linear trend + weekly season + noise."""
    pd = pytest.importorskip("pandas")
    n = 200
    t = np.arange(n)
    rng = np.random.default_rng(0)
    value = 10 + 0.05 * t + 2 * np.sin(2 * np.pi * t / SEASON) + rng.normal(0, NOISE, n)
    return pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=n, freq="D"), "value": value})


@pytest.fixture(scope="session")
def faults() -> Any:
    """300 rows of four correlated sensors, 10 of them pushed far off (label 1)."""
    pd = pytest.importorskip("pandas")
    n = 300
    rng = np.random.default_rng(1)
    latent = rng.normal(size=(n, 2))
    x = np.column_stack([
        latent[:, 0], latent[:, 1],
        latent[:, 0] + 0.1 * rng.normal(size=n),
        latent[:, 0] - latent[:, 1] + 0.1 * rng.normal(size=n),
    ])
    label = np.zeros(n, dtype=int)
    rows = rng.choice(n, 10, replace=False)
    x[rows] += rng.choice([-1.0, 1.0], size=(10, 4)) * 6
    label[rows] = 1
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["ts"] = pd.date_range("2024-01-01", periods=n, freq="min")
    frame["fault"] = label
    return frame


def assert_figure(figure: Any) -> None:
    """A Plotly JSON figure with no NaN/inf anywhere and serializable by orjson."""
    assert set(figure) == {"data", "layout"}
    assert isinstance(figure["data"], list) and figure["data"]
    assert all(isinstance(trace, dict) and "type" in trace for trace in figure["data"])
    # allow_nan=False is the strict check: orjson would silently write NaN as null.
    json.dumps(figure, allow_nan=False)
    orjson.dumps(figure)
    _no_nan(figure)


def _no_nan(value: Any) -> None:
    if isinstance(value, float):
        assert math.isfinite(value)
    elif isinstance(value, dict):
        for item in value.values():
            _no_nan(item)
    elif isinstance(value, list):
        for item in value:
            _no_nan(item)
    else:
        assert value is None or isinstance(value, str | int | bool), type(value)


class Recorder:
    """A Reporter that keeps every (metrics, step) call."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, float], int]] = []

    def __call__(self, metrics: Any, step: int) -> None:
        self.calls.append((dict(metrics), step))


class StopAfter:
    """A ShouldStop that turns true on its `calls`-th poll."""

    def __init__(self, calls: int) -> None:
        self.calls = calls
        self.polls = 0

    def __call__(self) -> bool:
        self.polls += 1
        return self.polls >= self.calls


def never() -> bool:
    """A ShouldStop that never stops."""
    return False
