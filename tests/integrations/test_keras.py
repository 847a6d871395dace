"""Real Keras 3 on the torch backend fits a tiny model for three epochs with RunyardCallback;
what it logged is read back from the store."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import runyard
from runyard.errors import NotFoundError
from runyard.store import Store
from tests.integrations.conftest import framework, only_run

# The backend is chosen once, when keras is first imported.
os.environ.setdefault("KERAS_BACKEND", "torch")
keras = framework("keras")


def _fit(callback: object) -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name="tiny-dense")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    x, y = np.random.default_rng(0).normal(size=(16, 4)), np.zeros((16, 1))
    model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0, callbacks=[callback])


def test_fit_config_epoch_and_batch_metrics_checkpoints(data_dir: Path, reader: Store) -> None:
    from runyard.integrations.keras import RunyardCallback

    assert keras.backend.backend() == "torch"
    _fit(RunyardCallback("keras", log_checkpoints=True, log_batches=True, dir=data_dir, capture_console=False))
    run = reader.get_run(only_run(reader, "keras"))
    assert run.name == "tiny-dense" and run.status == "finished"
    assert run.config["fit.epochs"] == 3 and run.config["fit.steps"] == 2
    assert run.config["optimizer.name"] == "adam" and abs(run.config["optimizer.learning_rate"] - 0.01) < 1e-9
    for key in ("loss", "mae", "val_loss", "val_mae"):
        assert reader.read_metric(run.id, key).steps.tolist() == [0, 1, 2], key
    assert reader.read_metric(run.id, "batch/loss").steps.tolist() == list(range(6))
    artifacts = sorted(a.path for a in reader.list_artifacts(run.id))
    assert artifacts == [f"checkpoints/epoch-{n}.keras" for n in range(3)]


def test_reuses_the_run_init_started(data_dir: Path, reader: Store) -> None:
    from runyard.integrations.keras import RunyardCallback

    run = runyard.init(project="mine", dir=data_dir, capture_console=False)
    _fit(RunyardCallback())
    assert runyard.run is run and run.status == "running"
    run.finish()
    stored = reader.get_run(only_run(reader, "mine"))
    assert stored.config["fit.epochs"] == 3
    assert reader.read_metric(stored.id, "loss").steps.tolist() == [0, 1, 2]
    with pytest.raises(NotFoundError):  # batches only when asked
        reader.read_metric(stored.id, "batch/loss")
