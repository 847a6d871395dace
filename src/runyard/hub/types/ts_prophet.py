"""Prophet for the time_series type, available when the `prophet` package imports.

Params are Prophet's own constructor arguments. The model is saved with Prophet's JSON
serializer (its documented format) rather than pickled.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from runyard.hub.types.base import ConfigError, DataError, ShouldStop, TrainingStopped
from runyard.hub.types.ts_models import INTERVAL_ALPHA, Forecast, Forecaster

if TYPE_CHECKING:
    import pandas as pd

PROPHET_FILE = "prophet.json"
# Prophet's size arguments: each is a loop count or an array length in the worker.
PROPHET_BOUNDS = {"n_changepoints": 1000, "uncertainty_samples": 10_000, "mcmc_samples": 5000}
INSTALL_HINT = "the Prophet model needs the prophet package: pip install 'runyard[hub]' (or pip install prophet)"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # cmdstanpy logs every chain at INFO and prophet warns that plotly is missing; neither helps here.
    # `disabled`, not the level: cmdstanpy resets its logger's level on first use.
    loggers = [logging.getLogger(name) for name in ("cmdstanpy", "prophet", "prophet.plot")]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        with warnings.catch_warnings():
            # Prophet calls pandas APIs that pandas 3 deprecates; not actionable for hub users.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        for logger, disabled in zip(loggers, before, strict=True):
            logger.disabled = disabled


def _prophet_class() -> Any:
    try:
        with _quiet():
            from prophet import Prophet
    except ImportError as exc:
        raise ConfigError("create_model.model_type", INSTALL_HINT) from exc
    return Prophet


class ProphetForecaster(Forecaster):
    """Meta's Prophet: trend + seasonalities, with its own intervals and components."""

    model_type = "Prophet"
    aliases = ("fbprophet",)

    @classmethod
    def validate_params(cls, params: Any) -> dict[str, Any]:
        """Prophet's constructor arguments; unknown names and values Prophet rejects are errors."""
        prophet = _prophet_class()
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise ConfigError("create_model.params", "must be a JSON object")
        allowed = set(inspect.signature(prophet.__init__).parameters) - {"self"}
        for name in params:
            if name not in allowed:
                raise ConfigError(f"create_model.params.{name}", f"unknown Prophet argument; one of {sorted(allowed)}")
        for name, most in PROPHET_BOUNDS.items():
            value = params.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value > most:
                raise ConfigError(f"create_model.params.{name}", f"must be <= {most}")
        normalized = {"interval_width": 1 - INTERVAL_ALPHA, **params}
        try:
            prophet(**normalized)
        except Exception as exc:  # Prophet raises ValueError/TypeError/others for bad arguments
            raise ConfigError("create_model.params", f"rejected by Prophet: {exc}") from exc
        return normalized

    def fit(self, history: pd.DataFrame, should_stop: ShouldStop) -> None:
        """Fit Prophet (one optimizer call; `should_stop` is polled before and after)."""
        if should_stop():
            raise TrainingStopped
        prophet = _prophet_class()
        self._model = prophet(**self.params)
        frame = history[["ds", "y"]]
        try:
            with _quiet():
                self._model.fit(frame)
                self._in_sample = self._model.predict(frame[["ds"]])
        except (ValueError, RuntimeError) as exc:
            raise DataError(f"Prophet fit failed: {exc}") from exc
        if should_stop():
            raise TrainingStopped

    def forecast(self, steps: int) -> Forecast:
        """Forecast with Prophet's uncertainty interval."""
        future = self._model.make_future_dataframe(periods=steps, freq=self.freq, include_history=False)
        with _quiet():
            out = self._model.predict(future)
        return Forecast(out["yhat"].to_numpy(dtype=float), out["yhat_lower"].to_numpy(dtype=float),
                        out["yhat_upper"].to_numpy(dtype=float))

    def fitted(self) -> np.ndarray:
        """Prophet's fit over the history."""
        return np.asarray(self._in_sample["yhat"], dtype=float)

    def components(self) -> dict[str, np.ndarray] | None:
        """Trend, each seasonality and holidays (when configured) over the history."""
        names = ["trend", *self._model.seasonalities, "holidays"]
        return {name: self._in_sample[name].to_numpy(dtype=float) for name in names
                if name in self._in_sample.columns}

    def save(self, folder: Path) -> None:
        """Prophet's JSON for the model, pickle for the rest of this small object."""
        from prophet.serialize import model_to_json

        (folder / PROPHET_FILE).write_text(model_to_json(self._model))
        model, self._model = self._model, None
        try:
            super().save(folder)
        finally:
            self._model = model

    @classmethod
    def load(cls, folder: Path) -> Forecaster:
        """The forecaster written by `save`."""
        _prophet_class()
        from prophet.serialize import model_from_json

        loaded = super().load(folder)
        assert isinstance(loaded, ProphetForecaster)
        with _quiet():
            loaded._model = model_from_json((folder / PROPHET_FILE).read_text())
        return loaded
