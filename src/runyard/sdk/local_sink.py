"""Local mode: batches go straight into the store in the data dir, no server involved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runyard.errors import ConflictError, NotFoundError
from runyard.sdk.sink import RunHandle, RunSpec, Sink
from runyard.sdk.system_info import process_alive
from runyard.store import Store, open_store
from runyard.store.models import Artifact, MetricColumns, Project, Run


class LocalSink(Sink):
    """Writes through a `Store` opened on a data dir (SQLite handles concurrent processes)."""

    def __init__(self, data_dir: Path, store: Store | None = None) -> None:
        self.data_dir = data_dir
        self.store = store if store is not None else open_store(data_dir)

    def open_run(self, spec: RunSpec) -> RunHandle:
        """Create the run, or find and resume it."""
        project = self.store.get_or_create_project(spec.project)
        if spec.resume is None or spec.resume is False:
            return self._create(project, spec)
        return self._resume(project, spec)

    def _create(self, project: Project, spec: RunSpec) -> RunHandle:
        try:
            run = self.store.create_run(
                project.id,
                name=spec.name,
                config=spec.config,
                tags=spec.tags,
                notes=spec.notes or "",
                host=spec.host,
                pid=spec.pid,
                pid_started_at=spec.pid_started_at,
            )
        except ConflictError:
            raise ConflictError(
                f"a run named {spec.name!r} already exists in project {project.name!r}; "
                f"pass resume=True to continue it, or choose another name"
            ) from None
        return RunHandle(run.id, run.uid, run.name, project.name, project.id)

    def _resume(self, project: Project, spec: RunSpec) -> RunHandle:
        if spec.resume is True:
            if not spec.name:
                raise ValueError("resume=True needs name= (the run to continue), or pass resume='<uid or name>'")
            target = spec.name
        else:
            target = str(spec.resume)
        run = self._find(project, target)
        if run.status == "running" and run.pid != spec.pid and process_alive(run.host, run.pid, run.pid_started_at):
            raise ConflictError(
                f"run {run.name!r} is still running in process {run.pid} on {run.host}; "
                f"stop it before resuming"
            )
        if spec.name and spec.name != run.name and spec.resume is not True:
            run = self.store.update_run(run.id, name=spec.name)
        self.store.resume_run(run.id, host=spec.host, pid=spec.pid, pid_started_at=spec.pid_started_at)
        tags = list(dict.fromkeys([*run.tags, *spec.tags])) if spec.tags else None
        config = {**run.config, **spec.config} if spec.config else None
        if tags is not None or config is not None:
            self.store.update_run(run.id, tags=tags, config=config)
        if spec.notes is not None:
            self.store.update_run(run.id, notes=spec.notes)
        summaries = self.store.metric_summaries([run.id]).get(run.id, {})
        next_step = max((s.last_step for s in summaries.values()), default=-1) + 1
        return RunHandle(run.id, run.uid, run.name, project.name, project.id, next_step, resumed=True)

    def _find(self, project: Project, target: str) -> Run:
        try:
            run = self.store.get_run_by_uid(target)
        except NotFoundError:
            try:
                return self.store.get_run_by_name(project.id, target)
            except NotFoundError:
                raise NotFoundError(
                    f"cannot resume: no run named {target!r} in project {project.name!r} "
                    f"(and no run with that uid); drop resume= to start a new run"
                ) from None
        if run.project_id != project.id:
            raise ConflictError(f"run {target!r} belongs to another project than {project.name!r}")
        return run

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
    ) -> None:
        """Replace tags, system info or config."""
        self.store.update_run(run_id, tags=tags, system=system, config=config)

    def log_params(self, run_id: int, params: Mapping[str, Any]) -> None:
        """Merge params."""
        self.store.log_params(run_id, params)

    def add_artifact(self, run_id: int, path: Path, name: str | None) -> Artifact:
        """Copy the file under the run's artifact dir."""
        return self.store.add_artifact(run_id, path, name)

    def set_status(self, run_id: int, status: str) -> None:
        """Write the status."""
        self.store.set_run_status(run_id, status)

    def close(self) -> None:
        """Close the store."""
        self.store.close()
