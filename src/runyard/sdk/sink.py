"""Where a run's data goes: the interface the SDK writes through (local store or a server)."""

from __future__ import annotations

import abc
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runyard.store.models import Artifact, MetricColumns
from runyard.store.opening import RunHandle, RunSpec

__all__ = ["DRAIN_TIMEOUT_S", "RunHandle", "RunSpec", "Sink"]

DRAIN_TIMEOUT_S = 30.0  # remote mode: how long finish() keeps sending the spool before leaving it to sync


class Sink(abc.ABC):
    """Receives a run's batches; every method blocks and may raise on I/O errors.

    The flusher thread calls the write methods and retries failed batches with the
    same `batch_id`, so implementations must apply a batch id at most once.
    """

    @abc.abstractmethod
    def open_run(self, spec: RunSpec) -> RunHandle:
        """Create the run, or resume an existing one, and mark it running."""

    @abc.abstractmethod
    def write_metrics(self, run_id: int, batch: Mapping[str, MetricColumns], batch_id: str) -> None:
        """Store one batch of per-key columns."""

    @abc.abstractmethod
    def write_logs(self, run_id: int, lines: Sequence[tuple[float, str, str]], batch_id: str) -> None:
        """Store console lines as (time, stream, line)."""

    @abc.abstractmethod
    def heartbeat(self, run_id: int) -> None:
        """Say the run's process is alive."""

    @abc.abstractmethod
    def update_run(
        self,
        run_id: int,
        *,
        tags: Sequence[str] | None = None,
        system: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None,
        metric_defs: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace the given run fields (each whole)."""

    @abc.abstractmethod
    def log_params(self, run_id: int, params: Mapping[str, Any]) -> None:
        """Merge params into the run's params."""

    @abc.abstractmethod
    def add_artifact(self, run_id: int, path: Path, name: str | None) -> Artifact:
        """Attach a file to the run."""

    def add_artifact_bytes(self, run_id: int, name: str, data: bytes) -> Artifact:
        """Attach bytes as a file of the run (logged media); through a temp file unless a sink stores bytes directly."""
        with tempfile.TemporaryDirectory(prefix="runyard-media-") as folder:
            path = Path(folder) / "item"
            path.write_bytes(data)
            return self.add_artifact(run_id, path, name)

    @abc.abstractmethod
    def set_status(self, run_id: int, status: str) -> None:
        """Write the run's status (terminal ones close it)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""
