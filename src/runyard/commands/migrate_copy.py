"""What `runyard migrate` copies, through the `Store` interface only: any backend to any backend.

Projects are matched by (tenant, name) and runs by uid, so a second pass adds only what the
first did not finish: a run whose copy is complete (same status, end time and counts) is
skipped, a half-copied one is deleted and copied again. Each run's data goes one key, one
page of log lines, one artifact at a time, so memory stays bounded by the largest series.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from runyard.errors import ConflictError, NotFoundError
from runyard.store import Project, Run, RunQuery, Store, WriteBatch
from runyard.store.hub_store import HubStore
from runyard.store.models import MetricColumns
from runyard.store.view_state import ViewSetting

LOG_PAGE = 20_000  # console lines per read and per write


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What a copied run must hold: points per key, console lines, artifacts (path -> size)."""

    points: dict[str, int]
    logs: int
    artifacts: dict[str, int]


def run_counts(store: Store, run_id: int) -> RunCounts:
    """A run's counts as its store has them."""
    summaries = store.metric_summaries([run_id]).get(run_id, {})
    logs = 0
    after = 0
    while page := store.read_logs(run_id, after_id=after, limit=LOG_PAGE):
        logs += len(page)
        after = page[-1].id
    return RunCounts({key: s.count for key, s in summaries.items()}, logs,
                     {a.path: a.size for a in store.list_artifacts(run_id)})


@dataclass(slots=True)
class Copier:
    """Copies one store into another; `run_ids` maps each source run id to its copy's."""

    source: Store
    target: Store
    project_ids: dict[int, int] = field(default_factory=dict)
    run_ids: dict[int, int] = field(default_factory=dict)
    copied: int = 0
    skipped: int = 0

    # -- projects ------------------------------------------------------------------
    def projects(self) -> list[Project]:
        """Every project of every tenant, deleted ones too, created or updated in the target."""
        found = self.source.list_projects(tenant=None, lifecycle=None)
        tags = self.source.project_tag_values([p.id for p in found])
        for project in found:
            try:
                twin = self.target.get_project_by_name(project.name, tenant=project.tenant)
                self.target.update_project(twin.id, description=project.description, tags=project.tags,
                                           notes=project.notes, artifact_location=project.artifact_location)
            except NotFoundError:
                twin = self.target.create_project(
                    project.name, tenant=project.tenant, description=project.description, tags=project.tags,
                    notes=project.notes, artifact_location=project.artifact_location)
            self.project_ids[project.id] = twin.id
            if tags[project.id]:
                self.target.set_project_tag_values(twin.id, tags[project.id])
        return found

    def project_states(self, projects: list[Project]) -> None:
        """Lifecycles last: a deleted project still takes its runs while they are copied."""
        for project in projects:
            twin = self.target.get_project(self.project_ids[project.id])
            if twin.lifecycle != project.lifecycle:
                self.target.set_project_lifecycle(twin.id, project.lifecycle)

    # -- runs ----------------------------------------------------------------------
    def runs(self) -> list[Run]:
        """Every run, oldest first."""
        return self.source.search_runs(RunQuery())

    def run(self, run: Run) -> None:
        """Copy one run with its metrics, histories, logs and artifacts (or skip it when complete)."""
        try:
            twin: Run | None = self.target.get_run_by_uid(run.uid)
        except NotFoundError:
            twin = None
        if twin is not None:
            if self._complete(run, twin):
                self.run_ids[run.id] = twin.id
                self.skipped += 1
                return
            self.target.delete_run(twin.id)  # half copied by an interrupted pass: start it again
        copy = self.target.create_run(
            self.project_ids[run.project_id], name=run.name, description=run.description, notes=run.notes,
            tags=run.tags, config=run.config, params=run.params, system=run.system, host=run.host,
            pid=run.pid, pid_started_at=run.pid_started_at, uid=run.uid, start_time=run.start_time)
        self.run_ids[run.id] = copy.id
        tags = self.source.run_tag_values([run.id])[run.id]
        if tags:
            self.target.set_run_tag_values(copy.id, tags)
        self._metrics(run.id, copy.id)
        self._logs(run.id, copy.id)
        self._artifacts(run.id, copy.id)
        self.target.update_run(copy.id, summary=run.summary, metric_defs=run.metric_defs)
        if run.status != "running":  # last: a finished copy is also a complete one
            self.target.set_run_status(copy.id, run.status, end_time=run.end_time)
        self.copied += 1

    def _complete(self, run: Run, twin: Run) -> bool:
        return (twin.status == run.status and twin.end_time == run.end_time
                and run_counts(self.source, run.id) == run_counts(self.target, twin.id))

    def _metrics(self, source_id: int, target_id: int) -> None:
        summaries = self.source.metric_summaries([source_id]).get(source_id, {})
        for key in sorted(summaries, key=lambda k: (summaries[k].first_logged, k)):  # keys keep their order
            series = self.source.read_metric(source_id, key)
            history = self.source.read_metric_history(source_id, key)
            # A key without a history of its own answers its series: give the copy none either.
            own = None if _same(history, series) else history
            self.target.apply(target_id, WriteBatch(metrics={key: series},
                                                    history={} if own is None else {key: own}))

    def _logs(self, source_id: int, target_id: int) -> None:
        after = 0
        while page := self.source.read_logs(source_id, after_id=after, limit=LOG_PAGE):
            self.target.apply(target_id, WriteBatch(logs=[(line.time, line.stream, line.line) for line in page]))
            after = page[-1].id

    def _artifacts(self, source_id: int, target_id: int) -> None:
        for artifact in self.source.list_artifacts(source_id):
            opened = self.source.open_artifact(source_id, artifact.path)
            self.target.add_artifact_stream(target_id, artifact.path, opened.reader())

    # -- what hangs off projects and runs --------------------------------------------
    def run_links(self, runs: list[Run]) -> None:
        """Datasets and models each run used or produced (after the models exist)."""
        links = self.source.run_links([r.id for r in runs])
        for source_id, link in links.items():
            target_id = self.run_ids[source_id]
            self.target.log_run_inputs(target_id, link.datasets, link.model_inputs)
            if link.model_outputs:
                self.target.log_run_outputs(target_id, link.model_outputs)

    def logged_models(self) -> int:
        """Logged models with their params, tags, status and files; one already complete is kept."""
        models = self.source.list_logged_models(list(self.project_ids))
        for model in reversed(models):  # oldest first
            files = self.source.logged_model_files(model.id)
            try:
                twin = self.target.get_logged_model(model.id)
                if twin.status == model.status and self.target.logged_model_files(model.id) == files:
                    continue
                self.target.delete_logged_model(model.id)
            except NotFoundError:
                pass
            self.target.create_logged_model(
                self.project_ids[model.project_id], name=model.name, model_type=model.model_type,
                source_run_id=None if model.source_run_id is None else self.run_ids.get(model.source_run_id),
                params=model.params, tags=model.tags, model_id=model.id)
            for file in files:
                opened = self.source.open_logged_model_file(model.id, file.path)
                self.target.add_logged_model_file(model.id, file.path, opened.reader())
            if model.status != "pending":
                self.target.set_logged_model_status(model.id, model.status, message=model.status_message)
        return len(models)

    def view_settings(self) -> None:
        """Dashboards' pinned/hidden/opened things, of projects and of copied runs."""
        for source_id, target_id in self.project_ids.items():
            mapped = [ViewSetting(target_id, None if s.run_id is None else self.run_ids[s.run_id], s.kind, s.name,
                                  s.value)
                      for s in self.source.view_settings(source_id) if s.run_id is None or s.run_id in self.run_ids]
            if mapped:
                self.target.set_view_settings(mapped)

    def tokens(self) -> int:
        """API tokens: their hashes (the secrets were never kept), so every client keeps working."""
        records = self.source.token_records()
        for token, secret_hash in records:
            self.target.keep_token(token, secret_hash)
        return len(records)

    def hub(self) -> int:
        """ExperimentHub experiments and model provenance (queued messages are transient: not copied)."""
        if not isinstance(self.source, HubStore) or not isinstance(self.target, HubStore):
            return 0
        experiments = self.source.hub_list_experiments()
        for exp in experiments:
            try:
                self.target.hub_create_experiment(exp.name, tenant=exp.tenant, type=exp.type, config=exp.config,
                                                  state=exp.state)
            except ConflictError:
                self.target.hub_update_experiment(exp.name, tenant=exp.tenant, config=exp.config, state=exp.state)
        for source_id, target_id in self.run_ids.items():
            try:
                model = self.source.hub_get_model(source_id)
            except NotFoundError:
                continue
            self.target.hub_record_model(target_id, tenant=model.tenant, experiment=model.experiment,
                                         files=model.files)
        return len(experiments)


def _same(a: MetricColumns, b: MetricColumns) -> bool:
    """Equal steps, times and values (NaN equal to NaN)."""
    return (len(a) == len(b) and np.array_equal(a.steps, b.steps) and np.array_equal(a.times, b.times)
            and np.array_equal(a.values, b.values, equal_nan=True))

