"""XGBoost: `xgboost.train(..., callbacks=[RunyardCallback()])` (or an sklearn estimator's
`callbacks=`).

Logs the booster's learner configuration (objective, tree parameters, ... as XGBoost reports
them in `save_config()`) as flattened config, each evaluation's last value per boosting round
as `<data>-<metric>` at step = round (`xgboost.cv`: the mean, and `<data>-<metric>-std`), and
the trained model as `model/model.json` when `log_checkpoints=True`. Only rank 0 of a
distributed (collective) training logs.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from xgboost import collective
from xgboost.callback import TrainingCallback

from runyard.integrations.binding import RunBinding


def round_metrics(evals_log: TrainingCallback.EvalsLog) -> dict[str, float]:
    """The newest value of every evaluation (`cv` keeps (mean, std) pairs)."""
    metrics: dict[str, float] = {}
    for data, by_metric in evals_log.items():
        for metric, history in by_metric.items():
            if not history:
                continue
            last = history[-1]
            if isinstance(last, tuple):
                metrics[f"{data}-{metric}"], metrics[f"{data}-{metric}-std"] = last
            else:
                metrics[f"{data}-{metric}"] = last
    return metrics


class RunyardCallback(TrainingCallback):  # type: ignore[misc]
    """Log boosting to the current runyard run, or to a new run named `name`."""

    def __init__(
        self, project: str = "xgboost", name: str | None = None, *, log_checkpoints: bool = False, **init_kwargs: Any
    ) -> None:
        super().__init__()
        self.binding = RunBinding(project, init_kwargs, log_checkpoints=log_checkpoints)
        self.run_name = name

    def before_training(self, model: Any) -> Any:
        if collective.get_rank() == 0:
            save_config = getattr(model, "save_config", None)  # a Booster; xgboost.cv passes folds
            learner = json.loads(save_config()).get("learner", {}) if save_config is not None else {}
            self.binding.start(self.run_name, learner)
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: TrainingCallback.EvalsLog) -> bool:
        self.binding.log(round_metrics(evals_log), epoch)
        return False  # never asks XGBoost to stop

    def after_training(self, model: Any) -> Any:
        if self.binding.run is not None and self.binding.log_checkpoints and hasattr(model, "save_model"):
            with tempfile.TemporaryDirectory(prefix="runyard-xgboost-") as folder:
                path = Path(folder) / "model.json"
                model.save_model(path)
                self.binding.log_checkpoint(path, "model/model.json")
        self.binding.end("finished")
        return model
