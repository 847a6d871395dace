"""Reads expman-rs experiment folders (`runyard import expman DIR`) into `ImportedRun` records.

The layout expman-rs 1.3.0 writes (`Experiment(name, run_name, base_dir)`):

    BASE/<experiment>/experiment.yaml          display_name, description, tags, project
    BASE/<experiment>/<run>/run.yaml           name, status, started_at, finished_at, description,
                                               tags, group, rank, scalars (log_scalar: the run's
                                               summary), vectors (last values), ...
    BASE/<experiment>/<run>/config.yaml        the logged params (log_params)
    BASE/<experiment>/<run>/vectors.parquet    metrics, wide: step, timestamp (UTC, us), a column
                                               per key, null where a key has no value at a step
                                               (`metrics.parquet` in older releases: same layout)
    BASE/<experiment>/<run>/console.log        the run's stdout and stderr, teed (no times)
    BASE/<experiment>/<run>/run.log            "[time] [LEVEL] message" lines (info, warn, close reason)
    BASE/<experiment>/<run>/provenance.yaml    command, hostname, git, scheduler ids
    BASE/<experiment>/<run>/artifacts/         save_artifact's files
    BASE/<experiment>/<run>/media/, media.jsonl  log_image's files
    BASE/<experiment>/<run>/histograms.parquet log_histogram's bins

Experiment -> project (its folder name), run -> run. YAML is read with the safe loader only,
Parquet through polars; symlinks are never followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.records import ImportedRun
from runyard.importers.source_files import regular_files
from runyard.store.models import MetricColumns
from runyard.store.units import LogEntry

STATUSES = {"RUNNING": "running", "FINISHED": "finished", "FAILED": "failed", "CRASHED": "crashed"}
METRIC_FILES = ("vectors.parquet", "metrics.parquet")  # 1.3.0's name first, then older releases'
INDEX_COLUMNS = ("step", "timestamp")
RUN_LOG_LINE = re.compile(r"^\[(?P<time>[^\]]+)\] \[(?P<level>[A-Z]+)\] (?P<text>.*)$")
SYSTEM_KEYS = ("group", "rank", "language", "env_path")


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _subfolders(folder: Path) -> list[Path]:
    return sorted(child for child in folder.iterdir() if child.is_dir() and not child.is_symlink())


def run_folders(root: Path) -> list[Path]:
    """The run folders (holding run.yaml) of a base dir, or of one experiment folder."""
    if not root.is_dir():
        raise NotFoundError(f"no expman folder at {root}")
    runs = [folder for folder in _subfolders(root) if _plain_file(folder / "run.yaml")]
    if not runs:
        runs = [run for experiment in _subfolders(root) for run in _subfolders(experiment)
                if _plain_file(run / "run.yaml")]
    if not runs:
        raise InvalidInputError(f"{root} holds no expman runs (<experiment>/<run>/run.yaml)")
    return runs


def read_experiments(root: Path, project: str | None = None) -> list[ImportedRun]:
    """One record per run; metadata is read and the metrics file checked now, points when written."""
    return [_read_run(folder, project) for folder in run_folders(root.resolve())]


def _yaml(path: Path) -> dict[str, Any]:
    if not _plain_file(path):
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: not readable YAML ({exc.__class__.__name__})") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidInputError(f"{path}: expected a mapping")
    return loaded


def _time(value: Any, path: Path) -> float | None:
    """An RFC 3339 time as epoch seconds (expman writes nanoseconds; a float keeps microseconds)."""
    if value is None:
        return None
    if isinstance(value, datetime):  # YAML's own timestamp type, should a writer emit one
        return value.timestamp()
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", str(value))
    if match is None:
        raise InvalidInputError(f"{path}: {value!r} is not a time")
    whole, fraction, zone = match.groups()
    moment = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    return moment.timestamp() + (int(fraction[:6].ljust(6, "0")) / 1e6 if fraction else 0.0)


def _read_run(folder: Path, project: str | None) -> ImportedRun:
    meta = _yaml(folder / "run.yaml")
    status = STATUSES.get(str(meta.get("status", "")).upper())
    if status is None:
        raise InvalidInputError(f"{folder / 'run.yaml'}: unknown status {meta.get('status')!r}")
    start = _time(meta.get("started_at"), folder / "run.yaml")
    metrics = _metrics_file(folder)
    system = {key: meta[key] for key in SYSTEM_KEYS if meta.get(key) is not None}
    provenance = _yaml(folder / "provenance.yaml")
    if provenance:
        system["provenance"] = provenance
    return ImportedRun(
        source_id=folder.as_posix(),  # absolute: another base dir's mnist/run-1 is another run
        project=project or folder.parent.name,
        name=str(meta.get("name") or folder.name),
        status=status,
        start_time=start,
        end_time=_time(meta.get("finished_at"), folder / "run.yaml"),
        config=_yaml(folder / "config.yaml"),
        tags=tuple(str(tag) for tag in meta.get("tags") or ()),
        description=str(meta.get("description") or ""),
        system=system,
        summary=dict(meta.get("scalars") or {}),
        series=(lambda: _series(metrics)) if metrics else (lambda: iter(())),
        logs=lambda: _logs(folder, start),
        artifacts=tuple(regular_files(folder / "artifacts"))
        + tuple((f"media/{path}", file) for path, file in regular_files(folder / "media")),
    )


def _metrics_file(folder: Path) -> Path | None:
    """The run's metrics file, its layout checked now so a bad file stops the import before any write."""
    import polars as pl

    path = next((folder / name for name in METRIC_FILES if _plain_file(folder / name)), None)
    if path is None:
        return None
    try:
        schema = pl.read_parquet_schema(path)
    except Exception as exc:  # polars raises several kinds for a damaged file
        raise InvalidInputError(f"{path}: not a readable Parquet file ({exc})") from None
    if not schema.get("step", pl.Null).is_integer() or "timestamp" not in schema or not all(
            dtype.is_numeric() for name, dtype in schema.items() if name not in INDEX_COLUMNS):
        raise InvalidInputError(f"{path}: not expman's metrics layout (step, timestamp, numeric columns)")
    return path


def _series(path: Path) -> Iterator[tuple[str, MetricColumns]]:
    import polars as pl

    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise InvalidInputError(f"{path}: not a readable Parquet file ({exc})") from None
    steps = frame["step"].cast(pl.Int64)
    stamp = frame["timestamp"]
    # numpy's division is correctly rounded (polars multiplies by 1e-6, which can be one ulp off).
    if isinstance(stamp.dtype, pl.Datetime):
        times = stamp.dt.epoch("us").to_numpy().astype(np.float64) / 1e6
    else:
        times = stamp.cast(pl.Float64).to_numpy()
    for key in frame.columns:
        if key in INDEX_COLUMNS:
            continue
        column = frame[key]
        present = (column.is_not_null() & steps.is_not_null() & (steps >= 0)).to_numpy()  # runyard: steps >= 0
        yield key, MetricColumns(steps.filter(pl.Series(present)).to_numpy().astype(np.int64),
                                 column.filter(pl.Series(present)).cast(pl.Float64).to_numpy(),
                                 times[present])


def _logs(folder: Path, start: float | None) -> Iterator[LogEntry]:
    """console.log's lines (stamped with the run's start: the file has no times), then run.log's."""
    console = folder / "console.log"
    if _plain_file(console):
        for line in console.read_text(encoding="utf-8", errors="replace").splitlines():
            yield start or 0.0, "stdout", line
    run_log = folder / "run.log"
    if _plain_file(run_log):
        for line in run_log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = RUN_LOG_LINE.match(line)
            if match is None:
                yield start or 0.0, "stdout", line
                continue
            stream = "stdout" if match["level"] in ("INFO", "DEBUG") else "stderr"
            yield _time(match["time"], run_log) or 0.0, stream, f"[{match['level']}] {match['text']}"
