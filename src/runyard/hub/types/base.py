"""The interface every ExperimentHub experiment type implements.

A type is registered under the entry point group `runyard.experiment_types`
(`name = "package.module:Class"`). The hub builds one instance per hub experiment,
trains it in a separate process, and keeps its fitted state as run artifacts via
`save`/`load`. Types never touch the store or the network: they get data frames in
and give metrics, predictions and Plotly figures out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import pandas as pd

ENTRY_POINT_GROUP = "runyard.experiment_types"

# Plotly's JSON figure: {"data": [trace, ...], "layout": {...}}.
Figure = dict[str, Any]
# Called by `train` as the model improves: (metrics such as {"mse": ..., "mae": ...}, step).
Reporter = Callable[[Mapping[str, float], int], None]
# Polled by `train` between units of work; True means stop as soon as possible.
ShouldStop = Callable[[], bool]


class ConfigError(ValueError):
    """A bad experiment config; `field` is the dotted path of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DataError(ValueError):
    """The data cannot be used with this config (missing column, too few rows, ...)."""


class TrainingStopped(Exception):
    """Raised by `train` when `should_stop()` turned true."""


class NotTrainedError(RuntimeError):
    """`predict` or a model plot was asked of a type that has no fitted model yet."""


class ExperimentType(ABC):
    """One kind of experiment: validates its config, trains, predicts, plots, saves, loads."""

    # Registry key, e.g. "time_series"; also what /available_experiments lists.
    name: ClassVar[str]
    # Figure names served by GET /{name}/plot/{plot}; need a fitted model (and for some a prediction).
    plots: ClassVar[tuple[str, ...]]
    # Figure names served by GET /{name}/plot_eda/{plot}; need only training data.
    eda_plots: ClassVar[tuple[str, ...]]
    # Import names the type needs beyond runyard's core (e.g. "sklearn"); the hub answers 501 with
    # an install hint, instead of failing inside a worker, when one is missing.
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config: dict[str, Any] = self.validate(config)

    @classmethod
    @abstractmethod
    def validate(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """The normalized config (defaults filled in); raises ConfigError naming the field."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """Flat params to record on the run (model type, hyper-parameters, ...)."""

    @abstractmethod
    def train(self, data: pd.DataFrame, report: Reporter, should_stop: ShouldStop) -> dict[str, float]:
        """Fit on `data`; report metrics as it goes; return the final metrics.

        Raises DataError for unusable data and TrainingStopped when asked to stop.
        Keeps what plots need (training data, fitted values) on the instance.
        """

    @abstractmethod
    def predict(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """Predictions (a forecast over the configured horizon, or anomaly scores and flags).

        `data` is new input where the type needs it (fault detection scores new rows; without
        it, the training rows). Raises NotTrainedError before training or loading.
        The last prediction is kept for plots.
        """

    @abstractmethod
    def plot(self, name: str) -> Figure:
        """A model figure from `plots`; KeyError for an unknown name, NotTrainedError before fitting.

        A figure that needs a prediction when none was made yet may run `predict()` first
        (the built-in types do).
        """

    @abstractmethod
    def eda_plot(self, name: str, data: pd.DataFrame) -> Figure:
        """An exploratory figure from `eda_plots` over `data`; KeyError for an unknown name."""

    @abstractmethod
    def save(self, folder: Path) -> None:
        """Write the fitted state (model, training data needed by plots, last prediction) into `folder`.

        Creates `folder` if needed; NotTrainedError when nothing is fitted yet.
        """

    @classmethod
    @abstractmethod
    def load(cls, folder: Path, config: Mapping[str, Any]) -> ExperimentType:
        """An instance restored from `save`'s folder, ready to predict and plot.

        Built-in types unpickle their model here: only load folders runyard itself wrote.
        """
