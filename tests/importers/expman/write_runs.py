"""Runs in the expman-rs side venv: logs runs with the real tool into BASE, then prints as JSON
what expman's own read API reads back (run metadata, config, every metric row)."""

import json
import math
import os
import sys
from pathlib import Path

import expman
from expman import Experiment

base, files = sys.argv[1], Path(sys.argv[2])
quiet = dict(base_dir=base, system_metrics_interval_secs=0, heartbeat_interval_secs=0)
(files / "ckpt").mkdir(parents=True)
(files / "ckpt" / "model.bin").write_bytes(bytes(range(256)) * 40)
(files / "notes.txt").write_text("artifact text\n")

with Experiment("mnist", run_name="lr-0.1", tags=["baseline", "arm:x"], description="first try", **quiet) as exp:
    exp.log_params({"lr": 0.1, "epochs": 3, "optimizer": "sgd"})
    # Every key appears in the first row: expman fixes the file's columns when it first flushes.
    exp.log_vector({"loss": math.nan, "acc": 0.0, "grad": math.inf}, step=0)
    for step in range(1, 120):
        exp.log_vector({"loss": 1.0 / (step + 1), "acc": step / 119, "grad": -math.inf if step == 7 else step * 0.5},
                       step=step)
    for step in range(0, 120, 10):
        exp.log_vector({"loss": 10.0 + step}, step=step + 1000)  # a sparse tail: only loss has values
    print("epoch 1 done")
    print("warning: slow", file=sys.stderr)
    exp.log_scalar("best_acc", 0.975)
    exp.log_scalar("epochs_run", 3)
    exp.info("checkpoint saved")
    exp.save_artifact(str(files / "ckpt"))
    exp.save_artifact(str(files / "notes.txt"))
    exp.log_image("sample", b"\x89PNG\r\n\x1a\nnot-really", step=3)
    exp.log_histogram("weights", [1.0, 2.0, 3.0], step=0)

failed = Experiment("mnist", run_name="lr-1.0", **quiet)
failed.log_params({"lr": 1.0})
failed.log_vector({"loss": 5.0}, step=0)
failed.close(status="failed", reason="loss diverged")

with Experiment("cifar", run_name="wide", **quiet) as exp:
    exp.log_vector({"val/acc": 0.25}, step=3)

out = {}
for experiment in ("mnist", "cifar"):
    for run in sorted(os.listdir(Path(base, experiment))):
        run_dir = str(Path(base, experiment, run))
        if not os.path.isdir(run_dir):
            continue
        out[f"{experiment}/{run}"] = {"run": expman.load_run(run_dir), "config": expman.load_config(run_dir),
                                      "metrics": expman.read_metrics(run_dir)}
print(json.dumps(out, default=str))
