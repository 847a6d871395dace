"""The run-data half of the `Store` interface: units of work, metrics, console logs and artifacts.

`Store` (in `runyard.store.base`) inherits it; backends implement the abstract primitives, and
the conveniences built on them (`append_metrics`, `append_logs`, `add_artifact`, ...) live here once.
"""

from __future__ import annotations

import abc
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from runyard.errors import NotFoundError
from runyard.store.models import Artifact, Downsampled, LogLine, MetricColumns, MetricSummary
from runyard.store.units import Applied, LogEntry, WriteBatch
from runyard.store.validate_batch import check_batch

if TYPE_CHECKING:
    from runyard.store.artifacts.base import ArtifactFile


class ByteStream(Protocol):
    """What an artifact upload reads from: a file, a spooled upload, a request body reader."""

    def read(self, size: int = ..., /) -> bytes | None:
        """Up to `size` bytes; empty (or None) at the end."""


class RunDataStore(abc.ABC):
    """What a run holds beyond its record: metric series, console lines and artifact files.

    Blocking and thread-safe like the rest of `Store`; unknown run ids raise `NotFoundError`.
    """

    # -- units of work -------------------------------------------------------------
    def apply(self, run_id: int, batch: WriteBatch) -> Applied:
        """Write every part of `batch` into the run in one transaction: all of it or none.

        Bad input in any part raises before anything is written. A `batch_id` already
        applied to the run is skipped whole (`replayed`), so retried sends are idempotent.
        An empty batch writes nothing and records no batch id.
        """
        checked = check_batch(batch)
        if checked.is_empty():
            return Applied()
        return self._apply(run_id, checked)

    @abc.abstractmethod
    def _apply(self, run_id: int, batch: WriteBatch) -> Applied:
        """Backend hook of `apply`: `batch` is checked (metric columns sorted by step) and not empty."""

    # -- metrics -------------------------------------------------------------------
    def append_metrics(
        self, run_id: int, batch: Mapping[str, MetricColumns], *, batch_id: str | None = None
    ) -> int:
        """Store points; (run, key, step) is unique and the last write wins.

        A `batch_id` already applied is skipped, so retried sends are idempotent.
        Returns the change sequence number of the commit (0 when skipped).
        """
        return self.apply(run_id, WriteBatch(metrics=batch, batch_id=batch_id)).seq

    @abc.abstractmethod
    def read_metric(
        self, run_id: int, key: str, *, step_min: int | None = None, step_max: int | None = None
    ) -> MetricColumns:
        """The full-fidelity series of a key (optionally a step range), sorted by step."""

    @abc.abstractmethod
    def read_metric_downsampled(
        self,
        run_id: int,
        key: str,
        *,
        buckets: int = 1000,
        step_min: int | None = None,
        step_max: int | None = None,
    ) -> Downsampled:
        """Min/max/last per step bucket; series with fewer points than buckets come back whole."""

    @abc.abstractmethod
    def metric_summaries(self, run_ids: Sequence[int]) -> dict[int, dict[str, MetricSummary]]:
        """Per-key summaries for many runs at once."""

    @abc.abstractmethod
    def read_metric_history(self, run_id: int, key: str) -> MetricColumns:
        """Every point of a key as logged (`WriteBatch.history`, `runyard.store.history`).

        Each distinct (step, time, value) once, ordered by time, step, value. A key written
        without a history (the SDK, other dialects) answers its series; `NotFoundError` for a
        key the run never logged.
        """

    # -- key-value tags --------------------------------------------------------------
    @abc.abstractmethod
    def run_tag_values(self, run_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """Key-value tags (MLflow's run tags) of many runs in one read: id -> {key: value}.

        Separate from `Run.tags` (a list of labels). Every id asked for is in the answer.
        """

    def set_run_tag_values(self, run_id: int, values: Mapping[str, str], deletes: Sequence[str] = ()) -> None:
        """Set key-value tags of a run, then remove the keys in `deletes`, in one unit of work."""
        self.apply(run_id, WriteBatch(tag_values=values, tag_deletes=deletes))

    @abc.abstractmethod
    def compact(self, run_id: int | None = None) -> int:
        """Merge small metric chunks now; returns how many chunks were merged away."""

    # -- console logs --------------------------------------------------------------
    def append_logs(self, run_id: int, lines: Sequence[LogEntry], *, batch_id: str | None = None) -> int:
        """Store (time, stream, line) tuples; idempotent per `batch_id`; returns the change seq (0 when skipped)."""
        return self.apply(run_id, WriteBatch(logs=lines, batch_id=batch_id)).seq

    @abc.abstractmethod
    def read_logs(
        self, run_id: int, *, after_id: int = 0, limit: int | None = None, tail: int | None = None
    ) -> list[LogLine]:
        """Lines in order; `tail` gives the last N lines."""

    # -- artifacts -----------------------------------------------------------------
    def add_artifact(self, run_id: int, source: Path, name: str | None = None) -> Artifact:
        """Copy a file under the run's artifact dir and record its size and sha256."""
        source = Path(source)
        if not source.is_file():
            raise NotFoundError(f"artifact source {source} is not a file")
        with source.open("rb") as stream:
            return self.add_artifact_stream(run_id, name or source.name, stream)

    def add_artifact_bytes(self, run_id: int, name: str, data: bytes) -> Artifact:
        """Store bytes as an artifact file of the run."""
        return self.add_artifact_stream(run_id, name, io.BytesIO(data))

    @abc.abstractmethod
    def add_artifact_stream(
        self, run_id: int, name: str, stream: ByteStream, *, max_bytes: int | None = None
    ) -> Artifact:
        """Store a stream as an artifact; `PayloadTooLargeError` past `max_bytes`, nothing kept."""

    @abc.abstractmethod
    def list_artifacts(self, run_id: int) -> list[Artifact]:
        """Artifacts of a run, ordered by path."""

    @abc.abstractmethod
    def artifact_bytes(self, project_ids: Sequence[int]) -> int:
        """Bytes of every artifact of every run of these projects, in one read."""

    @abc.abstractmethod
    def delete_artifacts(self, run_id: int, name: str) -> int:
        """Delete the artifact `name`, or every artifact under the folder `name`; returns how many.

        `NotFoundError` when there is neither.
        """

    @abc.abstractmethod
    def open_artifact(self, run_id: int, name: str) -> ArtifactFile:
        """An artifact the run recorded, opened for reading (chunks, size, local path when on disk).

        `NotFoundError` for a name the run never recorded or whose bytes are gone; names that
        could escape the run's files are refused (`InvalidInputError`).
        """

    def read_artifact(self, run_id: int, name: str) -> bytes:
        """The whole file at once: for small files (a manifest, a plot spec)."""
        return self.open_artifact(run_id, name).read_bytes()
