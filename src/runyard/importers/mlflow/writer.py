"""Writing what an MLflow reader yields into a runyard store, the way the MLflow dialect stores it.

Mapping (docs/api-mlflow.md): experiment -> project of the tenant (same name; MLflow's
"Default" -> project "Default"), experiment tags -> the project's key-value tags; run -> run
whose uid is the MLflow run id, so a second import finds it and adds only what is new; run
name -> tag `mlflow.runName` plus a runyard name, suffixed `-2`, `-3`, ... when taken; params
(MLflow's immutable strings); tags as the dialect keeps them (`runyard.server.mlflow.tags`: the
note is the run's notes, an empty value a list tag, the rest key-value tags); every metric point -> the key's
full history, and the latest point per step (MLflow's rule: latest timestamp, then largest
value) -> the ordinary series every dialect reads; statuses and times; artifact files copied
byte for byte (a file already there with the same size is kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.mlflow.records import (
    MetricHistory,
    MlflowSource,
    SourceExperiment,
    SourceRun,
)
from runyard.importers.writer import ImportReport, imported_run
from runyard.server.mlflow.tags import tag_writes
from runyard.store import DEFAULT_TENANT, MetricColumns, Project, Run, Store, WriteBatch
from runyard.store.free_names import first_free_name
from runyard.store.models import FloatArray, IntArray
from runyard.store.validate import check_name

STATUSES = {"RUNNING": "running", "SCHEDULED": "running", "FINISHED": "finished", "FAILED": "failed",
            "KILLED": "killed"}
_NAN_BITS = np.int64(0x7FF8000000000000)


@dataclass(slots=True)
class MlflowImportReport(ImportReport):
    """What one MLflow import did, beyond any import's counts (log_lines stays 0: MLflow keeps no console)."""

    experiments: int = 0
    artifacts_unreachable: list[str] = field(default_factory=list)  # run ids


@dataclass(frozen=True, slots=True)
class Planned:
    """An experiment and the runs to copy from it."""

    experiment: SourceExperiment
    runs: list[SourceRun]


def _point_keys(steps: IntArray, micros: IntArray, values: FloatArray) -> list[tuple[int, int, int]]:
    """(step, time in microseconds, value bits) per point: what makes two points the same one."""
    bits = values.view(np.int64).copy()
    bits[np.isnan(values)] = _NAN_BITS  # one NaN spelling
    return list(zip(steps.tolist(), micros.tolist(), bits.tolist(), strict=True))


def new_points(history: MetricHistory, stored: MetricColumns) -> MetricHistory:
    """The points of `history` the store does not hold yet (the store keeps microsecond times)."""
    if len(stored) == 0:
        return history
    have = set(_point_keys(stored.steps, np.round(stored.times * 1e6).astype(np.int64), stored.values))
    keep = np.fromiter((point not in have for point in _point_keys(
        history.steps, history.timestamps_ms * 1000, history.values)), dtype=bool, count=len(history))
    return MetricHistory(history.steps[keep], history.timestamps_ms[keep], history.values[keep])


def columns_of(history: MetricHistory) -> MetricColumns:
    """The points as store columns (times in epoch seconds), in logging order."""
    return MetricColumns(history.steps.copy(), history.values.copy(), history.timestamps_ms / 1000.0)


def latest_per_step(history: MetricHistory) -> MetricColumns:
    """Ordered so that, per step, MLflow's latest point (max timestamp, then max value) comes last.

    The store keeps the last point of a repeated step in the ordinary series.
    """
    order = np.lexsort((history.values, history.timestamps_ms))
    return MetricColumns(history.steps[order], history.values[order], history.timestamps_ms[order] / 1000.0)


class MlflowImport:
    """Copies experiments and runs from an MLflow source into a store, for one tenant."""

    def __init__(self, store: Store, source: MlflowSource, tenant: str = DEFAULT_TENANT) -> None:
        self.store = store
        self.source = source
        self.tenant = tenant
        self.report = MlflowImportReport()

    def plan(self, names: Sequence[str] = ()) -> list[Planned]:
        """The experiments (all, or those named) with their runs; an unknown name is an error."""
        experiments = self.source.experiments()
        if names:
            known = {experiment.name for experiment in experiments}
            missing = [name for name in names if name not in known]
            if missing:
                raise NotFoundError(f"no active experiment named {', '.join(map(repr, missing))} "
                                    f"in {self.source.description}")
            experiments = [experiment for experiment in experiments if experiment.name in names]
        return [Planned(experiment, self.source.runs(experiment)) for experiment in experiments]

    def write_experiment(self, experiment: SourceExperiment) -> Project:
        """The tenant's project of that name (created when missing) with the experiment's tags."""
        project = self.store.get_or_create_project(check_name(experiment.name, "experiment"), tenant=self.tenant)
        if experiment.tags:
            self.store.set_project_tag_values(project.id, experiment.tags)
        self.report.experiments += 1
        return project

    def write_run(self, project: Project, run: SourceRun) -> Run:
        """Create or bring up to date the run with that MLflow id: data first, artifacts, status last.

        The status goes last so an import cut short leaves the run running, and the next
        import completes it instead of taking it for done.
        """
        target = self._existing(run)
        if target is None:
            target = self._create(project, run)
            self.report.runs_created += 1
        else:
            self.report.runs_updated += 1
        history: dict[str, MetricColumns] = {}
        latest: dict[str, MetricColumns] = {}
        for key in run.metric_keys:
            points = new_points(self.source.metric_history(run, key), self._stored(target.id, key))
            if len(points):
                history[key], latest[key] = columns_of(points), latest_per_step(points)
                self.report.points += len(points)
        # Tags split as the MLflow dialect keeps them: the note is the run's notes, an empty value a list tag.
        tags = tag_writes(target, self.store.run_tag_values([target.id])[target.id], run.tags)
        self.store.apply(target.id, WriteBatch(
            params=run.params or None, fixed_params=True, tag_values=tags.values or None, tag_deletes=tags.deletes,
            notes=tags.notes, tags=tags.list_tags, history=history, metrics=latest))
        self._copy_artifacts(target, run)
        status = STATUSES.get(run.status, "failed")
        if status != "running":
            return self.store.set_run_status(target.id, status, end_time=_seconds(run.end_time_ms))
        return self.store.get_run(target.id)

    def _existing(self, run: SourceRun) -> Run | None:
        return imported_run(self.store, run.run_id, self.tenant, f"run id {run.run_id} is taken by a run of another tenant")

    def _create(self, project: Project, run: SourceRun) -> Run:
        """The run with the MLflow id; its name suffixed `-2`, `-3`, ... when taken (unique per project)."""
        def attempt(name: str | None) -> Run:
            return self.store.create_run(project.id, name=name, uid=run.run_id, start_time=_seconds(run.start_time_ms))

        try:
            wanted = check_name(run.name, "run")
        except InvalidInputError:
            return attempt(None)  # the store makes a name up; tag mlflow.runName keeps MLflow's
        return first_free_name(wanted, attempt)

    def _stored(self, run_id: int, key: str) -> MetricColumns:
        try:
            return self.store.read_metric_history(run_id, key)
        except NotFoundError:
            return MetricColumns.empty()

    def _copy_artifacts(self, target: Run, run: SourceRun) -> None:
        if self.source.unreachable_artifacts(run):
            self.report.artifacts_unreachable.append(run.run_id)
            return
        have = {artifact.path: artifact.size for artifact in self.store.list_artifacts(target.id)}
        for artifact in self.source.artifacts(run):
            if artifact.size is not None and have.get(artifact.path) == artifact.size:
                continue
            with self.source.open_artifact(run, artifact) as stream:
                stored = self.store.add_artifact_stream(target.id, artifact.path, stream)
            self.report.artifacts += 1
            self.report.artifact_bytes += stored.size


def _seconds(millis: int | None) -> float | None:
    return None if millis is None else millis / 1000.0

