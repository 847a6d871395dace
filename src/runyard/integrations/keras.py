"""Keras 3 (any backend): `model.fit(..., callbacks=[RunyardCallback()])`.

Logs fit's parameters (epochs, steps) and the optimizer's config as flattened config, the
epoch logs (loss, metrics, val_*) at step = epoch, batch logs as `batch/<name>` at the global
batch index when `log_batches=True`, and the model saved as `checkpoints/epoch-<n>.keras`
after each epoch when `log_checkpoints=True`. Only global rank zero (launcher's RANK) logs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import keras

from runyard.integrations.binding import RunBinding, env_rank


class RunyardCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Log a `fit` to the current runyard run, or to a new run named `name` (the model's name by default)."""

    def __init__(
        self,
        project: str = "keras",
        name: str | None = None,
        *,
        log_checkpoints: bool = False,
        log_batches: bool = False,
        **init_kwargs: Any,
    ) -> None:
        super().__init__()
        self.binding = RunBinding(project, init_kwargs, log_checkpoints=log_checkpoints)
        self.run_name = name
        self.log_batches = log_batches
        self._batches = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if env_rank() != 0:
            return
        config: dict[str, Any] = {"fit": dict(self.params or {})}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            config["optimizer"] = optimizer.get_config()
        self.binding.start(self.run_name or self.model.name, config)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.log_batches and logs:
            self.binding.log({f"batch/{key}": value for key, value in logs.items()}, self._batches)
        self._batches += 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs:
            self.binding.log(logs, epoch)
        if self.binding.run is not None and self.binding.log_checkpoints:
            with tempfile.TemporaryDirectory(prefix="runyard-keras-") as folder:
                path = Path(folder) / f"epoch-{epoch}.keras"
                self.model.save(path)
                self.binding.log_checkpoint(path, f"checkpoints/{path.name}")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        # Keras calls this only when fit returned; an exception ends an owned run through
        # runyard's own hook as `failed`.
        self.binding.end("finished")
