"""The entry point registry and the figure helpers."""

from __future__ import annotations

import logging
import math
from importlib.metadata import EntryPoint
from typing import Any

import numpy as np
import pytest

from runyard.hub.types import registry
from runyard.hub.types.base import ENTRY_POINT_GROUP


def test_builtins_are_registered() -> None:
    pytest.importorskip("pandas")
    types = registry.available()
    assert {"time_series", "fault_detection"} <= set(types)
    assert registry.get("time_series").name == "time_series"
    assert registry.get("fault_detection").name == "fault_detection"


def test_describe_matches_the_spec_shape() -> None:
    described = registry.describe()
    assert described["time_series"] == {"module": "runyard.hub.types.time_series", "class": "TimeSeriesExperiment"}
    assert described["fault_detection"] == {"module": "runyard.hub.types.fault_detection",
                                            "class": "FaultDetectionExperiment"}


def test_unknown_type_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="Unknown experiment type: nope"):
        registry.get("nope")


def test_broken_entry_points_are_skipped(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    points = [
        EntryPoint("broken", "runyard_no_such_module:Thing", ENTRY_POINT_GROUP),
        EntryPoint("not_a_type", "math:pi", ENTRY_POINT_GROUP),
        EntryPoint("time_series", "runyard.hub.types.time_series:TimeSeriesExperiment", ENTRY_POINT_GROUP),
    ]

    def fake(group: str) -> list[EntryPoint]:
        return points if group == ENTRY_POINT_GROUP else []

    monkeypatch.setattr(registry, "entry_points", fake)
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        types = registry.available()
    assert list(types) == ["time_series"]
    assert "broken" in caplog.text and "not_a_type" in caplog.text
    failures: dict[str, str] = {}
    assert list(registry.available(failures)) == ["time_series"]
    assert sorted(failures) == ["broken", "not_a_type"]
    assert "runyard_no_such_module" in failures["broken"]
    assert "not an ExperimentType subclass" in failures["not_a_type"]


def test_figure_values_are_json_safe() -> None:
    pd = pytest.importorskip("pandas")
    from runyard.hub.types import figures

    assert figures.values(np.array([1.0, math.nan, math.inf])) == [1.0, None, None]
    assert figures.values(np.array([1, 2], dtype=np.int64)) == [1, 2]
    stamps = pd.Series(pd.to_datetime(["2024-01-01 12:00", None]))
    assert figures.values(stamps) == ["2024-01-01T12:00:00.000", None]
    mixed: Any = figures.values(np.array([pd.Timestamp("2024-01-02"), math.nan, "x"], dtype=object))
    assert mixed == ["2024-01-02T00:00:00", None, "x"]
    aware = pd.Series(pd.to_datetime(["2024-01-01 12:00"]).tz_localize("Europe/Berlin"))
    assert figures.values(aware) == ["2024-01-01T12:00:00"]
    assert figures.values(pd.array([1, None], dtype="Int64")) == [1, None]
    hist = figures.histogram([1.0, 2.0, math.nan, 2.5], "h", bins=3)
    assert sum(hist["y"]) == 3
