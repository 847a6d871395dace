"""What every integration shares: which run to log to, and how hyperparameters, metrics and
checkpoints land in it.

A run the user already started with `runyard.init()` is reused and left running (the user
finishes it), the framework's hyperparameters merged into its config; otherwise the integration starts one named after the framework's run name and
finishes it with the framework's final status. Under distributed training only the process
of global rank 0 logs, so one training job is one run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import runyard
from runyard.nested import dotted
from runyard.sdk import Run
from runyard.sdk.values import coerce_value, to_jsonable

# Launchers' variables for the global rank (torchrun / accelerate, Slurm, Open MPI, MPICH).
_RANK_VARIABLES = ("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK")


def env_rank() -> int:
    """This process's global rank as the launcher set it; 0 when not launched distributed."""
    for variable in _RANK_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value.isdigit():
            return int(value)
    return 0


def flatten(config: Mapping[str, Any]) -> dict[str, Any]:
    """Nested hyperparameters as one level of dotted keys (`optimizer.lr`), JSON values."""
    return {key: to_jsonable(value) for key, value in dotted(config).items()}


def scalars(metrics: Mapping[str, Any]) -> dict[str, float | int]:
    """The real-number values of a framework's log dict; strings and tensors of many values
    (learning-rate schedules' names, confusion matrices) are not metrics and are left out."""
    numbers: dict[str, float | int] = {}
    for key, value in metrics.items():
        if not isinstance(key, str) or not key:
            continue
        try:
            numbers[key] = coerce_value(key, value)
        except TypeError:
            continue
    return numbers


class RunBinding:
    """The run one integration logs to: reused or started on first use, ended at most once."""

    def __init__(self, project: str, init_kwargs: Mapping[str, Any], *, log_checkpoints: bool) -> None:
        self.project = project
        self.init_kwargs = dict(init_kwargs)
        self.log_checkpoints = log_checkpoints
        self.run: Run | None = None
        # True when this integration started the run, so it is the one to finish it.
        self.owned = False
        # The run this integration started and already finished: a later stage of the same
        # training (Lightning's test after fit) resumes it rather than starting a second run.
        self.finished_uid: str | None = None

    def start(self, name: str | None, config: Mapping[str, Any]) -> Run:
        """The current run with `config` merged into its config, or a new run named `name` with it."""
        flat = flatten(config)
        if self.run is None and runyard.run is not None:
            self.run = runyard.run
        if self.run is not None:
            # The framework's values win over same-named keys: they are what training used.
            if flat:
                self.run.config.update(flat)
            return self.run
        options: dict[str, Any] = {**self.init_kwargs, "name": name or None, "config": flat}
        if self.finished_uid is not None:
            options["resume"] = self.finished_uid
        self.run = runyard.init(project=self.project, **options)
        self.owned = True
        return self.run

    def log(self, metrics: Mapping[str, Any], step: int | None) -> None:
        """Log the numeric values of `metrics` at the framework's step."""
        numbers = scalars(metrics)
        if self.run is not None and numbers:
            self.run.log(numbers, step)

    def log_checkpoint(self, path: str | os.PathLike[str], name: str) -> None:
        """Copy a checkpoint file, or every file under a checkpoint folder, into the run's
        artifacts under `name` (when checkpoints were asked for)."""
        if self.run is None or not self.log_checkpoints:
            return
        source = Path(path)
        if source.is_file():
            self.run.log_artifact(source, name)
            return
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            self.run.log_artifact(file, f"{name}/{file.relative_to(source).as_posix()}")

    def end(self, status: str) -> None:
        """Finish the run with `status` when this integration started it; a reused run goes on."""
        run, self.run = self.run, None
        if run is not None and self.owned:
            run.finish(status)
            self.finished_uid = run.uid
        self.owned = False
