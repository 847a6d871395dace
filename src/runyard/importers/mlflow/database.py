"""Reading an MLflow SQLite database through `runyard.store.foreign.mlflow_sqlite` (read-only).

Artifacts are files the database only points at: a run's `artifact_uri` that is a local
path (`mlflow server --default-artifact-root DIR`, or a client logging straight to the
database) is read in place; an `mlflow-artifacts:` URI (a server with `--artifacts-destination`
or its default `mlartifacts` folder) is found under `artifacts_root` when given.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from runyard.importers.mlflow.files import LocalArtifacts, local_path
from runyard.importers.mlflow.records import (
    RUN_NAME_TAG,
    MetricHistory,
    SourceExperiment,
    SourceRun,
    status_name,
)
from runyard.store.foreign.mlflow_sqlite import MlflowDatabase


def proxied_path(uri: str, artifacts_root: Path | None) -> Path | None:
    """Where an `mlflow-artifacts:/<path>` URI lives under the server's artifacts destination."""
    parsed = urlparse(uri)
    if parsed.scheme != "mlflow-artifacts" or artifacts_root is None:
        return None
    return artifacts_root / unquote(parsed.path).lstrip("/")


class DatabaseSource(LocalArtifacts):
    """An MLflow SQLite database file, opened read-only."""

    def __init__(self, path: Path, artifacts_root: Path | None = None) -> None:
        self.db = MlflowDatabase(path)
        self.artifacts_root = artifacts_root
        self.description = str(path)

    def close(self) -> None:
        self.db.close()

    def experiments(self) -> list[SourceExperiment]:
        return [SourceExperiment(row.experiment_id, row.name, self.db.experiment_tags(row.experiment_id))
                for row in self.db.experiments()]

    def runs(self, experiment: SourceExperiment) -> list[SourceRun]:
        found = []
        for row in self.db.runs(experiment.experiment_id):
            tags = self.db.tags(row.run_id)
            found.append(SourceRun(
                run_id=row.run_id, experiment_id=row.experiment_id, name=tags.get(RUN_NAME_TAG) or row.name,
                status=status_name(row.status), start_time_ms=row.start_time_ms, end_time_ms=row.end_time_ms,
                artifact_uri=row.artifact_uri, params=self.db.params(row.run_id), tags=tags,
                metric_keys=tuple(self.db.metric_keys(row.run_id)),
            ))
        return found

    def metric_history(self, run: SourceRun, key: str) -> MetricHistory:
        return MetricHistory.from_points(self.db.metric_points(run.run_id, key))

    def _artifact_root(self, run: SourceRun) -> Path | None:
        root = local_path(run.artifact_uri) or proxied_path(run.artifact_uri, self.artifacts_root)
        return root if root is not None and root.is_dir() else None

    def unreachable_artifacts(self, run: SourceRun) -> bool:
        """True when the run's artifacts are somewhere this source cannot read (s3:, or no --artifacts)."""
        return self._artifact_root(run) is None and local_path(run.artifact_uri) is None
