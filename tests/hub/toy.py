"""A tiny experiment type for the hub's tests: trains in steps, can be slow or ignore stop requests."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from runyard.hub.types.base import (
    ConfigError,
    DataError,
    ExperimentType,
    Figure,
    NotTrainedError,
    Reporter,
    ShouldStop,
    TrainingStopped,
)

TOY_REF = "toy=tests.hub.toy:ToyExperiment"


class ToyExperiment(ExperimentType):
    """Predicts the mean of `target`; `steps` reports, `sleep` seconds apart."""

    name: ClassVar[str] = "toy"
    plots: ClassVar[tuple[str, ...]] = ("fit", "forecast")
    eda_plots: ClassVar[tuple[str, ...]] = ("hist",)

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.mean: float | None = None
        self.prediction: list[float] | None = None

    @classmethod
    def validate(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        target = config.get("target")
        if not isinstance(target, str) or not target:
            raise ConfigError("target", "must be a column name")
        steps = config.get("steps", 3)
        if not isinstance(steps, int) or steps < 1:
            raise ConfigError("steps", "must be a positive integer")
        sleep = config.get("sleep", 0.0)
        if not isinstance(sleep, int | float) or sleep < 0:
            raise ConfigError("sleep", "must be a number of seconds")
        return {"target": target, "steps": steps, "sleep": float(sleep),
                "ignore_stop": bool(config.get("ignore_stop", False)), "horizon": int(config.get("horizon", 3))}

    def params(self) -> dict[str, Any]:
        return {"model": "mean", "steps": self.config["steps"]}

    def train(self, data: pd.DataFrame, report: Reporter, should_stop: ShouldStop) -> dict[str, float]:
        target = self.config["target"]
        if target not in data.columns:
            raise DataError(f"column {target!r} is missing")
        values = data[target].astype(float)
        for step in range(self.config["steps"]):
            if should_stop() and not self.config["ignore_stop"]:
                raise TrainingStopped()
            time.sleep(self.config["sleep"])
            error = float(((values - values.mean()) ** 2).mean()) / (step + 1)
            report({"mse": error, "mae": error ** 0.5}, step)
        self.mean = float(values.mean())
        return {"mse": error, "mae": error ** 0.5}

    def predict(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        if self.mean is None:
            raise NotTrainedError("not trained")
        rows = self.config["horizon"] if data is None else len(data)
        self.prediction = [self.mean] * rows
        return pd.DataFrame({"yhat": self.prediction})

    def plot(self, name: str) -> Figure:
        if name not in self.plots:
            raise KeyError(name)
        if self.mean is None:
            raise NotTrainedError("not trained")
        if name == "forecast":
            if self.prediction is None:
                raise NotTrainedError("predict first")
            return {"data": [{"type": "scatter", "y": self.prediction}], "layout": {"title": "forecast"}}
        return {"data": [{"type": "scatter", "y": [self.mean]}], "layout": {"title": "fit"}}

    def eda_plot(self, name: str, data: pd.DataFrame) -> Figure:
        if name not in self.eda_plots:
            raise KeyError(name)
        return {"data": [{"type": "histogram", "x": data[self.config["target"]].tolist()}], "layout": {}}

    def save(self, folder: Path) -> None:
        (folder / "state.json").write_text(json.dumps({"mean": self.mean, "prediction": self.prediction}))

    @classmethod
    def load(cls, folder: Path, config: Mapping[str, Any]) -> ToyExperiment:
        model = cls(config)
        state = json.loads((folder / "state.json").read_text())
        model.mean, model.prediction = state["mean"], state["prediction"]
        return model


class NeedsMissingModule(ToyExperiment):
    """The toy type, declaring a dependency that is not installed."""

    requires: ClassVar[tuple[str, ...]] = ("pandas", "runyard_no_such_module")


NEEDS_MISSING_REF = "needy=tests.hub.toy:NeedsMissingModule"
