"""Running an experiment's jobs: the run, the worker process, stopping it, recording its end.

`JobRunner` holds what the manager shares with its jobs (settings, store, queue, workspace,
the index and its lock); `HubManager` adds the experiment lifecycle on top.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

from runyard.errors import ConflictError, RunyardError
from runyard.hub import outcome as outcomes
from runyard.hub import provenance, records
from runyard.hub.errors import HubTimeoutError
from runyard.hub.experiment import JOB_STATUS, HubExperiment
from runyard.hub.intake import gather
from runyard.hub.jobs import ActiveJob, JobProcess
from runyard.hub.limits import check_capacity
from runyard.hub.queues import DataQueue
from runyard.hub.types.base import ExperimentType
from runyard.hub.worker import Job
from runyard.hub.workspace import Workspace
from runyard.settings import Settings
from runyard.store import Store
from runyard.store.hub_store import hub_store

log = logging.getLogger("runyard.hub")


class JobRunner:
    """Starts, stops and records the jobs of hub experiments; thread-safe."""

    def __init__(self, settings: Settings, store: Store, queue: DataQueue) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.workspace = Workspace(settings.data_dir)
        self._lock = threading.RLock()
        self._experiments: dict[tuple[str, str], HubExperiment] = {}
        self._closed = False

    def type_class(self, name: str) -> type[ExperimentType]:
        """A registered type (the manager resolves them)."""
        raise NotImplementedError

    def _persist(self, exp: HubExperiment, config: bool = False) -> None:
        hub_store(self.store).hub_update_experiment(exp.name, tenant=exp.tenant, state=exp.state,
                                         config=exp.config if config else None)

    def wait_idle(self, exp: HubExperiment, deadline: float) -> None:
        """Return once no job of `exp` runs; HubTimeoutError (504) past `deadline` (monotonic)."""
        while True:
            with self._lock:
                current = exp.active
            if current is None:
                return
            if not current.done.wait(max(0.0, deadline - time.monotonic())):
                raise HubTimeoutError(f"experiment {exp.name!r} is still {JOB_STATUS[current.kind]} after "
                                      f"{self.settings.hub_wait_s:g} s; try again later")

    def _check_open(self) -> None:
        if self._closed:
            raise ConflictError("runyard is shutting down")

    def _check_idle(self, exp: HubExperiment) -> None:
        self._check_open()
        if exp.active is not None:
            raise ConflictError(f"experiment {exp.name!r} is busy ({JOB_STATUS[exp.active.kind]}); wait "
                                f"for it to end or POST /{exp.name}/stop_training")

    def _require_model(self, exp: HubExperiment) -> None:
        if not exp.state.get("model_run"):
            why = exp.state.get("error") or "train it, or load a saved run"
            raise ConflictError(f"experiment {exp.name!r} has no trained model: {why}")

    def _check_trusted(self, exp: HubExperiment) -> None:
        """403 unless the model's run holds files a hub job wrote, unchanged (`provenance.py`)."""
        run = self.store.get_run_by_uid(str(exp.state["model_run"]))
        provenance.check(self.store, run, exp.tenant)

    def _start(self, exp: HubExperiment, kind: str, frame: Any = None) -> ActiveJob:
        """Create the job's run and its thread (lock held)."""
        self._check_idle(exp)
        check_capacity(self._experiments.values(), exp.tenant, self.settings)
        project = self.store.get_or_create_project(exp.name, tenant=exp.tenant)
        # pid 0 on this host: no process owns it yet, so the worker may take it over (resume).
        run = self.store.create_run(project.id, tags=["hub", kind], config=exp.config,
                                    params={"hub.type": exp.type, "hub.kind": kind},
                                    host=socket.gethostname(), pid=0)
        active = ActiveJob(kind, run.uid)
        exp.active = active
        exp.state.update(status=JOB_STATUS[kind], job=kind, run=run.uid, error=None)
        self._persist(exp)
        active.thread = threading.Thread(target=self._job, args=(exp, active, frame),
                                         name=f"runyard-hub-{exp.name}", daemon=True)
        active.thread.start()
        return active

    def _job(self, exp: HubExperiment, active: ActiveJob, frame: Any) -> None:
        outcome: dict[str, Any] = {"status": "killed", "error": "stopped on request"}
        try:
            job = self._prepare(exp, active, frame)
            with self._lock:
                if not active.stop_requested and not self._closed:
                    active.process = JobProcess(job)
                    active.process.start()
            if active.process is not None:
                active.process.join()
                outcome = active.process.outcome()
                # The outcome is in the store now (run status, state); the job's files can go.
                for leftover in (job.result_path, job.data_path if job.kind == "predict" else None):
                    if leftover:
                        Path(leftover).unlink(missing_ok=True)
        except RunyardError as exc:
            outcome = {"status": "failed", "error": str(exc)}
        except Exception as exc:
            log.exception("hub job of %s failed", exp.name)
            outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        finally:
            self._finish(exp, active, outcome)

    def _prepare(self, exp: HubExperiment, active: ActiveJob, frame: Any) -> Job:
        """Gather the job's data into files the worker reads."""
        cls = self.type_class(exp.type)
        data_path: str | None = None
        if active.kind == "predict":
            if frame is not None:
                path = self.workspace.job_path(exp.tenant, exp.name, active.run_uid, "-input.json")
                records.write_frame(frame, path)
                data_path = str(path)
        else:
            data_path = gather(self.queue, self.workspace, exp.tenant, exp.name, self.settings,
                               append=active.kind == "retrain")
        return Job(kind=active.kind, data_dir=str(self.settings.data_dir), tenant=exp.tenant,
                   experiment=exp.name, run_uid=active.run_uid, type_name=exp.type,
                   type_ref=f"{cls.__module__}:{cls.__qualname__}", config=exp.config,
                   result_path=str(self.workspace.job_path(exp.tenant, exp.name, active.run_uid, ".json")),
                   data_path=data_path,
                   model_run=exp.state.get("model_run"), plots=tuple(cls.plots),
                   eda_plots=tuple(cls.eda_plots))

    def _stop(self, active: ActiveJob) -> None:
        with self._lock:
            active.stop_requested = True
            process = active.process
        if process is not None:
            process.stop(self.settings.hub_stop_grace_s)
        active.done.wait(self.settings.hub_stop_grace_s * 2 + 30)

    def _end_run(self, uid: str | None, status: str) -> None:
        """Give a run its final status if its process left it running."""
        if not uid:
            return
        try:
            run = self.store.get_run_by_uid(uid)
            if run.status == "running":
                self.store.set_run_status(run.id, status)
        except RunyardError:
            log.warning("could not end hub run %s", uid)

    def _finish(self, exp: HubExperiment, active: ActiveJob, outcome: dict[str, Any]) -> None:
        status = str(outcome.get("status", "crashed"))
        if active.stop_requested and status != "finished":
            status, outcome = "killed", {**outcome, "status": "killed", "error": "stopped on request"}
        try:
            self._end_run(active.run_uid, status)
            with self._lock:
                outcomes.apply(exp.state, active.kind, active.run_uid, status, outcome)
                if self._experiments.get(exp.key) is exp:
                    self._persist(exp)
        except Exception:
            log.exception("hub %s: could not record the end of run %s", exp.name, active.run_uid)
        finally:
            with self._lock:
                if exp.active is active:
                    exp.active = None
            active.outcome = outcome
            active.done.set()
