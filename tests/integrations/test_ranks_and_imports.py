"""Only rank zero logs, and `import runyard` imports no framework."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from runyard.integrations.binding import env_rank, flatten
from runyard.store import Store
from tests.integrations.conftest import framework

FRAMEWORKS = ("torch", "transformers", "lightning", "pytorch_lightning", "keras", "xgboost", "lightgbm")


def test_importing_runyard_and_the_shared_helpers_imports_no_framework() -> None:
    code = ("import sys, runyard, runyard.integrations, runyard.integrations.binding; "
            f"print(sorted(set({FRAMEWORKS!r}) & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout.strip()) == (0, "[]"), out.stderr


def test_env_rank_and_flatten(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK"):
        monkeypatch.delenv(variable, raising=False)
    assert env_rank() == 0
    monkeypatch.setenv("SLURM_PROCID", "3")
    assert env_rank() == 3
    monkeypatch.setenv("RANK", "1")
    assert env_rank() == 1
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}, "f": np.float32(0.5)}) == {
        "a.b": 1, "a.c.d": [1, 2], "e": {}, "f": 0.5}


def test_rank_one_logs_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data_dir: Path, reader: Store) -> None:
    lgb = framework("lightgbm")
    transformers = framework("transformers")
    framework("lightning")
    from lightning_utilities.core.rank_zero import rank_zero_only

    from runyard.integrations import lightgbm, lightning
    from runyard.integrations import transformers as hf

    options = {"dir": data_dir, "capture_console": False}
    monkeypatch.setenv("RANK", "1")
    x = np.random.default_rng(0).normal(size=(32, 2))
    lgb.train({"objective": "regression", "verbose": -1, "min_data_in_leaf": 2}, lgb.Dataset(x, label=x[:, 0]), 2,
              valid_sets=[lgb.Dataset(x, label=x[:, 0])], callbacks=[lightgbm.RunyardCallback("ranks", **options)])

    callback = hf.RunyardCallback("ranks", **options)
    args = transformers.TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    state, control = transformers.TrainerState(is_world_process_zero=False), transformers.TrainerControl()
    callback.on_train_begin(args, state, control)
    callback.on_log(args, state, control, logs={"loss": 1.0})
    callback.on_train_end(args, state, control)

    monkeypatch.setattr(rank_zero_only, "rank", 1, raising=False)
    logger = lightning.RunyardLogger("ranks", **options)
    logger.log_hyperparams({"lr": 0.1})
    logger.log_metrics({"loss": 1.0}, step=0)
    assert logger.experiment is None
    logger.finalize("success")
    assert "ranks" not in {project.name for project in reader.list_projects()}
