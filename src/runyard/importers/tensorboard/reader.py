"""Finds TensorBoard runs under a log directory and reads each into an `ImportedRun`.

A run is a folder holding event files (`*tfevents*`), named by its path relative to LOGDIR as
TensorBoard names it (the LOGDIR itself, when it holds event files, is named after its folder).
Its event files are read in name order (their names start with the creation time); a step
written twice (a restarted run) keeps its last value, as the store keeps one value per step.
Start and end time are the first and last event's wall times. Hyperparameters written by
`add_hparams` (the hparams plugin) become the config, and its session-end record the status
(else "finished": event files record no status). Points at negative steps are dropped and counted (runyard's steps
start at 0), as are histograms, images, audio, text and other plugins' data. Symlinks are never followed, so nothing outside LOGDIR is read.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.records import ImportedRun
from runyard.importers.tensorboard.events import EventDecoder, ScalarPoint, wall_time_of
from runyard.importers.tensorboard.hparams import TAG_PREFIX
from runyard.importers.tensorboard.tfrecord import read_records
from runyard.store.models import MetricColumns

EVENT_FILE_MARK = "tfevents"


def event_files(folder: Path) -> list[Path]:
    """The event files directly in `folder`, in name (= creation) order; symlinks are skipped."""
    return sorted(path for path in folder.iterdir()
                  if EVENT_FILE_MARK in path.name and path.is_file() and not path.is_symlink())


def run_folders(logdir: Path) -> list[Path]:
    """Every folder under `logdir` (itself included) holding event files, in path order."""
    found = []
    for root, dirs, _ in os.walk(logdir, followlinks=False):
        folder = Path(root)
        dirs[:] = sorted(name for name in dirs if not (folder / name).is_symlink())
        if event_files(folder):
            found.append(folder)
    return sorted(found)


class TensorboardReader:
    """The runs of one log directory; `dropped` counts what was not imported once series are read."""

    def __init__(self, logdir: Path, project: str | None = None) -> None:
        if not logdir.is_dir():
            raise NotFoundError(f"no TensorBoard log directory at {logdir}")
        self.logdir = logdir.resolve()
        self.project = project or self.logdir.name
        self.folders = run_folders(self.logdir)
        if not self.folders:
            raise InvalidInputError(f"{logdir} holds no TensorBoard event files (*tfevents*)")
        self.dropped: Counter[str] = Counter()
        self.description = f"TensorBoard logs in {logdir}"

    def runs(self) -> list[ImportedRun]:
        """One record per run folder; times are read now, metric points when the writer asks."""
        return [self._run(folder) for folder in self.folders]

    def _run(self, folder: Path) -> ImportedRun:
        relative = folder.relative_to(self.logdir).as_posix()
        # Times now (every checksum is verified here, before anything is written), points later.
        times: list[float] = []
        decoder = EventDecoder()
        for path, record in self._records(folder):
            wall = self._wall_time(path, record)
            if wall is not None:
                times.append(wall)
            if TAG_PREFIX in record:  # hyperparameters: a full decode of these few events only
                self._decode(decoder, path, record)
        hparams = decoder.hparams
        return ImportedRun(
            source_id=folder.as_posix(),  # absolute: another LOGDIR's `train` is another run
            project=self.project,
            name=self.logdir.name if relative == "." else relative,
            status=hparams.status or "finished",
            config=hparams.values,
            start_time=min(times, default=None),
            end_time=max(times, default=None),
            series=lambda: self._series(folder),
        )

    def _records(self, folder: Path) -> Iterator[tuple[Path, bytes]]:
        for path in event_files(folder):
            for record in read_records(path):
                yield path, record

    @staticmethod
    def _wall_time(path: Path, record: bytes) -> float | None:
        try:
            return wall_time_of(record)
        except InvalidInputError as error:
            raise InvalidInputError(f"{path}: damaged event ({error})") from error

    @staticmethod
    def _decode(decoder: EventDecoder, path: Path, record: bytes) -> list[ScalarPoint]:
        try:
            return decoder.decode(record)[1]
        except InvalidInputError as error:
            raise InvalidInputError(f"{path}: damaged event ({error})") from error

    def _series(self, folder: Path) -> Iterator[tuple[str, MetricColumns]]:
        by_tag: dict[str, dict[int, tuple[float, float]]] = {}
        decoder = EventDecoder()
        for path, record in self._records(folder):
            for point in self._decode(decoder, path, record):
                if point.step < 0:  # runyard's steps start at 0
                    self.dropped["points at negative steps"] += 1
                    continue
                by_tag.setdefault(point.tag, {})[point.step] = (point.value, point.wall_time)
        self.dropped.update(decoder.dropped)
        for tag, by_step in by_tag.items():
            steps = np.array(sorted(by_step), dtype=np.int64)
            values = np.array([by_step[step][0] for step in steps.tolist()], dtype=np.float64)
            times = np.array([by_step[step][1] for step in steps.tolist()], dtype=np.float64)
            yield tag, MetricColumns(steps, values, times)
