"""time_series: each model trains, reports, forecasts, plots, and survives save/load."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")
pytest.importorskip("statsmodels")

from runyard.hub.types.base import DataError, NotTrainedError, TrainingStopped  # noqa: E402
from runyard.hub.types.time_series import TimeSeriesExperiment  # noqa: E402
from tests.hub.types.conftest import NOISE, Recorder, StopAfter, assert_figure, never  # noqa: E402

HORIZON = 14
HAS_PROPHET = importlib.util.find_spec("prophet") is not None
MODELS = [
    pytest.param("Prophet", marks=pytest.mark.skipif(not HAS_PROPHET, reason="prophet not installed")),
    "ExponentialSmoothing",
    "ARIMA",
    "GradientBoosting",
]


def config(model_type: str, **params: Any) -> dict[str, Any]:
    return {"setup": {"target": "value", "ds": "ds", "horizon": HORIZON},
            "create_model": {"model_type": model_type, "params": params}}


@pytest.fixture(scope="module")
def trained(daily: Any) -> dict[str, tuple[TimeSeriesExperiment, Recorder, dict[str, float]]]:
    """Each model trained once for the module (fitting is the slow part)."""
    out = {}
    for model_type in ["ExponentialSmoothing", "ARIMA", "GradientBoosting", *(["Prophet"] if HAS_PROPHET else [])]:
        experiment = TimeSeriesExperiment(config(model_type, **({"n_estimators": 60} if model_type == "GradientBoosting" else {})))
        recorder = Recorder()
        final = experiment.train(daily, recorder, never)
        out[model_type] = (experiment, recorder, final)
    return out


@pytest.mark.parametrize("model_type", MODELS)
def test_train_reports_holdout_metrics(trained: Any, model_type: str) -> None:
    _, recorder, final = trained[model_type]
    assert set(final) == {"mse", "mae", "rmse", "mape"}
    assert recorder.calls and recorder.calls[-1][0] == final
    # The noise is N(0, 0.3); a model that learned trend and season stays well inside 1.0.
    assert final["rmse"] < 1.0
    assert final["rmse"] == pytest.approx(np.sqrt(final["mse"]))
    steps = [step for _, step in recorder.calls]
    assert steps == sorted(steps)


def test_gradient_boosting_reports_per_stage(trained: Any) -> None:
    _, recorder, _ = trained["GradientBoosting"]
    assert [step for _, step in recorder.calls] == list(range(1, 61))
    # Early stages barely move from the trend line; the last is better than the first.
    assert recorder.calls[-1][0]["mse"] < recorder.calls[0][0]["mse"]


@pytest.mark.parametrize("model_type", MODELS)
def test_predict_covers_the_horizon_with_intervals(trained: Any, daily: Any, model_type: str) -> None:
    experiment, _, _ = trained[model_type]
    forecast = experiment.predict()
    assert list(forecast.columns) == ["ds", "yhat", "yhat_lower", "yhat_upper"]
    assert len(forecast) == HORIZON
    expected = pd.date_range(daily["ds"].iloc[-1], periods=HORIZON + 1, freq="D")[1:]
    assert list(forecast["ds"]) == list(expected)
    assert (forecast["yhat_lower"] <= forecast["yhat"]).all()
    assert (forecast["yhat"] <= forecast["yhat_upper"]).all()
    # The series ends near 10 + 0.05 * 200 = 20; the forecast continues it.
    assert forecast["yhat"].mean() == pytest.approx(20.3, abs=1.5)


@pytest.mark.parametrize("model_type", MODELS)
def test_plots_are_clean_plotly_json(trained: Any, daily: Any, model_type: str) -> None:
    experiment, _, _ = trained[model_type]
    for name in experiment.plots:
        assert_figure(experiment.plot(name))
    for name in experiment.eda_plots:
        assert_figure(experiment.eda_plot(name, daily))
    forecast = experiment.plot("forecast")
    names = [trace["name"] for trace in forecast["data"]]
    assert {"actual", "fitted", "forecast", "interval"} <= set(names)
    assert forecast["data"][0]["x"][0] == "2024-01-01T00:00:00.000"


def test_components_use_the_model_or_a_decomposition(trained: Any) -> None:
    panels = {name: {t["yaxis"] for t in trained[name][0].plot("components")["data"]} for name in trained}
    assert len(panels["ExponentialSmoothing"]) == 3  # level, slope, season
    assert len(panels["ARIMA"]) == 3  # seasonal_decompose: trend, seasonal, residual


@pytest.mark.parametrize("model_type", MODELS)
def test_save_load_gives_the_same_forecast(trained: Any, tmp_path: Path, model_type: str) -> None:
    experiment, _, _ = trained[model_type]
    before = experiment.predict()
    experiment.save(tmp_path)
    assert {"config.json", "state.json", "train.parquet", "prediction.parquet"} <= {p.name for p in tmp_path.iterdir()}
    restored = TimeSeriesExperiment.load(tmp_path, experiment.config)
    np.testing.assert_allclose(restored.predict()["yhat"], before["yhat"])
    assert_figure(restored.plot("forecast"))


@pytest.mark.parametrize(("model_type", "after"), [
    # statsmodels: the first polls come from the optimizer callback, mid-fit.
    ("ExponentialSmoothing", 1), ("ExponentialSmoothing", 3), ("ARIMA", 1),
    # Boosting: polls 1-20 come from the fit monitor (one per tree), 21+ from the staged forecasts.
    ("GradientBoosting", 1), ("GradientBoosting", 3), ("GradientBoosting", 25),
])
def test_should_stop_raises_training_stopped(daily: Any, model_type: str, after: int) -> None:
    params = {"n_estimators": 20} if model_type == "GradientBoosting" else {}
    experiment = TimeSeriesExperiment(config(model_type, **params))
    stop = StopAfter(after)
    with pytest.raises(TrainingStopped):
        experiment.train(daily, Recorder(), stop)
    assert stop.polls >= after
    with pytest.raises(NotTrainedError):
        experiment.predict()


def test_untrained_plot_and_unknown_names(daily: Any) -> None:
    experiment = TimeSeriesExperiment(config("ets"))
    with pytest.raises(NotTrainedError):
        experiment.plot("forecast")
    with pytest.raises(KeyError):
        experiment.plot("nope")
    with pytest.raises(KeyError):
        experiment.eda_plot("nope", daily)


def test_irregular_data_is_regularized(daily: Any) -> None:
    # Shuffled, with gaps and a duplicate timestamp: sorted, averaged, interpolated.
    messy = pd.concat([daily.drop(index=[5, 6, 50]), daily.iloc[[10]]]).sample(frac=1, random_state=0)
    experiment = TimeSeriesExperiment(config("gbr", n_estimators=5))
    experiment.train(messy, Recorder(), never)
    history = experiment.plot("forecast")["data"][0]
    assert len(history["x"]) == len(daily)


def test_bad_data_is_a_data_error(daily: Any) -> None:
    experiment = TimeSeriesExperiment(config("ets"))
    with pytest.raises(DataError, match="'value'"):
        experiment.train(daily.rename(columns={"value": "other"}), Recorder(), never)
    with pytest.raises(DataError, match="rows"):
        experiment.train(daily.head(12), Recorder(), never)


def test_default_horizon_is_a_tenth_of_the_series(daily: Any) -> None:
    experiment = TimeSeriesExperiment({"setup": {"target": "value", "ds": "ds"},
                                       "create_model": {"model_type": "gbr", "params": {"n_estimators": 5}}})
    experiment.train(daily, Recorder(), never)
    assert len(experiment.predict()) == 20
    assert NOISE < 1  # the fixture's noise level the rmse bounds above rely on


def test_dates_sent_as_epoch_milliseconds_are_read_as_dates(daily: Any) -> None:
    # What pandas' default `to_json()` produces for a datetime column.
    as_sent = daily.assign(ds=(daily["ds"] - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1))
    experiment = TimeSeriesExperiment(config("gbr", n_estimators=5))
    experiment.train(as_sent, Recorder(), never)
    first_x = experiment.plot("forecast")["data"][0]["x"][0]
    assert first_x.startswith(str(pd.to_datetime(daily["ds"]).min().date()))
