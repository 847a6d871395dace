"""LightGBM: `lightgbm.train(..., callbacks=[RunyardCallback()])` (or an sklearn estimator's
`fit(callbacks=...)`).

Logs LightGBM's `params` as flattened config, every validation set's metric per iteration
as `<data>-<metric>` at step = iteration (`lightgbm.cv`: the mean, and `<data>-<metric>-std`),
and the model as `model/model.txt` when `log_checkpoints=True`. A run the callback started is
finished after the last iteration; LightGBM tells callbacks nothing when early stopping ends
training sooner, so then call `callback.end()` (or start the run yourself with `runyard.init`).
Only the process of global rank 0 (the launcher's RANK) logs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from lightgbm.callback import CallbackEnv

from runyard.integrations.binding import RunBinding, env_rank


def iteration_metrics(env: CallbackEnv) -> dict[str, float]:
    """This iteration's evaluations: (data, metric, value, higher_better[, std])."""
    metrics: dict[str, float] = {}
    for result in env.evaluation_result_list or []:
        data, metric, value = result[0], result[1], result[2]
        metrics[f"{data}-{metric}"] = value
        std = result[4] if len(result) > 4 else None
        if std is not None:
            metrics[f"{data}-{metric}-std"] = std
    return metrics


class RunyardCallback:
    """Log boosting to the current runyard run, or to a new run named `name`."""

    # After LightGBM's own log_evaluation/record_evaluation (10, 20), before early_stopping (30),
    # so the iteration early stopping ends on is logged too.
    order = 25
    before_iteration = False

    def __init__(
        self, project: str = "lightgbm", name: str | None = None, *, log_checkpoints: bool = False, **init_kwargs: Any
    ) -> None:
        self.binding = RunBinding(project, init_kwargs, log_checkpoints=log_checkpoints)
        self.run_name = name
        self._model: Any = None

    def __call__(self, env: CallbackEnv) -> None:
        if env_rank() != 0:
            return
        if self.binding.run is None:
            self.binding.start(self.run_name, env.params)
        self._model = env.model
        self.binding.log(iteration_metrics(env), env.iteration)
        if env.iteration + 1 >= env.end_iteration:
            self.end()

    def end(self) -> None:
        """Log the model (when asked) and finish a run this callback started; idempotent."""
        model, self._model = self._model, None
        if self.binding.run is not None and self.binding.log_checkpoints and hasattr(model, "save_model"):
            with tempfile.TemporaryDirectory(prefix="runyard-lightgbm-") as folder:
                path = Path(folder) / "model.txt"
                model.save_model(str(path))
                self.binding.log_checkpoint(path, "model/model.txt")
        self.binding.end("finished")
