"""Logs runs with the real Aspara SDK into the data dir argv[1] (run by the aspara side venv).

Writes argv[2]: what was logged with explicit timestamps, for the test to compare against.
The storage backend comes from ASPARA_STORAGE_BACKEND (jsonl or polars).
"""

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aspara

data, expected_out = Path(sys.argv[1]), Path(sys.argv[2])
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
expected = {"points": {}}

run = aspara.init(project="vision", name="resnet-a", dir=str(data), tags=["base", "gpu"], notes="first try",
                  config={"lr": 0.1, "optimizer": {"name": "adam", "betas": [0.9, 0.999]}, "layers": [64, 32]})
points = expected["points"]
for step in range(120):
    stamp = T0 + timedelta(milliseconds=250 * step)
    values = {"train/loss": 1.0 / (step + 1), "train/acc": step / 120}
    if step == 7:
        values["train/loss"] = float("nan")
    if step == 8:
        values["train/acc"] = float("inf")
    if step == 9:
        values["train/acc"] = float("-inf")
    run.log(values, step=step, timestamp=stamp.isoformat())
    for key, value in values.items():
        points.setdefault(key, {})[str(step)] = [repr(value), round(stamp.timestamp() * 1000)]
for step in (0, 50, 100):  # a sparser key on some steps
    stamp = T0 + timedelta(milliseconds=250 * step + 1)
    run.log({"val/loss": 0.5 + step}, step=step, timestamp=stamp.isoformat())
    points.setdefault("val/loss", {})[str(step)] = [repr(0.5 + step), round(stamp.timestamp() * 1000)]
run.summary["best_acc"] = 0.99
weights = data.parent / "weights.bin"
weights.write_bytes(bytes(range(256)) * 40)
run.log_artifact(str(weights), category="model")
run.finish()

failed = aspara.init(project="vision", name="diverged", dir=str(data), config={"lr": 10})
for loss in (2.0, 4.0, 8.0):
    failed.log({"loss": loss})  # steps counted by Aspara, times its clock
failed.finish(exit_code=1)

audio = aspara.init(project="audio", name="wav2vec", dir=str(data))
audio.log({"wer": 0.3}, step=3)
audio.finish()

unfinished = aspara.init(project="audio", name="killed", dir=str(data))
unfinished.log({"wer": 0.9}, step=0)
# no finish(): the process ends as a killed one would, the run stays "wip"

expected_out.write_text(json.dumps(expected))
