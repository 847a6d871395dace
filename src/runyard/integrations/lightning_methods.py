"""The body of the Lightning logger, shared by the `lightning.pytorch` and `pytorch_lightning`
import paths (each subclasses its own package's `Logger`, which its Trainer checks for)."""

from __future__ import annotations

import os
from argparse import Namespace
from typing import Any

from lightning_utilities.core.rank_zero import rank_zero_only

from runyard.integrations.binding import RunBinding
from runyard.sdk import Run
from runyard.sdk.values import config_dict

# Lightning's `finalize` statuses; an interrupted or crashed fit is "failed".
_STATUSES = {"success": "finished", "failed": "failed"}


def _is_rank_zero() -> bool:
    # The Trainer sets this shared attribute to the process's global rank.
    return getattr(rank_zero_only, "rank", 0) == 0


class LoggerMethods:
    """Hyperparameters as flattened config, metrics at Lightning's step, checkpoints on request."""

    binding: RunBinding
    run_name: str | None

    def __init__(
        self, project: str = "lightning", name: str | None = None, *, log_checkpoints: bool = False, **init_kwargs: Any
    ) -> None:
        """Log to the current runyard run, or to a new run `name` in `project` (kwargs: `runyard.init`'s)."""
        super().__init__()
        self.binding = RunBinding(project, init_kwargs, log_checkpoints=log_checkpoints)
        self.run_name = name
        self._logged_checkpoints: set[tuple[str, float]] = set()

    @property
    def name(self) -> str:
        return self.binding.project

    @property
    def version(self) -> str:
        run = self.binding.run
        return run.name if run is not None else (self.run_name or "")

    @property
    def experiment(self) -> Run | None:
        """The runyard run (None off rank zero)."""
        if not _is_rank_zero():
            return None
        return self.binding.run or self.binding.start(self.run_name, {})

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if _is_rank_zero():
            self.binding.start(self.run_name, config_dict(params))

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if not _is_rank_zero():
            return
        if self.binding.run is None:
            self.binding.start(self.run_name, {})
        self.binding.log(metrics, step)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        """Each checkpoint file the callback keeps (best k and last), once per version of it."""
        if not _is_rank_zero() or not self.binding.log_checkpoints:
            return
        paths = {*getattr(checkpoint_callback, "best_k_models", {}), checkpoint_callback.best_model_path,
                 checkpoint_callback.last_model_path}
        for path in sorted(p for p in paths if p and os.path.isfile(p)):
            version = (path, os.path.getmtime(path))
            if version not in self._logged_checkpoints:
                self._logged_checkpoints.add(version)
                self.binding.log_checkpoint(path, f"checkpoints/{os.path.basename(path)}")

    def finalize(self, status: str) -> None:
        if _is_rank_zero():
            self.binding.end(_STATUSES.get(status, "failed"))
