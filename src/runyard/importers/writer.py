"""Write `ImportedRun` records into a store, for one tenant; importing the same source again adds nothing.

A run's uid is derived from (importer kind, source id), so a second import finds the run it
made the first time. What an existing run receives again: its metric points (the store keeps
one value per step, so identical points change nothing and only new steps count as new), the
log lines beyond those it already holds, and the artifacts it lacks (same path and size: kept).
Config, params, tags, notes, description, system and summary are set from the source each time. The status goes
last, so an import cut short leaves the run running and the next one completes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from runyard.errors import ConflictError, InvalidInputError, NotFoundError
from runyard.importers.records import ImportedRun
from runyard.store import DEFAULT_TENANT, MetricColumns, Project, Run, Store, WriteBatch
from runyard.store.free_names import first_free_name
from runyard.store.models import RUN_STATUSES
from runyard.store.validate import check_name

# Metric points are applied in slices of this many, so a long series never sits in one batch.
POINTS_PER_BATCH = 500_000


@dataclass(slots=True)
class ImportReport:
    """What one import wrote."""

    runs_created: int = 0
    runs_updated: int = 0
    points: int = 0
    log_lines: int = 0
    artifacts: int = 0
    artifact_bytes: int = 0


def import_uid(kind: str, source_id: str) -> str:
    """The uid of the run imported from `source_id` by the `kind` importer (stable across imports)."""
    digest = hashlib.sha256(f"{kind}\0{source_id}".encode()).hexdigest()[:24]
    return f"{kind}-{digest}"


def imported_run(store: Store, uid: str, tenant: str, taken: str) -> Run | None:
    """The run an earlier import made with this uid (None: none yet); ConflictError(`taken`) when
    the uid belongs to a run of another tenant."""
    try:
        found = store.get_run_by_uid(uid)
    except NotFoundError:
        return None
    if store.get_project(found.project_id).tenant != tenant:
        raise ConflictError(taken)
    return found


class RunImport:
    """Creates or brings up to date the runs an importer reads, in the tenant's projects."""

    def __init__(self, store: Store, kind: str, tenant: str = DEFAULT_TENANT) -> None:
        self.store = store
        self.kind = kind
        self.tenant = tenant
        self.report = ImportReport()
        self._projects: dict[str, Project] = {}

    def write(self, run: ImportedRun) -> Run:
        """The run of that source id, with everything the source holds for it."""
        if run.status not in RUN_STATUSES:
            raise InvalidInputError(f"{run.source_id}: unknown status {run.status!r}")
        project = self._project(run.project)
        target = self._existing(run)
        if target is None:
            target = first_free_name(check_name(run.name, "run"), lambda name: self._create(project, run, name))
            self.report.runs_created += 1
        else:
            self.report.runs_updated += 1
        self.store.update_run(target.id, description=run.description, notes=run.notes, tags=list(run.tags),
                              config=run.config, system=run.system, summary=run.summary)
        if run.params:
            self.store.log_params(target.id, run.params)
        self._write_series(target, run)
        self._write_logs(target, run)
        self._copy_artifacts(target, run)
        if run.status != "running":
            return self.store.set_run_status(target.id, run.status, end_time=run.end_time)
        return self.store.get_run(target.id)

    def _project(self, name: str) -> Project:
        if name not in self._projects:
            self._projects[name] = self.store.get_or_create_project(check_name(name, "project"), tenant=self.tenant)
        return self._projects[name]

    def _existing(self, run: ImportedRun) -> Run | None:
        return imported_run(self.store, import_uid(self.kind, run.source_id), self.tenant,
                            f"{run.source_id} was imported into another tenant already")

    def _create(self, project: Project, run: ImportedRun, name: str) -> Run:
        return self.store.create_run(project.id, name=name, uid=import_uid(self.kind, run.source_id),
                                     start_time=run.start_time)

    def _write_series(self, target: Run, run: ImportedRun) -> None:
        before = self._stored_steps(target.id)
        for key, columns in run.series():
            for start in range(0, len(columns), POINTS_PER_BATCH):
                end = start + POINTS_PER_BATCH
                part = MetricColumns(columns.steps[start:end], columns.values[start:end], columns.times[start:end])
                self.store.apply(target.id, WriteBatch(metrics={key: part}))
        # Steps the run holds now and did not before: the points this import added.
        self.report.points += max(0, self._stored_steps(target.id) - before)

    def _stored_steps(self, run_id: int) -> int:
        """Points the run holds over all its keys (one per step and key), from the keys' summaries."""
        return sum(summary.count for summary in self.store.metric_summaries([run_id]).get(run_id, {}).values())

    def _write_logs(self, target: Run, run: ImportedRun) -> None:
        held = len(self.store.read_logs(target.id))
        lines = list(run.logs())[held:]
        if lines:
            self.store.append_logs(target.id, lines)
            self.report.log_lines += len(lines)

    def _copy_artifacts(self, target: Run, run: ImportedRun) -> None:
        have = {artifact.path: artifact.size for artifact in self.store.list_artifacts(target.id)}
        for path, source in run.artifacts:
            if have.get(path) == source.stat().st_size:
                continue
            stored = self.store.add_artifact(target.id, source, path)
            self.report.artifacts += 1
            self.report.artifact_bytes += stored.size
