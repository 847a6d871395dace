"""The `time_series` experiment type: forecast a target column over a datetime column.

Config: `{"setup": {"target", "ds", "horizon"?, "freq"?, "holdout"?},
"create_model": {"model_type", "params"}}`. Training fits on all but the last `holdout`
points, reports MSE/MAE/RMSE/MAPE on them, then refits on everything for forecasting.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from runyard.hub.types import config as cfg
from runyard.hub.types import figures as fig
from runyard.hub.types.base import (
    ConfigError,
    Figure,
    NotTrainedError,
    Reporter,
    ShouldStop,
    TrainingStopped,
)
from runyard.hub.types.fitted import FittedExperiment
from runyard.hub.types.ts_boosting import GradientBoostingForecaster
from runyard.hub.types.ts_data import (
    default_horizon,
    holdout_size,
    metrics,
    prepare,
    season_length,
)
from runyard.hub.types.ts_models import ArimaForecaster, ExponentialSmoothingForecaster, Forecaster
from runyard.hub.types.ts_prophet import ProphetForecaster

if TYPE_CHECKING:
    import pandas as pd

FORECASTERS: dict[str, type[Forecaster]] = {
    cls.model_type: cls
    for cls in (ProphetForecaster, ExponentialSmoothingForecaster, ArimaForecaster, GradientBoostingForecaster)
}
SETUP_FIELDS = {"target", "ds", "horizon", "freq", "holdout"}


class TimeSeriesExperiment(FittedExperiment):
    """Forecasting with Prophet, exponential smoothing, ARIMA or gradient boosting on lags."""

    name: ClassVar[str] = "time_series"
    plots: ClassVar[tuple[str, ...]] = ("forecast", "components", "residuals")
    eda_plots: ClassVar[tuple[str, ...]] = ("correlation", "histogram", "series")
    requires: ClassVar[tuple[str, ...]] = ("pandas", "sklearn", "statsmodels")

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        # `_train` is the training series on its regular grid: ds, y, fitted (refit model),
        # holdout (validation forecast).
        self._model: Forecaster | None = None

    @classmethod
    def validate(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Normalized config; unknown top-level keys are kept for the hub, unknown nested ones rejected."""
        setup = cfg.section(config, "setup")
        cfg.reject_unknown(setup, SETUP_FIELDS, "setup")
        freq = cfg.text(setup, "freq", "setup.freq", required=False)
        if freq is not None:
            import pandas as pd

            try:
                pd.tseries.frequencies.to_offset(freq)
            except ValueError as exc:
                raise ConfigError("setup.freq", f"not a pandas frequency: {freq!r}") from exc
        model_type, params = cfg.create_model(config, {name: f.aliases for name, f in FORECASTERS.items()})
        return {
            **config,
            "setup": {
                "target": cfg.text(setup, "target", "setup.target"),
                "ds": cfg.text(setup, "ds", "setup.ds"),
                "horizon": cfg.integer(setup, "horizon", "setup.horizon"),
                "freq": freq,
                "holdout": cfg.integer(setup, "holdout", "setup.holdout"),
            },
            "create_model": {
                "model_type": model_type,
                "params": FORECASTERS[model_type].validate_params(params),
            },
        }

    def params(self) -> dict[str, Any]:
        """Setup and model params, flat; lists as JSON text."""
        flat: dict[str, Any] = {"model_type": self.config["create_model"]["model_type"]}
        flat.update({k: v for k, v in self.config["setup"].items() if v is not None})
        for key, value in self.config["create_model"]["params"].items():
            flat[key] = json.dumps(value) if isinstance(value, list | dict) else value
        return flat

    def train(self, data: pd.DataFrame, report: Reporter, should_stop: ShouldStop) -> dict[str, float]:
        """Validate on the holdout (reporting each stage), then refit on the whole series."""
        import pandas as pd

        setup = self.config["setup"]
        series = prepare(data, setup["target"], setup["ds"], setup["freq"])
        frame = series.frame
        season = season_length(series.freq)
        horizon = setup["horizon"] or default_horizon(len(frame))
        holdout = holdout_size(len(frame), horizon, setup["holdout"])
        model_cls = FORECASTERS[self.config["create_model"]["model_type"]]
        params = self.config["create_model"]["params"]

        trial = model_cls(params, series.freq, season)
        trial.fit(frame.iloc[:-holdout].reset_index(drop=True), should_stop)
        actual = frame["y"].to_numpy()[-holdout:]
        scores: dict[str, float] = {}
        validation = np.full(holdout, np.nan)
        for step, predicted in trial.staged_forecasts(holdout, should_stop):
            if should_stop():
                raise TrainingStopped
            scores, validation = metrics(actual, predicted), predicted
            report(scores, step)

        model = model_cls(params, series.freq, season)
        model.error_scale = scores.get("rmse")
        model.fit(frame, should_stop)
        history = frame.copy()
        history["fitted"] = model.fitted()
        history["holdout"] = np.nan
        history.loc[history.index[-holdout:], "holdout"] = validation
        self._model, self._train, self._prediction = model, history, None
        self._state = {"freq": series.freq, "season": season, "horizon": horizon, "holdout": holdout,
                       "interpolated": series.interpolated, "metrics": scores,
                       "last_ds": pd.Timestamp(frame["ds"].iloc[-1]).isoformat()}
        return scores

    def _require(self) -> tuple[Forecaster, pd.DataFrame]:
        if self._model is None or self._train is None:
            raise NotTrainedError("the time_series experiment has no fitted model yet")
        return self._model, self._train

    def predict(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """Forecast `horizon` steps after the last training ds: ds, yhat, yhat_lower, yhat_upper.

        `data` is not used: forecasts continue the training series (retrain to extend it).
        """
        import pandas as pd

        model, history = self._require()
        horizon = int(self._state["horizon"])
        stamps = pd.date_range(history["ds"].iloc[-1], periods=horizon + 1, freq=self._state["freq"])[1:]
        result = model.forecast(horizon)
        nan = np.full(horizon, np.nan)
        self._prediction = pd.DataFrame({
            "ds": stamps, "yhat": result.mean,
            "yhat_lower": result.lower if result.lower is not None else nan,
            "yhat_upper": result.upper if result.upper is not None else nan,
        })
        return self._prediction

    def plot(self, name: str) -> Figure:
        """forecast, components or residuals."""
        self.check_plot(name)
        model, history = self._require()
        target = self.config["setup"]["target"]
        if name == "forecast":
            prediction = self._prediction if self._prediction is not None else self.predict()
            traces = [
                fig.line(history["ds"], history["y"], "actual", mode="lines+markers", marker={"size": 3}),
                fig.line(history["ds"], history["fitted"], "fitted", line={"dash": "dot"}),
                fig.line(history["ds"], history["holdout"], "holdout forecast", line={"dash": "dash"}),
            ]
            if prediction["yhat_lower"].notna().any():
                traces += fig.band(prediction["ds"], prediction["yhat_lower"], prediction["yhat_upper"], "interval")
            traces.append(fig.line(prediction["ds"], prediction["yhat"], "forecast"))
            model_type = self.config["create_model"]["model_type"]
            return fig.figure(traces, f"{target}: {model_type} forecast", xaxis="ds", yaxis=target)
        if name == "components":
            parts = model.components() or _decompose(history["y"].to_numpy(), self._state["season"])
            panels = {key: [fig.line(history["ds"], value, key)] for key, value in parts.items()}
            return fig.stacked(panels, f"{target}: components", xaxis="ds")
        residual = history["y"] - history["fitted"]
        traces = [fig.line(history["ds"], residual, "residual", mode="markers", marker={"size": 4}),
                  fig.hline(0.0, "zero", history["ds"].iloc[0], history["ds"].iloc[-1])]
        return fig.figure(traces, f"{target}: in-sample residuals (actual - fitted)", xaxis="ds", yaxis="residual")

    def eda_plot(self, name: str, data: pd.DataFrame) -> Figure:
        """correlation (autocorrelation by lag), histogram of the target, or the raw series."""
        self.check_plot(name, eda=True)
        setup = self.config["setup"]
        series = prepare(data, setup["target"], setup["ds"], setup["freq"])
        frame, target = series.frame, setup["target"]
        if name == "histogram":
            return fig.figure([fig.histogram(frame["y"], target)], f"Distribution of {target}",
                              xaxis=target, yaxis="count", layout={"hovermode": "closest"})
        if name == "series":
            return fig.figure([fig.line(frame["ds"], frame["y"], target)], f"{target} over {setup['ds']}",
                              xaxis=setup["ds"], yaxis=target)
        from statsmodels.tsa.stattools import acf

        season = season_length(series.freq)
        lags = max(1, min(len(frame) // 2, max(40, 3 * (season or 0))))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # a constant series has no ACF
            values = acf(frame["y"].to_numpy(), nlags=lags, fft=True)[1:]
        bound = 1.96 / np.sqrt(len(frame))
        lag_axis = np.arange(1, len(values) + 1)
        traces = [fig.bar(lag_axis, values, "autocorrelation"),
                  fig.hline(bound, "95% bound", 0.5, lags + 0.5),
                  fig.hline(-bound, "-95% bound", 0.5, lags + 0.5)]
        return fig.figure(traces, f"Autocorrelation of {target} by lag", xaxis="lag",
                          yaxis="correlation", layout={"hovermode": "closest"})

    def save(self, folder: Path) -> None:
        """config.json, state.json, train.parquet, prediction.parquet and the model."""
        model, history = self._require()
        self.save_frames(folder, history)
        model.save(folder)

    @classmethod
    def load(cls, folder: Path, config: Mapping[str, Any]) -> TimeSeriesExperiment:
        """Restore from `save`'s folder; unpickles the model, so only runyard's own artifacts."""
        experiment = cls(config)
        model_cls = FORECASTERS[experiment.config["create_model"]["model_type"]]
        experiment._model = model_cls.load(folder)
        experiment.load_frames(folder)
        return experiment


def _decompose(y: np.ndarray, season: int | None) -> dict[str, np.ndarray]:
    """Classical additive decomposition when two seasons fit, else a moving-average trend."""
    import pandas as pd

    if season and len(y) >= 2 * season:
        from statsmodels.tsa.seasonal import seasonal_decompose

        parts = seasonal_decompose(y, period=season, model="additive")
        return {"trend": parts.trend, "seasonal": parts.seasonal, "residual": parts.resid}
    window = max(3, len(y) // 20)
    trend = pd.Series(y).rolling(window, center=True).mean().to_numpy()
    return {"trend": trend, "residual": y - trend}
