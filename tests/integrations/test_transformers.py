"""The real Hugging Face Trainer trains a tiny GPT-2 (built from a config, no download) for
three steps with RunyardCallback; what it logged is read back from the store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.store import Store
from tests.integrations.conftest import framework, only_run

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = framework("transformers")
torch = framework("torch")


def _train(tmp_path: Path, callback: Any, *, save: bool = False) -> Any:
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(
        transformers.GPT2Config(vocab_size=64, n_positions=16, n_embd=16, n_layer=1, n_head=2)
    )
    ids = torch.randint(0, 64, (8, 16))
    dataset = [{"input_ids": row, "labels": row} for row in ids]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), run_name="tiny-gpt2", max_steps=3, logging_steps=1,
        per_device_train_batch_size=4, report_to=[], use_cpu=True, disable_tqdm=True,
        save_strategy="steps" if save else "no", save_steps=3,
    )
    trainer = transformers.Trainer(model=model, args=args, train_dataset=dataset, eval_dataset=dataset[:4],
                                   callbacks=[callback])
    trainer.train()
    return trainer


def test_trainer_run_config_metrics_checkpoint(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    from runyard.integrations.transformers import RunyardCallback

    trainer = _train(tmp_path, RunyardCallback("hf", log_checkpoints=True, dir=data_dir, capture_console=False),
                     save=True)
    run = reader.get_run(only_run(reader, "hf"))
    assert run.name == "tiny-gpt2" and run.status == "finished" and runyard.run is None
    trainer.evaluate()  # after train(): resumes the same run, left running for the script
    assert runyard.run is not None and runyard.run.uid == run.uid
    runyard.finish()
    assert reader.read_metric(run.id, "eval_loss").steps.tolist() == [3]
    assert run.config["max_steps"] == 3 and run.config["learning_rate"] == 5e-05
    assert run.config["model.n_embd"] == 16 and run.config["model.vocab_size"] == 64
    loss = reader.read_metric(run.id, "loss")
    assert loss.steps.tolist() == [1, 2, 3] and all(v > 0 for v in loss.values.tolist())
    assert reader.read_metric(run.id, "learning_rate").steps.tolist() == [1, 2, 3]
    assert reader.read_metric(run.id, "train_loss").steps.tolist() == [3]
    artifacts = {a.path for a in reader.list_artifacts(run.id)}
    assert "checkpoint-3/model.safetensors" in artifacts and "checkpoint-3/config.json" in artifacts


def test_trainer_reuses_the_run_init_started(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    from runyard.integrations.transformers import RunyardCallback

    run = runyard.init(project="mine", name="by-hand", config={"note": "mine"}, dir=data_dir, capture_console=False)
    _train(tmp_path, RunyardCallback("hf"), save=True)
    assert runyard.run is run and run.status == "running"  # the user's run goes on
    run.log({"after": 1.0})
    run.finish()
    stored = reader.get_run(only_run(reader, "mine"))
    assert stored.config["note"] == "mine" and stored.config["max_steps"] == 3 and stored.params == {}
    assert reader.read_metric(stored.id, "loss").steps.tolist() == [1, 2, 3]
    assert reader.list_artifacts(stored.id) == []  # checkpoints only when asked
    with pytest.raises(Exception):  # noqa: B017 - no project "hf" was made
        reader.get_project_by_name("hf")
