"""The real Lightning Trainer (both import paths) fits a tiny module for three steps, then
tests it, with RunyardLogger; what it logged is read back from the store."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.store import Store
from tests.integrations.conftest import framework, only_run

torch = framework("torch")

PATHS = ["lightning.pytorch", "pytorch_lightning"]


def _fit(tmp_path: Path, package: str, logger: Any, *, then_test: bool = False, fail_at: int = -1) -> None:
    pl = importlib.import_module(package)

    class Tiny(pl.LightningModule):  # type: ignore[misc, name-defined]
        def __init__(self, lr: float = 0.1, optimizer: dict[str, Any] | None = None) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.layer = torch.nn.Linear(4, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            if batch_idx == fail_at:
                raise RuntimeError("boom")
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x), y)
            self.log("train/loss", loss)
            return loss

        def test_step(self, batch: Any, batch_idx: int) -> None:
            x, y = batch
            self.log("test/loss", torch.nn.functional.mse_loss(self.layer(x), y))

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(12, 4), torch.randn(12, 1))
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    checkpoints = pl.callbacks.ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True)
    trainer = pl.Trainer(
        max_steps=3, logger=logger, log_every_n_steps=1, accelerator="cpu", callbacks=[checkpoints],
        enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
    )
    model = Tiny(lr=0.05, optimizer={"name": "sgd", "momentum": 0.0})
    trainer.fit(model, loader)
    if then_test:
        trainer.test(model, loader)


@pytest.mark.parametrize("package", PATHS)
def test_fit_then_test_is_one_run(tmp_path: Path, data_dir: Path, reader: Store, package: str) -> None:
    framework(package)
    module = importlib.import_module(f"runyard.integrations.{package.split('.')[0]}")
    logger = module.RunyardLogger("pl", name="tiny", log_checkpoints=True, dir=data_dir, capture_console=False)
    _fit(tmp_path, package, logger, then_test=True)
    assert runyard.run is None
    run = reader.get_run(only_run(reader, "pl"))
    assert run.name == "tiny" and run.status == "finished"
    # Lightning creates the run (`logger.experiment`) before it logs hyperparameters: they
    # merge into its config.
    assert run.config["lr"] == 0.05 and run.config["optimizer.name"] == "sgd"
    assert reader.read_metric(run.id, "train/loss").steps.tolist() == [0, 1, 2]
    assert reader.read_metric(run.id, "test/loss").values.size == 1  # the test stage resumed the run
    artifacts = {a.path for a in reader.list_artifacts(run.id)}
    assert "checkpoints/last.ckpt" in artifacts and "checkpoints/epoch=0-step=3.ckpt" in artifacts


def test_reuses_the_run_init_started(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    framework("lightning")
    from runyard.integrations.lightning import RunyardLogger

    run = runyard.init(project="mine", dir=data_dir, capture_console=False)
    _fit(tmp_path, "lightning.pytorch", RunyardLogger("pl"))
    assert runyard.run is run and run.status == "running"
    run.finish()
    stored = reader.get_run(only_run(reader, "mine"))
    assert stored.config == {"lr": 0.05, "optimizer.name": "sgd", "optimizer.momentum": 0.0}
    assert reader.read_metric(stored.id, "train/loss").steps.tolist() == [0, 1, 2]
    assert reader.list_artifacts(stored.id) == []


def test_a_failed_fit_finishes_the_run_failed(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    framework("lightning")
    from runyard.integrations.lightning import RunyardLogger

    logger = RunyardLogger("pl", name="broken", dir=data_dir, capture_console=False)
    with pytest.raises(RuntimeError, match="boom"):
        _fit(tmp_path, "lightning.pytorch", logger, fail_at=1)
    run = reader.get_run(only_run(reader, "pl"))
    assert run.status == "failed" and reader.read_metric(run.id, "train/loss").steps.tolist() == [0]
