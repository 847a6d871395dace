"""Run with the real wandb package: `python legacy_records.py OUT.json`. Writes serialized
`Record` messages (hex) shaped as wandb's Python writer (before wandb-core, 0.17 and older) wrote
them: history items under `key` (not `nested_key`) and console text in `output` records (not
`output_raw`); built with wandb's own protobuf classes."""

from __future__ import annotations

import json
import sys

from wandb.proto import wandb_internal_pb2 as pb


def record(**payload: object) -> str:
    message = pb.Record(**payload)
    return message.SerializeToString().hex()


def history(step: int, stamp: float, loss: str) -> str:
    items = [pb.HistoryItem(key=key, value_json=value) for key, value in
             (("_step", str(step)), ("_timestamp", repr(stamp)), ("_runtime", repr(stamp - 1700000000.5)),
              ("loss", loss), ("name", '"text"'))]
    return record(history=pb.HistoryRecord(item=items))


def output(stream: int, seconds: int, line: str) -> str:
    return record(output=pb.OutputRecord(output_type=stream, timestamp={"seconds": seconds}, line=line))


run = pb.RunRecord(run_id="old1", project="legacy", display_name="old-run", tags=["a", "b"], notes="n",
                   start_time={"seconds": 1700000000, "nanos": 500000000},
                   config=pb.ConfigRecord(update=[pb.ConfigItem(key="lr", value_json="0.1"),
                                                  pb.ConfigItem(key="_wandb", value_json="{}")]))
records = [
    record(run=run),
    history(0, 1700000001.25, "0.5"),
    output(pb.OutputRecord.STDOUT, 1700000002, "hello\n"),
    history(1, 1700000002.5, "NaN"),
    output(pb.OutputRecord.STDERR, 1700000003, "warn"),
    output(pb.OutputRecord.STDERR, 1700000004, " more\nlast"),
    history(2, 1700000003.75, "-Infinity"),
    record(config=pb.ConfigRecord(remove=[pb.ConfigItem(key="lr")],
                                  update=[pb.ConfigItem(nested_key=["opt", "beta"], value_json="0.9")])),
    record(summary=pb.SummaryRecord(update=[pb.SummaryItem(key="best", value_json="0.25")])),
    record(exit=pb.RunExitRecord(exit_code=2, runtime=5)),
]
with open(sys.argv[1], "w") as out:
    json.dump(records, out)
