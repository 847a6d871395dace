"""Read W&B run folders (`wandb/offline-run-<time>-<id>`, also synced `run-*` folders) as runs.

Everything comes from the run log `run-<id>.wandb` (wandb 0.31 writes no config.yaml or
wandb-summary.json in offline mode): the run record (project, name, tags, notes, group, start
time), config and summary updates, every history row (`_step` -> step, `_timestamp` -> wall time, each
number -> its series, `_runtime` kept as a series), system stats (-> `system/...` series), the
console (-> logs) and the exit record (-> status). The regular files under `files/` (media, saved
files, requirements.txt, output.log) are copied as artifacts; links there (`wandb.save` of a file
outside the run folder makes one) are not followed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.points import PointCollector
from runyard.importers.records import ImportedRun
from runyard.importers.source_files import regular_files
from runyard.importers.wandb import messages as msg
from runyard.importers.wandb.datastore import read_records
from runyard.store.models import SYSTEM_METRIC_PREFIX, MetricColumns
from runyard.store.units import LogEntry

RUN_FOLDER_PREFIXES = ("offline-run-", "run-")
DEFAULT_PROJECT = "uncategorized"  # W&B's project for a run started without one
CTRL_C_EXIT_CODE = 255
STREAMS = {msg.STDOUT: "stdout", msg.STDERR: "stderr"}


def run_folders(source: Path) -> list[Path]:
    """The run folders at `source`: one run folder, a `wandb/` folder, or the folder holding `wandb/`."""
    if not source.exists():
        raise NotFoundError(f"{source}: no such file or folder")
    if _run_log(source) is not None:
        return [source]
    parent = source / "wandb" if (source / "wandb").is_dir() else source
    found = [folder for folder in sorted(parent.iterdir())
             if folder.name.startswith(RUN_FOLDER_PREFIXES) and not folder.is_symlink()
             and _run_log(folder) is not None] if parent.is_dir() else []
    if not found:
        raise InvalidInputError(f"{source}: not a W&B run folder (no run-<id>.wandb in it) nor a wandb/ "
                                "folder holding offline-run-* folders")
    return found


def _run_log(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    logs = [file for file in sorted(folder.glob("run-*.wandb")) if file.is_file() and not file.is_symlink()]
    return logs[0] if logs else None


def read_runs(source: Path) -> list[ImportedRun]:
    """Every run at `source` (see `run_folders`)."""
    return [read_run(folder) for folder in run_folders(source)]


def read_run(folder: Path) -> ImportedRun:
    """One run folder; its series and logs are read again when the writer asks for them."""
    log = _run_log(folder)
    if log is None:
        raise InvalidInputError(f"{folder}: no run-<id>.wandb run log in it")
    info = msg.RunInfo()
    config: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    system: dict[str, Any] = {}
    exit_code: int | None = None
    runtime = 0
    last_time = -math.inf
    last_row = b""
    for kind, body in _payloads(log):
        if kind == msg.RUN:
            info = _merge_run(info, msg.run_info(body))
            _apply(config, info.config)
            _apply(summary, info.summary)
        elif kind == msg.CONFIG:
            _apply(config, body)
        elif kind == msg.SUMMARY:
            _apply(summary, body)
        elif kind == msg.EXIT:
            exit_code, runtime = msg.exit_info(body)
        elif kind == msg.ENVIRONMENT:
            system.update(msg.environment(body))
        elif kind == msg.HISTORY:
            last_row = body  # rows are written in time order: only the last one's time counts
        elif kind in (msg.OUTPUT, msg.OUTPUT_RAW, msg.STATS):
            last_time = max(last_time, _when(kind, body))
    last_time = max(last_time, _when(msg.HISTORY, last_row))
    config.pop("_wandb", None)  # wandb's own bookkeeping, not the user's config
    # W&B's summary: each key's last logged value unless the script set another; `_step`,
    # `_runtime`, `_timestamp` and `_wandb` are W&B's own.
    summary = {key: value for key, value in summary.items() if not key.startswith("_")}
    start = info.start_time
    wandb_ids = {"run_id": info.run_id, "entity": info.entity, "group": info.group, "job_type": info.job_type,
                 "sweep_id": info.sweep_id}
    system["wandb"] = {key: value for key, value in wandb_ids.items() if value}
    ends = [time for time in (last_time, (start + runtime) if start is not None else None)
            if time is not None and math.isfinite(time)]
    return ImportedRun(
        source_id=folder.name, project=info.project or DEFAULT_PROJECT,
        name=info.name or info.run_id or folder.name,
        status=_status(exit_code),
        start_time=start, end_time=max(ends) if ends else None, config=config, tags=tuple(info.tags),
        notes=info.notes, system=system, summary=summary, series=partial(_series, log, start or 0.0),
        logs=partial(_logs, log, start or 0.0), artifacts=tuple(regular_files(folder / "files")),
    )


def _status(exit_code: int | None) -> str:
    """The status an exit record says; none at all: the process died first (or is still running)."""
    if exit_code is None:
        return "crashed"
    # wandb's exit hook records 255 for a KeyboardInterrupt (Ctrl-C), which runyard's SDK calls killed.
    return {0: "finished", CTRL_C_EXIT_CODE: "killed"}.get(exit_code, "failed")


def _payloads(log: Path) -> Iterator[tuple[int, bytes]]:
    for index, record in enumerate(read_records(log)):
        try:
            found = msg.record_kind(record)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{log}: record {index}: {exc}") from exc
        if found is not None:
            yield found


def _merge_run(held: msg.RunInfo, update: msg.RunInfo) -> msg.RunInfo:
    """A later run record (a rename, new tags) overrides what it sets."""
    for item in dataclasses.fields(held):
        value = getattr(update, item.name)
        if value not in ("", None, [], b""):
            setattr(held, item.name, value)
    return held


def _apply(target: dict[str, Any], record: bytes) -> None:
    """A ConfigRecord's or SummaryRecord's updates (field 1) and removals (field 2), at their key paths."""
    for path, value in msg.items(record, 1):
        _set(target, path, value)
    for path, _ in msg.items(record, 2):
        node: Any = target
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)


def _when(kind: int, body: bytes) -> float:
    if kind == msg.HISTORY:
        stamp = dict(msg.items(body, 1)).get(("_timestamp",))
        return float(stamp) if isinstance(stamp, (int, float)) else -math.inf
    found = msg.first(body, 2)  # OutputRecord/StatsRecord timestamp
    return msg.timestamp(found[2]) if found is not None and isinstance(found[2], bytes) else -math.inf


def _numbers(path: tuple[str, ...], value: Any) -> Iterator[tuple[str, float]]:
    """The numbers of one history item; nested dicts become `a.b`, media and tables (`_type`) are left out."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, list)):
        return
    if isinstance(value, dict):
        if "_type" not in value:
            for key, inner in value.items():
                yield from _numbers((*path, str(key)), inner)
        return
    try:
        yield ".".join(path), float(value)
    except OverflowError:  # an int beyond float range has no float value to store
        return


def _series(log: Path, start: float) -> Iterator[tuple[str, MetricColumns]]:
    points = PointCollector()
    system_step = -1
    for kind, body in _payloads(log):
        if kind == msg.HISTORY:
            row: dict[tuple[str, ...], Any] = dict(msg.items(body, 1))
            step_value = row.pop(("_step",), None)
            if not isinstance(step_value, int) or isinstance(step_value, bool):
                step_value = msg.history_step(body)
            stamp = row.pop(("_timestamp",), None)
            when = float(stamp) if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) else start
            nested: dict[str, Any] = {}
            for path, value in row.items():
                _set(nested, path, value)
            for name, value in _numbers((), nested):
                points.add(name, int(step_value), value, when)
        elif kind == msg.STATS:
            when = _when(kind, body)
            system_step = max(system_step + 1, int(when - start)) if math.isfinite(when) else system_step + 1
            for (key, *rest), value in msg.items(body, 3):
                for name, number in _numbers((SYSTEM_METRIC_PREFIX + ".".join((key, *rest)),), value):
                    points.add(name, system_step, number, when)
    yield from points.series()


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = target
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value


def _overwrite(line: str) -> str:
    """A line as a terminal shows it: text after a carriage return overwrites from the line's start."""
    shown = ""
    for part in line.split("\r"):
        shown = part + shown[len(part):]
    return shown


def _logs(log: Path, start: float) -> Iterator[LogEntry]:
    kinds = {kind for kind, _ in _payloads(log) if kind in (msg.OUTPUT, msg.OUTPUT_RAW)}
    wanted = msg.OUTPUT_RAW if msg.OUTPUT_RAW in kinds else msg.OUTPUT  # newer wandb writes both: raw is exact
    pending: dict[int, tuple[float, str]] = {}
    last = start
    for kind, body in _payloads(log):
        if kind != wanted:
            continue
        stream, when, text = msg.output_chunk(body)
        last = when if when is not None else last
        began, held = pending.pop(stream, (last, ""))
        *complete, rest = (held + text).split("\n")
        for line in complete:
            yield began, STREAMS.get(stream, "stderr"), _overwrite(line)
            began = last
        if rest:
            pending[stream] = (began, rest)
    for stream, (began, rest) in sorted(pending.items()):
        yield began, STREAMS.get(stream, "stderr"), _overwrite(rest)


