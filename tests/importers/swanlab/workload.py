"""Logs runs with the real SwanLab 0.10.3 SDK in local mode (the mode `swanlab watch` reads)
into the swanlog folder argv[1]; argv[2] picks the scenario (run by the swanlab side venv).

"resnet": a finished run (config, description, console output, scalars with NaN and
infinities, a step logged again, a sparse key, text and image media); "diverged": a run whose
script raises; "second": another run in the same folder under a name already taken; "audio": a
run that names another project (SwanLab keeps one project per folder). Writes what
was logged to argv[3] (JSON) for the test to compare against; "dump" writes there what
SwanLab's dashboard database holds (experiments and their keys).
"""

import json
import sys
from pathlib import Path

import swanlab

logdir, scenario, expected_out = sys.argv[1], sys.argv[2], sys.argv[3]
expected = {"points": {}}


def log(values, step):
    swanlab.log(values, step=step)
    for key, value in values.items():
        expected["points"].setdefault(key, {})[str(step)] = repr(float(value))


if scenario == "resnet":
    swanlab.init(project="vision", experiment_name="resnet-a", description="first try", mode="local",
                 logdir=logdir, config={"lr": 0.1, "optimizer": {"name": "adam", "betas": [0.9, 0.999]},
                                        "layers": [64, 32]})
    print("epoch 0 starting")
    print("a warning on stderr", file=sys.stderr)
    for step in range(120):
        values = {"train/loss": 1.0 / (step + 1), "train/acc": step / 120}
        if step == 7:
            values["train/loss"] = float("nan")
        if step == 8:
            values["train/acc"] = float("inf")
        if step == 9:
            values["train/acc"] = float("-inf")
        log(values, step)
    log({"train/loss": 42.0}, 5)  # logged again at step 5: SwanLab keeps the last value
    for step in (0, 50, 100):
        log({"val/loss": 0.5 + step}, step)
    swanlab.log({"notes": swanlab.Text("a sample prediction")}, step=3)
    try:
        from PIL import Image

        swanlab.log({"sample": swanlab.Image(Image.new("RGB", (8, 8), (255, 0, 0)))}, step=4)
    except ImportError:
        pass
    print("done")
    swanlab.finish()
elif scenario == "diverged":
    swanlab.init(project="vision", experiment_name="diverged", mode="local", logdir=logdir, config={"lr": 10})
    log({"loss": 2.0}, 0)
    log({"loss": 4.0}, 1)
    Path(expected_out).write_text(json.dumps(expected))
    raise RuntimeError("loss diverged")
elif scenario == "audio":
    swanlab.init(project="audio", experiment_name="wav2vec", mode="local", logdir=logdir)
    log({"wer": 0.5}, 0)
    swanlab.finish()
elif scenario == "dump":
    import sqlite3

    db = sqlite3.connect(f"{logdir}/runs.swanlab")
    db.row_factory = sqlite3.Row
    expected = {"experiments": [dict(row) for row in db.execute("SELECT * FROM experiment ORDER BY id")],
                "tags": [dict(row) for row in db.execute("SELECT * FROM tag ORDER BY id")]}
else:
    swanlab.init(project="vision", experiment_name="resnet-a", mode="local", logdir=logdir)  # the same name again
    log({"train/loss": 0.25}, 0)
    swanlab.finish()
Path(expected_out).write_text(json.dumps(expected))
