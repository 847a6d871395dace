"""Runs in the tensorboardX side venv: writes a TensorBoard log directory with the real writer and
prints, as JSON, every scalar it wrote (run -> tag -> [step, value, wall time, float32?])."""

import json
import math
import random
import sys

import numpy as np
from tensorboardX import SummaryWriter
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto

logdir, base = sys.argv[1], float(sys.argv[2])
written: dict = {}


def scalar(writer, run, tag, step, value, wall):
    writer.add_scalar(tag, value, step, walltime=wall)
    written.setdefault(run, {}).setdefault(tag, {})[step] = [step, value, wall, True]


def double_scalar(writer, run, tag, step, value, wall, first):
    # TF2's encoding: a float64 tensor of the "scalars" plugin (metadata with a tag's first value only).
    item = Summary.Value(tag=tag, tensor=TensorProto(dtype=2, double_val=[value]))
    if first:
        item.metadata.CopyFrom(SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars")))
    writer._get_file_writer().add_summary(Summary(value=[item]), step, wall)
    written.setdefault(run, {}).setdefault(tag, {})[step] = [step, value, wall, False]


rng = random.Random(7)
train = SummaryWriter(f"{logdir}/train", filename_suffix=".a")
for step in range(300):
    scalar(train, "train", "loss", step, rng.uniform(-5, 5), base + step * 0.25)
    if step % 10 == 0:
        scalar(train, "train", "lr/group0", step * 1000, 10.0 ** -rng.randint(1, 9), base + step * 0.25 + 0.125)
for step, special in enumerate([math.nan, math.inf, -math.inf, 0.0, -0.0, 3.4e38]):
    scalar(train, "train", "special", step, special, base + 100 + step)
for step in range(3):
    double_scalar(train, "train", "val/exact", step, 0.1 + step / 3, base + 200 + step, step == 0)
# add_hparams writes the hparams plugin's records and its metrics into a run folder of its own.
train.add_hparams({"lr": 0.01, "optimizer": "adam", "batch": 32, "nesterov": True}, {"hp/acc": 0.75}, name="hp")
train.add_histogram("weights", np.arange(20.0), 0)
train.add_text("notes", "hello", 0)
train.close()

# A restarted run: a second event file rewrites steps 5-9; the later file's values stand.
for suffix, steps in ((".a", range(10)), (".b", range(5, 15))):
    writer = SummaryWriter(f"{logdir}/eval/seed-1", filename_suffix=suffix)
    for step in steps:
        scalar(writer, "eval/seed-1", "acc", step, step / 7 + (1 if suffix == ".b" else 0), base + 300 + step)
    writer.close()

root = SummaryWriter(logdir, filename_suffix=".root")
scalar(root, ".", "x", 2, 1.5, base + 400)
root.add_scalar("x", 9.0, -3, walltime=base + 399)  # runyard has no negative steps: dropped
root.close()

print(json.dumps({run: {tag: sorted(points.values()) for tag, points in tags.items()}
                  for run, tags in written.items()}))
