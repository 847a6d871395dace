"""What the built-in types share: a fitted model beside a training frame, a last prediction and state.

Such a type saves `config.json`, `state.json`, `train.parquet` and `prediction.parquet` (through
`save_frames`) next to its model file, and restores them with `load_frames`; it checks plot names
with `check_plot` before drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runyard.hub.types import storage
from runyard.hub.types.base import ExperimentType

if TYPE_CHECKING:
    import pandas as pd


class FittedExperiment(ExperimentType):
    """An `ExperimentType` whose fitted state is a model (the subclass's) plus frames and JSON state."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        # The training rows that plots need (None before training or loading).
        self._train: pd.DataFrame | None = None
        self._prediction: pd.DataFrame | None = None
        self._state: dict[str, Any] = {}

    def check_plot(self, name: str, *, eda: bool = False) -> None:
        """KeyError unless `name` is one of `plots` (or of `eda_plots` when `eda`)."""
        known, what = (self.eda_plots, "EDA plot") if eda else (self.plots, "plot")
        if name not in known:
            raise KeyError(f"unknown {what} {name!r}; one of {list(known)}")

    def save_frames(self, folder: Path, train: pd.DataFrame) -> None:
        """Create `folder`; write the config, the state, `train` and the last prediction (if any) into it."""
        folder.mkdir(parents=True, exist_ok=True)
        storage.write_json(folder / storage.CONFIG_FILE, self.config)
        storage.write_json(folder / storage.STATE_FILE, self._state)
        storage.write_frame(folder / storage.TRAIN_FILE, train)
        storage.write_frame(folder / storage.PREDICTION_FILE, self._prediction)

    def load_frames(self, folder: Path) -> None:
        """Restore the state, training rows and last prediction of `save_frames`; FileNotFoundError without rows."""
        self._state = storage.read_json(folder / storage.STATE_FILE)
        self._train = storage.read_frame(folder / storage.TRAIN_FILE)
        self._prediction = storage.read_frame(folder / storage.PREDICTION_FILE)
        if self._train is None:
            raise FileNotFoundError(folder / storage.TRAIN_FILE)
