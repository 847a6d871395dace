"""Config validation: every error names the dotted field at fault."""

from __future__ import annotations

import sys
from typing import Any

import pytest

pytest.importorskip("pandas")

from runyard.hub.types.base import ConfigError
from runyard.hub.types.fault_detection import FaultDetectionExperiment
from runyard.hub.types.time_series import TimeSeriesExperiment

TS = {"setup": {"target": "value", "ds": "ds"}, "create_model": {"model_type": "ARIMA", "params": {}}}


def with_(base: dict[str, Any], section: str, **changes: Any) -> dict[str, Any]:
    return {**base, section: {**base[section], **changes}}


@pytest.mark.parametrize(("config", "field"), [
    ({"create_model": TS["create_model"]}, "setup"),
    ({**TS, "setup": "value"}, "setup"),
    (with_(TS, "setup", target=None), "setup.target"),
    (with_(TS, "setup", ds=3), "setup.ds"),
    (with_(TS, "setup", horizon=0), "setup.horizon"),
    (with_(TS, "setup", horizon=1.5), "setup.horizon"),
    (with_(TS, "setup", freq="fortnightly"), "setup.freq"),
    (with_(TS, "setup", extra=1), "setup.extra"),
    ({"setup": TS["setup"]}, "create_model"),
    (with_(TS, "create_model", model_type="LSTM"), "create_model.model_type"),
    (with_(TS, "create_model", model_type=None), "create_model.model_type"),
    (with_(TS, "create_model", params={"order": [1, 1]}), "create_model.params.order"),
    (with_(TS, "create_model", params={"bogus": 1}), "create_model.params.bogus"),
    (with_(TS, "create_model", params=[1]), "create_model.params"),
    (with_(TS, "create_model", model_type="ets", params={"trend": "cubic"}), "create_model.params.trend"),
    (with_(TS, "create_model", model_type="gbr", params={"n_estimators": True}), "create_model.params.n_estimators"),
    (with_(TS, "create_model", model_type="gbr", params={"learning_rate": 0}), "create_model.params.learning_rate"),
])
def test_time_series_errors_name_the_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        TimeSeriesExperiment.validate(config)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(("name", "canonical"), [
    ("prophet", "Prophet"), ("ETS", "ExponentialSmoothing"), ("holt_winters", "ExponentialSmoothing"),
    ("exponential-smoothing", "ExponentialSmoothing"), ("Sarima", "ARIMA"), ("gradient_boosting", "GradientBoosting"),
    ("GBR", "GradientBoosting"),
])
def test_model_type_aliases(name: str, canonical: str) -> None:
    if canonical == "Prophet":
        pytest.importorskip("prophet")
    config = TimeSeriesExperiment.validate(with_(TS, "create_model", model_type=name))
    assert config["create_model"]["model_type"] == canonical


def test_defaults_are_filled_and_extra_top_level_keys_kept() -> None:
    config = TimeSeriesExperiment.validate({**TS, "queue": "sensors"})
    assert config["queue"] == "sensors"
    assert config["create_model"]["params"] == {"order": [1, 1, 1], "seasonal_order": None, "trend": None}
    assert config["setup"]["horizon"] is None


def test_prophet_missing_names_the_model_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prophet", None)  # makes `import prophet` raise ImportError
    with pytest.raises(ConfigError) as caught:
        TimeSeriesExperiment.validate(with_(TS, "create_model", model_type="Prophet"))
    assert caught.value.field == "create_model.model_type"
    assert "pip install" in caught.value.message


def test_prophet_params_are_checked() -> None:
    pytest.importorskip("prophet")
    for params, field in [({"seasonality_mode": "cubic"}, "create_model.params"),
                          ({"no_such_arg": 1}, "create_model.params.no_such_arg")]:
        with pytest.raises(ConfigError) as caught:
            TimeSeriesExperiment.validate(with_(TS, "create_model", model_type="Prophet", params=params))
        assert caught.value.field == field
    ok = TimeSeriesExperiment.validate(with_(TS, "create_model", model_type="Prophet",
                                             params={"seasonality_mode": "multiplicative", "daily_seasonality": True}))
    assert ok["create_model"]["params"]["seasonality_mode"] == "multiplicative"


FD = {"setup": {}, "create_model": {"model_type": "IsolationForest"}}


@pytest.mark.parametrize(("config", "field"), [
    (with_(FD, "setup", features="a"), "setup.features"),
    (with_(FD, "setup", features=["a", 3]), "setup.features.1"),
    (with_(FD, "setup", features=["a", "a"]), "setup.features"),
    (with_(FD, "setup", features=["a", "t"], ds="t"), "setup.features"),
    (with_(FD, "setup", label=""), "setup.label"),
    (with_(FD, "create_model", model_type="kmeans"), "create_model.model_type"),
    (with_(FD, "create_model", params={"contamination": 0.9}), "create_model.params.contamination"),
    (with_(FD, "create_model", params={"contamination": "sometimes"}), "create_model.params.contamination"),
    (with_(FD, "create_model", params={"max_samples": 0}), "create_model.params.max_samples"),
    (with_(FD, "create_model", model_type="pca", params={"limits": "vibes"}), "create_model.params.limits"),
    (with_(FD, "create_model", model_type="pca", params={"n_components": -1}), "create_model.params.n_components"),
])
def test_fault_detection_errors_name_the_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        FaultDetectionExperiment.validate(config)
    assert caught.value.field == field


def test_fault_detection_setup_is_optional() -> None:
    config = FaultDetectionExperiment.validate({"create_model": {"model_type": "iforest"}})
    assert config["setup"] == {"features": None, "ds": None, "label": None}
    assert config["create_model"]["model_type"] == "IsolationForest"
    assert config["create_model"]["params"]["contamination"] == "auto"
