"""Local mode: batches go straight into the store in the data dir, no server involved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runyard.sdk.sink import RunHandle, RunSpec, Sink
from runyard.store import Store, open_store
from runyard.store.models import Artifact, MetricColumns
from runyard.store.opening import open_run


class LocalSink(Sink):
    """Writes through a `Store` opened on a data dir (SQLite handles concurrent processes)."""

    def __init__(self, data_dir: Path, store: Store | None = None) -> None:
        self.data_dir = data_dir
        self.store = store if store is not None else open_store(data_dir)

    def open_run(self, spec: RunSpec) -> RunHandle:
        """Create the run, or find and resume it (the rules live in `opening`)."""
        return open_run(self.store, spec)

    def write_metrics(self, run_id: int, batch: Mapping[str, MetricColumns], batch_id: str) -> None:
        """One store transaction per batch."""
        self.store.append_metrics(run_id, batch, batch_id=batch_id)

    def write_logs(self, run_id: int, lines: Sequence[tuple[float, str, str]], batch_id: str) -> None:
        """Console lines in one transaction."""
        self.store.append_logs(run_id, lines, batch_id=batch_id)

    def heartbeat(self, run_id: int) -> None:
        """Touch the run's heartbeat."""
        self.store.heartbeat(run_id)

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
        """Replace tags, system info, config, summary or metric definitions."""
        self.store.update_run(run_id, tags=tags, system=system, config=config, summary=summary,
                              metric_defs=metric_defs)

    def log_params(self, run_id: int, params: Mapping[str, Any]) -> None:
        """Merge params."""
        self.store.log_params(run_id, params)

    def add_artifact(self, run_id: int, path: Path, name: str | None) -> Artifact:
        """Copy the file under the run's artifact dir."""
        return self.store.add_artifact(run_id, path, name)

    def add_artifact_bytes(self, run_id: int, name: str, data: bytes) -> Artifact:
        """Store the bytes as an artifact file, no temp file."""
        return self.store.add_artifact_bytes(run_id, name, data)

    def set_status(self, run_id: int, status: str) -> None:
        """Write the status."""
        self.store.set_run_status(run_id, status)

    def close(self) -> None:
        """Close the store."""
        self.store.close()
