"""Hugging Face Transformers: `RunyardCallback` for `Trainer(callbacks=[...])`.

Logs TrainingArguments and the model's config as flattened config, every `Trainer.log` dict
(loss, learning_rate, eval_*) at `state.global_step`, and each saved checkpoint folder as
artifacts when `log_checkpoints=True`. Only the world process zero logs.
"""

from __future__ import annotations

import os
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from runyard.integrations.binding import RunBinding


class RunyardCallback(TrainerCallback):  # type: ignore[misc]  # Any where transformers is absent
    """Log a Trainer's training to the current runyard run, or to a new one named `args.run_name`."""

    def __init__(self, project: str = "huggingface", *, log_checkpoints: bool = False, **init_kwargs: Any) -> None:
        self.binding = RunBinding(project, init_kwargs, log_checkpoints=log_checkpoints)

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        config: dict[str, Any] = dict(args.to_dict())  # type: ignore[no-untyped-call]
        model_config = getattr(kwargs.get("model"), "config", None)
        if model_config is not None and hasattr(model_config, "to_dict"):
            config["model"] = model_config.to_dict()
        self.binding.start(args.run_name, config)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not state.is_world_process_zero or not logs:
            return
        if self.binding.run is None:
            # `trainer.evaluate()` without training, or after train() finished the run: log to
            # the current run, else resume the finished one (or start one); process exit or a
            # later train() finishes it.
            self.binding.start(args.run_name, {})
        self.binding.log(logs, state.global_step)

    def on_save(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        if not state.is_world_process_zero or args.output_dir is None:
            return
        folder = f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
        path = os.path.join(args.output_dir, folder)
        if os.path.isdir(path):
            self.binding.log_checkpoint(path, folder)

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        # The Trainer calls this only when training returned; an exception ends an owned run
        # through runyard's own hook as `failed`.
        if state.is_world_process_zero:
            self.binding.end("finished")
