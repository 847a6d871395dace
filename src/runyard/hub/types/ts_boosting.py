"""Gradient boosting on lag features (scikit-learn), forecasting recursively.

Trees cannot extrapolate, so by default a straight-line trend is fitted first and the trees
model what is left; the position in the season is a feature too. Forecasts feed each
prediction back in as the next step's first lag. The model has no intervals of its own:
they are the point forecast +- 1.96 x the holdout RMSE.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from runyard.hub.types import config as cfg
from runyard.hub.types.base import DataError, ShouldStop, TrainingStopped
from runyard.hub.types.ts_models import Forecast, Forecaster

if TYPE_CHECKING:
    import pandas as pd

# Staged forecasts reported during training: at most this many, evenly spaced over the stages.
MAX_REPORTS = 100


class GradientBoostingForecaster(Forecaster):
    """GradientBoostingRegressor over the last `lags` values (and the season position)."""

    model_type = "GradientBoosting"
    aliases = ("gbr", "gbm", "gradientboostingregressor", "boosting")
    spec: ClassVar[Mapping[str, cfg.Param]] = {
        "n_estimators": cfg.Param((int,), 200, minimum=1, maximum=5000),
        "learning_rate": cfg.Param((float,), 0.05, minimum=1e-6, maximum=1.0),
        "max_depth": cfg.Param((int,), 3, minimum=1, maximum=32),
        "subsample": cfg.Param((float,), 1.0, minimum=0.01, maximum=1.0),
        "min_samples_leaf": cfg.Param((int,), 1, minimum=1, maximum=cfg.MAX_ROWS),
        # None: two seasons when a season length is known, else 10.
        "lags": cfg.Param((int,), None, minimum=1, maximum=1000),
        "detrend": cfg.Param((bool,), True),
        "random_state": cfg.Param((int,), 0, minimum=0, maximum=cfg.MAX_SEED),
    }

    def fit(self, history: pd.DataFrame, should_stop: ShouldStop) -> None:
        """Fit the trend line, then the trees, polling `should_stop` after every tree."""
        from sklearn.ensemble import GradientBoostingRegressor

        y = history["y"].to_numpy(dtype=float)
        lags = self.params["lags"] or (2 * self.season if self.season else 10)
        self.lags = min(lags, (len(y) - 1) // 2)
        if self.lags < 1:
            raise DataError(f"{len(y)} rows are too few for lag features")
        t = np.arange(len(y), dtype=float)
        coef = np.polyfit(t, y, 1) if self.params["detrend"] else np.zeros(2)
        self.slope, self.intercept = float(coef[0]), float(coef[1])
        resid = y - self._trend(t)
        features, targets = self._design(resid)
        stopped = False

        def monitor(_stage: int, _model: Any, _locals: Any) -> bool:
            nonlocal stopped
            stopped = stopped or should_stop()
            return stopped

        self.model = GradientBoostingRegressor(
            n_estimators=self.params["n_estimators"], learning_rate=self.params["learning_rate"],
            max_depth=self.params["max_depth"], subsample=self.params["subsample"],
            min_samples_leaf=self.params["min_samples_leaf"], random_state=self.params["random_state"])
        self.model.fit(features, targets, monitor=monitor)
        if stopped:
            raise TrainingStopped
        self.rows = len(y)
        self.tail = resid[-self.lags:].copy()
        self.in_sample = np.full(len(y), np.nan)
        self.in_sample[self.lags:] = self.model.predict(features) + self._trend(t[self.lags:])

    def _trend(self, t: np.ndarray) -> np.ndarray:
        return self.slope * t + self.intercept

    def _position(self, t: np.ndarray) -> np.ndarray:
        return np.asarray(t % self.season) if self.season else np.zeros_like(t)

    def _design(self, resid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Row for time t: resid[t-1], ..., resid[t-lags], position of t in the season.
        n = len(resid)
        t = np.arange(self.lags, n, dtype=float)
        columns = [resid[self.lags - k: n - k] for k in range(1, self.lags + 1)]
        return np.column_stack([*columns, self._position(t)]), resid[self.lags:]

    def _row(self, tails: np.ndarray, t: float) -> np.ndarray:
        # tails: (models, lags) most recent last -> features with lag 1 first.
        position = np.full((tails.shape[0], 1), self._position(np.array([t]))[0])
        return np.hstack([tails[:, ::-1], position])

    def forecast(self, steps: int) -> Forecast:
        """Recursive forecast; interval from the holdout RMSE when known."""
        tails = self.tail[None, :].copy()
        out = np.empty(steps)
        for h in range(steps):
            t = float(self.rows + h)
            pred = float(self.model.predict(self._row(tails, t))[0])
            out[h] = pred + self._trend(np.array([t]))[0]
            tails = np.hstack([tails[:, 1:], [[pred]]])
        if self.error_scale is None:
            return Forecast(out)
        width = 1.96 * self.error_scale
        return Forecast(out, out - width, out + width)

    def staged_forecasts(self, steps: int, should_stop: ShouldStop) -> Iterator[tuple[int, np.ndarray]]:
        """The recursive forecast of the reported stages, each run on its own predictions."""
        stages = len(self.model.estimators_)
        stride = max(1, stages // MAX_REPORTS)
        reported = [k for k in range(stages) if (k + 1) % stride == 0 or k == stages - 1]
        row_of = {stage: row for row, stage in enumerate(reported)}
        # One feature row per reported stage, so the work per step is stages x reported rows.
        tails = np.repeat(self.tail[None, :], len(reported), axis=0)
        preds = np.empty((len(reported), steps))
        for h in range(steps):
            if should_stop():
                raise TrainingStopped
            features = self._row(tails, float(self.rows + h))
            for stage, stage_pred in enumerate(self.model.staged_predict(features)):
                row = row_of.get(stage)
                if row is not None:
                    preds[row, h] = stage_pred[row]
            tails = np.hstack([tails[:, 1:], preds[:, h: h + 1]])
        trend = self._trend(np.arange(self.rows, self.rows + steps, dtype=float))
        for row, stage in enumerate(reported):
            yield stage + 1, preds[row] + trend

    def fitted(self) -> np.ndarray:
        """One-step-ahead in-sample predictions; the first `lags` rows are NaN."""
        return self.in_sample
