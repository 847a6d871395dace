"""The few fields of W&B's `Record` protobuf messages (wandb/proto/wandb_internal.proto) that the
importer maps, decoded from the wire format without the wandb or protobuf packages.

Field numbers as in wandb 0.31's wandb_internal.proto (unchanged since the record log began):
Record: history 2, summary 3, output 4, config 5, stats 7, output_raw 13, run 17, exit 18,
environment 26. Values arrive as JSON text (`value_json`) under a key or a nested key path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from runyard.errors import InvalidInputError
from runyard.importers.tensorboard.protowire import (
    LENGTH,
    VARINT,
    Field,
    as_bytes,
    as_int64,
    fields,
)

HISTORY, SUMMARY, OUTPUT, CONFIG, STATS, OUTPUT_RAW, RUN, EXIT, ENVIRONMENT = 2, 3, 4, 5, 7, 13, 17, 18, 26
STDERR, STDOUT = 0, 1  # OutputRecord.OutputType

KeyPath = tuple[str, ...]


def record_kind(record: bytes) -> tuple[int, bytes] | None:
    """(field number, message) of the record's payload (the oneof `record_type`), None for others."""
    for number, wire_type, value in fields(record):
        if wire_type == LENGTH and number in (HISTORY, SUMMARY, OUTPUT, CONFIG, STATS, OUTPUT_RAW, RUN,
                                               EXIT, ENVIRONMENT):
            return number, as_bytes(value)
    return None


def _text(value: int | bytes) -> str:
    return as_bytes(value).decode("utf-8", errors="replace")


def _json(text: str) -> Any:
    try:
        return json.loads(text)  # W&B writes NaN, Infinity and -Infinity as bare words, as json reads them
    except ValueError as exc:
        raise InvalidInputError(f"value is not JSON: {text[:80]!r}") from exc


def items(message: bytes, item_field: int) -> Iterator[tuple[KeyPath, Any]]:
    """(key path, value) of each HistoryItem/ConfigItem/SummaryItem/StatsItem under `item_field`."""
    for number, wire_type, value in fields(message):
        if number != item_field or wire_type != LENGTH:
            continue
        key, nested, value_json = "", [], "null"
        for inner, _, raw in fields(as_bytes(value)):
            if inner == 1:
                key = _text(raw)
            elif inner == 2:
                nested.append(_text(raw))
            elif inner == 16:
                value_json = _text(raw)
        yield (tuple(nested) if nested else (key,)), _json(value_json)


def timestamp(message: bytes) -> float:
    """A google.protobuf.Timestamp in epoch seconds."""
    seconds, nanos = 0, 0
    for number, _, value in fields(message):
        if number == 1:
            seconds = as_int64(value)
        elif number == 2:
            nanos = as_int64(value)
    return seconds + nanos / 1e9


def first(message: bytes, number: int) -> Field | None:
    """The field `number` of `message` (its last occurrence, as protobuf merges), None when absent."""
    found = None
    for item in fields(message):
        if item[0] == number:
            found = item
    return found


@dataclass(slots=True)
class RunInfo:
    """The RunRecord: who and when (config and summary updates in it are applied by the caller)."""

    run_id: str = ""
    entity: str = ""
    project: str = ""
    group: str = ""
    job_type: str = ""
    name: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    sweep_id: str = ""
    host: str = ""
    start_time: float | None = None
    config: bytes = b""
    summary: bytes = b""


_RUN_TEXT = {1: "run_id", 2: "entity", 3: "project", 6: "group", 7: "job_type", 8: "name", 9: "notes",
             12: "sweep_id", 13: "host"}


def run_info(message: bytes) -> RunInfo:
    """Decode a RunRecord."""
    info = RunInfo()
    for number, wire_type, value in fields(message):
        if number in _RUN_TEXT and wire_type == LENGTH:
            setattr(info, _RUN_TEXT[number], _text(value))
        elif number == 10 and wire_type == LENGTH:
            info.tags.append(_text(value))
        elif number == 17 and wire_type == LENGTH:
            info.start_time = timestamp(as_bytes(value))
        elif number == 4 and wire_type == LENGTH:
            info.config = as_bytes(value)
        elif number == 5 and wire_type == LENGTH:
            info.summary = as_bytes(value)
    return info


def history_step(message: bytes) -> int:
    """The HistoryRecord's `step.num` (wandb writes `_step` as an item too; this is the fallback)."""
    step = first(message, 2)
    if step is None:
        return 0
    number = first(as_bytes(step[2]), 1)
    return as_int64(number[2]) if number is not None else 0


def exit_info(message: bytes) -> tuple[int, int]:
    """(exit code, runtime in whole seconds) of a RunExitRecord (proto3: absent means 0)."""
    code = first(message, 1)
    runtime = first(message, 2)
    return (as_int64(code[2]) if code else 0), (as_int64(runtime[2]) if runtime else 0)


def output_chunk(message: bytes) -> tuple[int, float | None, str]:
    """(stream, wall time, text) of an OutputRecord or OutputRawRecord."""
    stream, when, text = STDERR, None, ""
    for number, _, value in fields(message):
        if number == 1:
            stream = as_int64(value)
        elif number == 2:
            when = timestamp(as_bytes(value))
        elif number == 3:
            text = _text(value)
    return stream, when, text


_ENVIRONMENT_TEXT = {1: "platform", 2: "python", 6: "program", 12: "hostname", 14: "python_executable",
                     15: "colab", 18: "gpu_type"}


def environment(message: bytes) -> dict[str, Any]:
    """The machine facts of an EnvironmentRecord, under runyard's system-info names where it has one."""
    found: dict[str, Any] = {}
    for number, wire_type, value in fields(message):
        if number in _ENVIRONMENT_TEXT and wire_type == LENGTH:
            found[_ENVIRONMENT_TEXT[number]] = _text(value)
        elif number == 5 and wire_type == LENGTH:
            found.setdefault("args", []).append(_text(value))
        elif number in (16, 17, 19) and wire_type == VARINT:
            found[{16: "cpu_count", 17: "cpu_count_logical", 19: "gpu_count"}[number]] = as_int64(value)
        elif number == 9 and wire_type == LENGTH:
            git = {({1: "remote", 2: "commit"}[inner]): _text(raw)
                   for inner, _, raw in fields(as_bytes(value)) if inner in (1, 2)}
            if git:
                found["git"] = git
    return found
