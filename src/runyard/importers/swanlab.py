"""Read a SwanLab 0.10.x `swanlog` folder written in local mode (what `swanlab watch` shows) as runs.

The folder holds `runs.swanlab` (the dashboard's SQLite database: projects, experiments,
keys; read by runyard.store.foreign.swanlab_sqlite) and one folder per run, named by the
experiment's `run_id`:
- `logs/<key folder>/<n>000.log`: one JSON line per step, `{"index": step, "data": value,
  "create_time": ISO 8601}` (SwanLab rewrites a step logged again, so one line per step);
- `files/config.yaml` (`{key: {value, desc, sort}}`), `files/swanlab-metadata.json` (hardware,
  runtime, git), `files/requirements.txt`;
- `console/<date>.log`: the captured console, stdout and stderr merged, without times;
  `console/error.log`: the traceback of a crashed run;
- `media/<medium>/<file>`: images, audio, text (and `media/<key folder>/` links to them).
A folder with only `run-<id>.swanlab` backups (mode="offline", or local mode without the
dashboard extra) has no `runs.swanlab`: refused, since its keys are named only inside that
protobuf backup, which `swanlab sync` uploads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml

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
from runyard.store.foreign.swanlab_sqlite import ExperimentRow, SwanlabDatabase, TagRow
from runyard.store.models import MetricColumns
from runyard.store.units import LogEntry

DATABASE = "runs.swanlab"
# SwanLab sets -1 only when the script raised (its excepthook hands over the error); a process that
# dies without Python seeing it stays 0.
STATUSES = {-1: "failed", 0: "running", 1: "finished"}
LINE = "a SwanLab metric line"
MAPPED_FILES = {"config.yaml", "swanlab-metadata.json"}  # read into config and system, not copied
# A name SwanLab made (run folders, key folders, slice files): no separators, no "..".
SIMPLE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def read_swanlog(root: Path) -> list[ImportedRun]:
    """Every run of a swanlog folder, in the order SwanLab created them."""
    if not root.is_dir():
        raise NotFoundError(f"{root}: no such folder (expected a SwanLab swanlog folder)")
    if not (root / DATABASE).is_file():
        raise InvalidInputError(f"{root}: not a SwanLab swanlog folder written in local mode (no {DATABASE}; "
                                "runs logged with mode='offline' hold only their backup, for `swanlab sync`)")
    database = SwanlabDatabase(root / DATABASE)
    try:
        return [_read_run(root, row, database.tags(row.experiment_id)) for row in database.experiments()]
    finally:
        database.close()


def _folder(parent: Path, name: str, what: str) -> Path:
    if not SIMPLE_NAME.fullmatch(name):
        raise InvalidInputError(f"{parent}: {what} folder name {name!r} (from {DATABASE}) is not one SwanLab makes")
    return parent / name


def _read_run(root: Path, row: ExperimentRow, tags: list[TagRow]) -> ImportedRun:
    folder = _folder(root, row.run_id, "run")
    if folder.is_symlink():
        raise InvalidInputError(f"{folder}: a symbolic link (links out of the swanlog folder are not followed)")
    if row.status not in STATUSES:
        raise InvalidInputError(f"{root / DATABASE}: experiment {row.name!r} has unknown status {row.status}")
    start = _time(row.create_time, root / DATABASE)
    end = None if row.status == 0 or not row.finish_time else _time(row.finish_time, root / DATABASE)
    scalars = [(tag.name, _folder(folder / "logs", tag.folder, "key")) for tag in tags if tag.type == "line"]
    return ImportedRun(
        source_id=row.run_id, project=row.project, name=row.name, description=row.description,
        status=STATUSES[row.status], start_time=start, end_time=end,
        config=_config(folder / "files" / "config.yaml"),
        system=_json_object(folder / "files" / "swanlab-metadata.json"),
        series=partial(_read_series, scalars),
        logs=partial(_read_console, folder / "console", start, end if end is not None else start),
        artifacts=_artifacts(folder),
    )


def _time(text: str, source: Path) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{source}: {text!r} is not an ISO 8601 time") from exc


def _regular_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _config(path: Path) -> dict[str, Any]:
    """SwanLab's config.yaml wraps each key as {value, desc, sort}: the values, in SwanLab's order."""
    if not _regular_file(path):
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInputError(f"{path}: not a SwanLab config ({exc})") from exc
    if not isinstance(loaded, dict):
        raise InvalidInputError(f"{path}: not a SwanLab config (not a mapping)")
    return {str(key): entry["value"] if isinstance(entry, dict) and "value" in entry else entry
            for key, entry in sorted(loaded.items(), key=_config_order)}


def _config_order(item: tuple[Any, Any]) -> float:
    """Where SwanLab put a config key (its `sort`), for the keys' order; a key without one goes first."""
    sort = item[1].get("sort") if isinstance(item[1], dict) else None
    return float(sort) if isinstance(sort, int | float) and not isinstance(sort, bool) else 0.0


def _json_object(path: Path) -> dict[str, Any]:
    if not _regular_file(path):
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not SwanLab's run metadata ({exc})") from exc
    if not isinstance(loaded, dict):
        raise InvalidInputError(f"{path}: not SwanLab's run metadata (not an object)")
    return loaded


def _slices(folder: Path) -> list[Path]:
    """A key's slice files (1000.log, 2000.log, ...) in number order."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    found = [file for file in folder.glob("*.log") if file.stem.isdigit() and _regular_file(file)]
    return sorted(found, key=lambda file: int(file.stem))


def _read_series(scalars: list[tuple[str, Path]]) -> Iterator[tuple[str, MetricColumns]]:
    points = PointCollector()
    for key, folder in scalars:
        for path in _slices(folder):
            for line, record in json_lines(path, LINE):
                try:
                    wall = datetime.fromisoformat(record["create_time"]).timestamp()
                    points.add(key, as_step(record["index"]), number(record["data"]), wall)
                except RECORD_ERRORS as exc:
                    raise bad_line(path, line, LINE, exc) from exc
    return points.series()


def _read_console(folder: Path, start: float, end: float) -> Iterator[LogEntry]:
    """The console as SwanLab captured it. Its files hold no times: the console's lines take the
    run's start time, error.log's (the crash traceback, as stderr) its end time."""
    if not folder.is_dir() or folder.is_symlink():
        return
    days = sorted(file for file in folder.glob("*.log") if file.name != "error.log" and _regular_file(file))
    for file in days:
        for text in _lines(file):
            yield start, "stdout", text
    if _regular_file(folder / "error.log"):
        for text in _lines(folder / "error.log"):
            yield end, "stderr", text


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InvalidInputError(f"{path}: not readable ({exc})") from exc


def _artifacts(folder: Path) -> tuple[tuple[str, Path], ...]:
    """Media files (media/<medium>/...) and the run's files (files/, less the two read into fields).

    Links are not followed: SwanLab's own media/<key folder>/ entries are links to the media files."""
    mapped = {f"files/{name}" for name in MAPPED_FILES}
    return tuple(sorted((f"{top}/{inside}", file) for top in ("media", "files")
                        for inside, file in regular_files(folder / top) if f"{top}/{inside}" not in mapped))
