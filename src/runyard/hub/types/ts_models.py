"""Forecasting models behind the time_series type, and the statsmodels ones.

A Forecaster fits one regular series (columns ds, y), forecasts a number of steps after its
end with intervals where the model has them, and exposes in-sample fitted values and, where
the model has them, its own components.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from runyard.hub.types import config as cfg
from runyard.hub.types import storage
from runyard.hub.types.base import DataError, ShouldStop, TrainingStopped

if TYPE_CHECKING:
    import pandas as pd

# Two-sided level of every interval the models produce.
INTERVAL_ALPHA = 0.05
# Bounds of ARIMA orders and season lengths: past them a fit is hours of work, or never ends.
MAX_ORDER = 50
MAX_SEASON = 10_000


@dataclass
class Forecast:
    """Point forecast and, where the model offers it, a (1 - INTERVAL_ALPHA) interval."""

    mean: np.ndarray
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None


class Forecaster(ABC):
    """One model type of the time_series experiment."""

    # Canonical model_type and the other names (case and _/- insensitive) that select it.
    model_type: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    spec: ClassVar[Mapping[str, cfg.Param]] = {}

    def __init__(self, params: Mapping[str, Any], freq: str, season: int | None) -> None:
        self.params = dict(params)
        self.freq = freq
        self.season = season
        # RMSE on the holdout, set by the experiment; models without intervals widen by it.
        self.error_scale: float | None = None

    @classmethod
    def validate_params(cls, params: Any) -> dict[str, Any]:
        """The params checked against `spec`, defaults filled in."""
        return cfg.params(params, cls.spec)

    @abstractmethod
    def fit(self, history: pd.DataFrame, should_stop: ShouldStop) -> None:
        """Fit on `history` (ds, y); raise TrainingStopped when `should_stop()` turns true."""

    @abstractmethod
    def forecast(self, steps: int) -> Forecast:
        """The next `steps` values after the end of the fitted history."""

    def staged_forecasts(self, steps: int, should_stop: ShouldStop) -> Iterator[tuple[int, np.ndarray]]:
        """(step, forecast) pairs as the model grows; one pair for models fitted in one go."""
        yield 1, self.forecast(steps).mean

    @abstractmethod
    def fitted(self) -> np.ndarray:
        """In-sample predictions over the history (NaN where the model has none)."""

    def components(self) -> dict[str, np.ndarray] | None:
        """The model's own decomposition over the history, or None to use seasonal_decompose."""
        return None

    def save(self, folder: Path) -> None:
        """Write the fitted model into `folder`."""
        storage.dump_model(folder / storage.MODEL_FILE, self)

    @classmethod
    def load(cls, folder: Path) -> Forecaster:
        """The model written by `save` (pickle: only runyard's own artifacts)."""
        model = storage.load_model(folder / storage.MODEL_FILE)
        if not isinstance(model, cls):
            raise TypeError(f"{folder} holds a {type(model).__name__}, not a {cls.__name__}")
        return model


def _never() -> bool:
    return False


class _StopCallback:
    """An optimizer callback that raises TrainingStopped out of the fit when asked to stop.

    statsmodels keeps the callback on its results, so `release` swaps the hub's (unpicklable)
    should_stop for a module-level function before the model is saved.
    """

    def __init__(self, should_stop: ShouldStop) -> None:
        self.should_stop = should_stop

    def __call__(self, *args: Any) -> None:
        if self.should_stop():
            raise TrainingStopped

    def release(self) -> None:
        """Drop the reference to the caller's should_stop."""
        self.should_stop = _never


def _fit_errors(exc: Exception) -> DataError:
    return DataError(f"model fit failed: {exc}")


def _seasonal_periods(requested: int | None, season: int | None, rows: int) -> int | None:
    # A seasonal fit needs two full seasons of data.
    periods = requested or season
    return periods if periods and periods > 1 and rows >= 2 * periods else None


class ExponentialSmoothingForecaster(Forecaster):
    """ETS (error, trend, season) state-space model from statsmodels; intervals from the model."""

    model_type = "ExponentialSmoothing"
    aliases = ("ets", "holtwinters", "holt_winters", "es")
    spec: ClassVar[Mapping[str, cfg.Param]] = {
        "error": cfg.Param((str,), "add", choices=("add", "mul")),
        "trend": cfg.Param((str,), "add", choices=("add", "mul", None)),
        "damped_trend": cfg.Param((bool,), False),
        # "auto": additive when a season length is known and two seasons fit in the data.
        "seasonal": cfg.Param((str,), "auto", choices=("auto", "add", "mul", None)),
        "seasonal_periods": cfg.Param((int,), None, minimum=2, maximum=MAX_SEASON),
        "maxiter": cfg.Param((int,), 1000, minimum=1, maximum=cfg.MAX_ITERATIONS),
    }

    def fit(self, history: pd.DataFrame, should_stop: ShouldStop) -> None:
        """Fit by maximum likelihood, polling `should_stop` at each optimizer iteration."""
        import pandas as pd
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        y = pd.Series(history["y"].to_numpy(dtype=float))
        periods = _seasonal_periods(self.params["seasonal_periods"], self.season, len(y))
        seasonal = self.params["seasonal"]
        if seasonal == "auto":
            seasonal = "add" if periods else None
        callback = _StopCallback(should_stop)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ETSModel(y, error=self.params["error"], trend=self.params["trend"],
                                 damped_trend=self.params["damped_trend"] and self.params["trend"] is not None,
                                 seasonal=seasonal, seasonal_periods=periods if seasonal else None)
                self._result = model.fit(disp=False, maxiter=self.params["maxiter"], callback=callback)
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise _fit_errors(exc) from exc
        finally:
            callback.release()
        self._rows = len(y)

    def forecast(self, steps: int) -> Forecast:
        """Forecast with the model's prediction intervals."""
        frame = self._result.get_prediction(start=self._rows, end=self._rows + steps - 1)
        summary = frame.summary_frame(alpha=INTERVAL_ALPHA)
        return Forecast(summary["mean"].to_numpy(), summary["pi_lower"].to_numpy(),
                        summary["pi_upper"].to_numpy())

    def fitted(self) -> np.ndarray:
        """One-step-ahead in-sample predictions."""
        return np.asarray(self._result.fittedvalues, dtype=float)

    def components(self) -> dict[str, np.ndarray] | None:
        """The fitted states: level, trend (slope) and season, where the model has them."""
        states = self._result.states
        labels = {"level": "level", "trend": "slope", "seasonal": "seasonal"}
        return {label: states[name].to_numpy(dtype=float) for name, label in labels.items()
                if name in states.columns}


def _check_order(length: int) -> Any:
    def check(value: Any) -> str | None:
        if len(value) != length or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                           for v in value):
            return f"must be a list of {length} non-negative integers"
        # (p, d, q) and (P, D, Q) are lag counts; a seasonal order's 4th entry is the season length.
        if any(v > MAX_ORDER for v in value[:3]) or (length == 4 and value[3] > MAX_SEASON):
            return f"orders must be <= {MAX_ORDER} (a season length <= {MAX_SEASON})"
        return None
    return check


class ArimaForecaster(Forecaster):
    """(Seasonal) ARIMA from statsmodels; intervals from the model."""

    model_type = "ARIMA"
    aliases = ("sarima", "autoarima")
    spec: ClassVar[Mapping[str, cfg.Param]] = {
        "order": cfg.Param((list,), [1, 1, 1], check=_check_order(3)),
        # None: (1, 0, 0, season) when a season length is known and two seasons fit, else none.
        "seasonal_order": cfg.Param((list,), None, check=_check_order(4)),
        "trend": cfg.Param((str,), None, choices=("n", "c", "t", "ct", None)),
    }

    def fit(self, history: pd.DataFrame, should_stop: ShouldStop) -> None:
        """Fit by maximum likelihood, polling `should_stop` at each optimizer iteration."""
        import pandas as pd
        from statsmodels.tsa.arima.model import ARIMA

        y = pd.Series(history["y"].to_numpy(dtype=float))
        seasonal = self.params["seasonal_order"]
        if seasonal is None:
            periods = _seasonal_periods(None, self.season, len(y))
            seasonal = [1, 0, 0, periods] if periods else [0, 0, 0, 0]
        self._burn_in = self.params["order"][1] + seasonal[1] * seasonal[3]
        callback = _StopCallback(should_stop)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ARIMA(y, order=tuple(self.params["order"]), seasonal_order=tuple(seasonal),
                              trend=self.params["trend"])
                self._result = model.fit(method_kwargs={"callback": callback})
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise _fit_errors(exc) from exc
        finally:
            callback.release()

    def forecast(self, steps: int) -> Forecast:
        """Forecast with the model's confidence intervals."""
        result = self._result.get_forecast(steps)
        bounds = np.asarray(result.conf_int(alpha=INTERVAL_ALPHA), dtype=float)
        return Forecast(np.asarray(result.predicted_mean, dtype=float), bounds[:, 0], bounds[:, 1])

    def fitted(self) -> np.ndarray:
        """One-step-ahead in-sample predictions; the differencing burn-in is NaN."""
        values = np.asarray(self._result.fittedvalues, dtype=float).copy()
        values[: max(1, self._burn_in)] = np.nan
        return values
