"""Reading MLflow's file store: an `mlruns` folder as `mlflow` writes it without a database.

Layout: `<experiment id>/meta.yaml` and `tags/`; each run in `<experiment id>/<run id>/`
with `meta.yaml`, `params/`, `tags/`, `metrics/` (one `timestamp value step` line per
point) and `artifacts/`; keys holding '/' are nested folders. `.trash` holds deleted
experiments and is skipped, as are runs whose lifecycle stage is `deleted`. YAML is read
with the safe loader only: a meta file never becomes an object.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.mlflow.records import (
    RUN_NAME_TAG,
    MetricHistory,
    MlflowSource,
    SourceArtifact,
    SourceExperiment,
    SourceRun,
    oldest_first,
    status_name,
)
from runyard.store.run_data import ByteStream

META = "meta.yaml"


def read_meta(path: Path) -> dict[str, Any]:
    """A meta.yaml as a mapping (safe loader); a file of any other shape is refused."""
    import yaml  # only importers read YAML

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{path}: not a readable MLflow meta.yaml ({exc.__class__.__name__})") from None
    if not isinstance(loaded, dict):
        raise InvalidInputError(f"{path}: not an MLflow meta.yaml (no mapping)")
    return loaded


def _files_under(folder: Path) -> Iterator[tuple[str, Path]]:
    """(key or relative path with '/', file) for each regular file below `folder`; links are not followed."""
    if not folder.is_dir():
        return
    for parent, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(parent, name)
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(folder).as_posix(), path


def _key_values(folder: Path) -> dict[str, str]:
    return {key: path.read_text(encoding="utf-8") for key, path in _files_under(folder)}


def _millis(raw: object) -> int | None:
    return int(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def local_path(uri: str) -> Path | None:
    """The local folder a `file:` URI or plain path names; None for remote schemes (s3:, mlflow-artifacts:, ...)."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if not parsed.scheme and uri:
        return Path(uri)
    return None


def parse_metric_line(line: str, where: Path) -> tuple[int, int, float]:
    """(step, timestamp ms, value) from `timestamp value [step]` (old files have no step: 0)."""
    parts = line.split()
    bad = InvalidInputError(f"{where}: not an MLflow metric line: {line.strip()[:80]!r}")
    if len(parts) not in (2, 3):
        raise bad
    try:
        return (int(parts[2]) if len(parts) == 3 else 0), int(parts[0]), float(parts[1])
    except ValueError:
        raise bad from None


class LocalArtifacts(MlflowSource):
    """A source whose artifacts are folders on this machine: regular files copied, links never followed."""

    @abc.abstractmethod
    def _artifact_root(self, run: SourceRun) -> Path | None:
        """The run's local artifact folder; None when it has none here."""

    def artifacts(self, run: SourceRun) -> list[SourceArtifact]:
        root = self._artifact_root(run)
        return [] if root is None else [SourceArtifact(relative, path.stat().st_size)
                                        for relative, path in _files_under(root)]

    def open_artifact(self, run: SourceRun, artifact: SourceArtifact) -> AbstractContextManager[ByteStream]:
        root = self._artifact_root(run)
        if root is None:
            raise NotFoundError(f"run {run.run_id} has no local artifact folder")
        return (root / artifact.path).open("rb")


class FileStoreSource(LocalArtifacts):
    """An `mlruns` folder, read in place (nothing in it is changed)."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise NotFoundError(f"no MLflow store at {root}")
        self.root = root
        self.description = str(root)
        self._run_dirs: dict[str, Path] = {}
        if not any(self._experiment_dirs()):
            raise InvalidInputError(f"{root} is not an MLflow file store (no <experiment>/meta.yaml in it)")

    def _experiment_dirs(self) -> Iterator[Path]:
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and (child / META).is_file():
                yield child

    def experiments(self) -> list[SourceExperiment]:
        found = []
        for folder in self._experiment_dirs():
            meta = read_meta(folder / META)
            if meta.get("lifecycle_stage", "active") != "active":
                continue
            found.append(SourceExperiment(str(meta.get("experiment_id", folder.name)), str(meta.get("name", "")),
                                          _key_values(folder / "tags")))
        return found

    def runs(self, experiment: SourceExperiment) -> list[SourceRun]:
        folder = self.root / experiment.experiment_id
        found = []
        for child in sorted(folder.iterdir()):
            meta_path = child / META
            if not meta_path.is_file():
                continue  # tags/, models/ (MLflow 3 logged models), datasets/
            meta = read_meta(meta_path)
            if "run_id" not in meta and "run_uuid" not in meta:
                continue
            if meta.get("lifecycle_stage", "active") != "active":
                continue
            run_id = str(meta.get("run_id") or meta.get("run_uuid"))
            tags = _key_values(child / "tags")
            self._run_dirs[run_id] = child
            found.append(SourceRun(
                run_id=run_id, experiment_id=experiment.experiment_id,
                name=str(tags.get(RUN_NAME_TAG) or meta.get("run_name") or ""),
                status=status_name(meta.get("status", 1)),
                start_time_ms=_millis(meta.get("start_time")), end_time_ms=_millis(meta.get("end_time")),
                artifact_uri=str(meta.get("artifact_uri") or ""),
                params=_key_values(child / "params"), tags=tags,
                metric_keys=tuple(key for key, _path in _files_under(child / "metrics")),
            ))
        return oldest_first(found)

    def _run_dir(self, run: SourceRun) -> Path:
        return self._run_dirs.get(run.run_id) or self.root / run.experiment_id / run.run_id

    def metric_history(self, run: SourceRun, key: str) -> MetricHistory:
        path = self._run_dir(run) / "metrics" / key
        with path.open(encoding="utf-8") as lines:
            return MetricHistory.from_points([parse_metric_line(line, path) for line in lines if line.strip()])

    def _artifact_root(self, run: SourceRun) -> Path | None:
        # The folder next to meta.yaml first: artifact_uri names the absolute path the store had
        # when the run was logged, which is stale once an mlruns folder is moved or copied.
        beside = self._run_dir(run) / "artifacts"
        if beside.is_dir():
            return beside
        named = local_path(run.artifact_uri)
        return named if named is not None and named.is_dir() else None


