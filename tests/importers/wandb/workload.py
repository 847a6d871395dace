"""Run in a virtualenv holding the real wandb client: `python workload.py ROOT EXPECTED.json [fail|interrupt]`.

Without `fail`: one offline run with every kind of data the importer maps (300 history rows
with NaN and infinities, a slash key, a nested metric, a sparse key at an explicit step, config
set at init and updated later incl. one value larger than two 32 KiB blocks, a summary value,
tags, notes, console output on both streams incl. a carriage-return progress line, an HTML
media file, a saved file).
With `fail`: a run that dies with an exception (exit code 1); with `interrupt`: one stopped by
Ctrl-C (KeyboardInterrupt: exit code 255).

Then every run log under ROOT is decoded with wandb's own protobuf classes (only the framing
is read here) and written to EXPECTED.json: what the importer must deliver.
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
from pathlib import Path

os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_CONSOLE="wrap")

import wandb
from google.protobuf.json_format import MessageToDict
from wandb.proto import wandb_internal_pb2 as pb

STEPS = 300


def loss(step: int) -> float:
    return float("nan") if step == 2 else float("inf") if step == 5 else 1.0 / (step + 1)


def train(root: str) -> None:
    run = wandb.init(project="vision", name="resnet-a", dir=root, tags=["baseline", "cpu"],
                     notes="first try\nsecond line",
                     config={"lr": 0.01, "model": {"depth": 18, "act": "relu"}, "aug": [1, 2], "blob": "x" * 70000})
    for step in range(STEPS):
        run.log({"loss": loss(step), "acc": step / STEPS, "val/loss": 2 * loss(step), "opt": {"lr": 0.01 * 0.99 ** step},
                 "edge": -math.inf if step == 7 else step})
        if step % 100 == 0:
            print(f"epoch {step} done")
    sys.stdout.write("progress 10%\rprogress 100%\n")
    print("to stderr", file=sys.stderr)
    run.config.update({"extra": "yes"})
    run.summary["best_loss"] = 0.25
    run.log({"sparse": 3}, step=400)
    run.log({"page": wandb.Html("<b>hi</b>")}, step=401)
    Path(run.dir, "notes.txt").write_text("kept file\n")
    run.save(str(Path(run.dir, "notes.txt")), base_path=run.dir)
    run.finish()


def fail(root: str) -> None:
    run = wandb.init(project="vision", name="diverged", dir=root, config={"lr": 10})
    run.log({"loss": 2.0})
    print("about to fail")
    raise RuntimeError("loss diverged")


def interrupt(root: str) -> None:
    run = wandb.init(project="vision", name="interrupted", dir=root)
    run.log({"loss": 3.0})
    raise KeyboardInterrupt


def records(path: Path) -> list[pb.Record]:
    """Framing only (7-byte header, 32 KiB blocks of crc/length/type chunks); protobuf does the rest."""
    data, offset, parts, found = path.read_bytes(), 7, b"", []
    while offset + 7 <= len(data):
        if 32768 - offset % 32768 < 7:
            offset += 32768 - offset % 32768
            continue
        _, length, kind = struct.unpack_from("<IHB", data, offset)
        if length == 0 and kind == 0:
            break
        parts += data[offset + 7:offset + 7 + length]
        offset += 7 + length
        if kind in (1, 4):
            record = pb.Record()
            record.ParseFromString(parts)
            found.append(record)
            parts = b""
    return found


def item_path(item: pb.HistoryItem) -> str:
    return ".".join(item.nested_key) if item.nested_key else item.key


def describe(folder: Path) -> dict[str, object]:
    log = next(folder.glob("run-*.wandb"))
    out: dict[str, object] = {"rows": [], "stats": [], "output": [], "config": [], "exit": None,
                              "size": log.stat().st_size}
    for record in records(log):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            out["run"] = MessageToDict(record.run, preserving_proto_field_name=True)
            out["start_time"] = record.run.start_time.seconds + record.run.start_time.nanos / 1e9
        elif kind == "history":
            out["rows"].append({item_path(item): item.value_json for item in record.history.item})
        elif kind == "stats":
            stamp = record.stats.timestamp.seconds + record.stats.timestamp.nanos / 1e9
            out["stats"].append([stamp, {item.key: item.value_json for item in record.stats.item}])
        elif kind == "output_raw":
            stamp = record.output_raw.timestamp.seconds + record.output_raw.timestamp.nanos / 1e9
            out["output"].append([record.output_raw.output_type, stamp, record.output_raw.line])
        elif kind == "config":
            out["config"].append({item.key: item.value_json for item in record.config.update})
        elif kind == "exit":
            out["exit"] = [record.exit.exit_code, record.exit.runtime]
    return out


if __name__ == "__main__":
    root, expected = sys.argv[1], sys.argv[2]
    if sys.argv[3:] == ["fail"]:
        fail(root)  # the exception ends the process: wandb records exit code 1
    if sys.argv[3:] == ["interrupt"]:
        interrupt(root)
    train(root)
    runs = {folder.name: describe(folder) for folder in sorted(Path(root, "wandb").glob("offline-run-*"))}
    Path(expected).write_text(json.dumps(runs))
