"""Read an Aspara 0.1.0 data dir (`aspara.init(dir=...)`, default ~/.local/share/aspara) as runs.

Aspara's layout, per project folder `<data dir>/<project>/`:
- `<run>.meta.json`: run_id, tags, notes, params, config, artifacts, summary, status
  ("wip", "completed", "failed", "maybe_failed"), start_time/finish_time (epoch ms);
- metrics, JSONL backend (the default): `<run>.jsonl`, one `{"timestamp": ms, "step": n,
  "metrics": {key: number}}` per line (Python's json, so NaN/Infinity appear as bare words);
- metrics, polars backend: the same lines in `<run>.wal.jsonl` until archived, then long rows
  (timestamp, step, metric_name, metric_value) in `<run>_archive/date=*/*.parquet`, whose
  timestamps Aspara wrote as naive local datetimes (read back in this process's time zone);
- artifacts: files under `<run>/artifacts/`.
A project's `metadata.json` (project notes/tags) has no runyard counterpart and is not read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.points import (
    RECORD_ERRORS,
    PointCollector,
    as_step,
    bad_line,
    json_lines,
    number,
)
from runyard.importers.records import ImportedRun
from runyard.importers.source_files import regular_files
from runyard.store.models import MetricColumns

META_SUFFIX = ".meta.json"
WAL_SUFFIX = ".wal.jsonl"
# Aspara's statuses; "maybe_failed" is its word for a run that stopped without finish().
STATUSES = {"wip": "running", "completed": "finished", "failed": "failed", "maybe_failed": "crashed"}

LINE = "an Aspara metrics line"


def read_data_dir(root: Path) -> list[ImportedRun]:
    """Every run under an Aspara data dir, projects and runs in name order."""
    if not root.is_dir():
        raise NotFoundError(f"{root}: no such folder (expected an Aspara data dir)")
    runs = [_read_run(folder, name) for folder in sorted(root.iterdir())
            if folder.is_dir() and not folder.is_symlink() for name in _run_names(folder)]
    if not runs:
        raise InvalidInputError(f"{root}: not an Aspara data dir (no <project>/<run>.meta.json or "
                                "<run>.jsonl files in it)")
    return runs


def _run_names(project: Path) -> list[str]:
    names: set[str] = set()
    for file in project.iterdir():
        if not file.is_file() or file.is_symlink():
            continue
        for suffix in (META_SUFFIX, WAL_SUFFIX, ".jsonl"):
            if file.name.endswith(suffix) and len(file.name) > len(suffix):
                names.add(file.name[: -len(suffix)])
                break
    return sorted(names)


def _read_run(project: Path, name: str) -> ImportedRun:
    meta_path = project / f"{name}{META_SUFFIX}"
    meta = _read_meta(meta_path)
    status = _field(meta_path, meta, "status", str, "wip")
    if status not in STATUSES:
        raise InvalidInputError(f"{meta_path}: unknown status {status!r}")
    tags = _field(meta_path, meta, "tags", list, [])
    if not all(isinstance(tag, str) for tag in tags):
        raise InvalidInputError(f"{meta_path}: 'tags' is not a list of strings")
    run_id = _field(meta_path, meta, "run_id", str, "")
    return ImportedRun(
        # Aspara's run id (random, per run) finds the run again wherever the data dir moved; a
        # run without metadata yet is known by its files' place.
        source_id=run_id or str(project.resolve() / name),
        project=project.name,
        name=name,
        status=STATUSES[status],
        start_time=_ms_to_seconds(meta_path, meta, "start_time"),
        end_time=_ms_to_seconds(meta_path, meta, "finish_time"),
        config=_field(meta_path, meta, "config", dict, {}),
        params=_field(meta_path, meta, "params", dict, {}),
        tags=tuple(tags),
        notes=_field(meta_path, meta, "notes", str, ""),
        summary=_field(meta_path, meta, "summary", dict, {}),
        series=partial(_read_series, project, name),
        artifacts=tuple(regular_files(project / name / "artifacts")),
    )


def _read_meta(path: Path) -> dict[str, Any]:
    """A run's metadata; a run with metrics but no metadata file yet reads as empty (Aspara's default)."""
    if not path.is_file() or path.is_symlink():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{path}: not readable Aspara run metadata ({exc})") from exc
    if not isinstance(meta, dict):
        raise InvalidInputError(f"{path}: not readable Aspara run metadata (not a JSON object)")
    return meta


def _field(path: Path, meta: dict[str, Any], key: str, kind: type[Any], default: Any) -> Any:
    """meta[key] when it has the type Aspara writes there; missing or null: `default`."""
    value = meta.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise InvalidInputError(f"{path}: {key!r} is not {'an object' if kind is dict else f'a {kind.__name__}'}")
    return value


def _ms_to_seconds(path: Path, meta: dict[str, Any], key: str) -> float | None:
    value = meta.get(key)
    if value is None:
        return None
    try:
        return _wall_time(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: {key!r} is not a time ({exc})") from exc


def _read_series(project: Path, name: str) -> Iterator[tuple[str, MetricColumns]]:
    points = PointCollector()
    for key, step, value, wall in _archived_points(project / f"{name}_archive"):
        points.add(key, step, value, wall)
    for path in (project / f"{name}{WAL_SUFFIX}", project / f"{name}.jsonl"):
        for line, record in json_lines(path, LINE):
            try:
                wall, step = _wall_time(record["timestamp"]), as_step(record["step"])
                for key, value in record["metrics"].items():
                    points.add(str(key), step, number(value), wall)  # a step logged again: the last value
            except RECORD_ERRORS as exc:
                raise bad_line(path, line, LINE, exc) from exc
    return points.series()


def _wall_time(value: Any) -> float:
    """Aspara's timestamps: epoch milliseconds, or an ISO 8601 string (what its readers also accept)."""
    if isinstance(value, str):
        stamp = datetime.fromisoformat(value.strip())
        # Aspara reads a string without an offset as UTC (aspara.utils.timestamp).
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"timestamp {value!r} is not epoch milliseconds")
    return float(value) / 1000.0


def _archived_points(folder: Path) -> Iterator[tuple[str, int, float, float]]:
    """The polars backend's Parquet archive (long rows), oldest first as Aspara wrote them."""
    if not folder.is_dir() or folder.is_symlink():
        return
    files = sorted(file for file in folder.glob("*/*.parquet") if file.is_file() and not file.is_symlink())
    if not files:
        return
    import polars as pl

    for file in files:
        try:
            frame = pl.read_parquet(file, columns=["timestamp", "step", "metric_name", "metric_value"])
        except Exception as exc:  # polars raises several kinds for a damaged or foreign file
            raise InvalidInputError(f"{file}: not an Aspara metrics archive ({exc})") from exc
        # Aspara wrote datetime.fromtimestamp(ms / 1000): naive local time, so read it back as local.
        # Its source times are whole milliseconds: rounding to them undoes the float round trip.
        walls = [round(stamp.timestamp() * 1000) / 1000 for stamp in frame["timestamp"].to_list()]
        for stamp, step, key, value in zip(walls, frame["step"].to_list(), frame["metric_name"].to_list(),
                                           frame["metric_value"].to_list(), strict=True):
            yield str(key), int(step), float(value), stamp
