"""The hub's experiments: an in-memory index backed by the store, and the jobs that train them.

Every training, retraining and prediction is a runyard run of the project named after the
hub experiment, created here (so its id is known at once) and carried out by a worker
process (`worker.py`) that can be stopped for real. One job per experiment at a time.
State changes are written to the store as they happen, so a restarted server finds every
experiment, its config, and the run that holds its model.
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runyard.errors import ConflictError, InvalidInputError, NotFoundError, RunyardError
from runyard.hub import records
from runyard.hub.errors import HubTimeoutError, HubUnavailableError
from runyard.hub.intake import gather
from runyard.hub.jobs import ActiveJob, JobProcess
from runyard.hub.names import check_name
from runyard.hub.queues import DataQueue
from runyard.hub.types.base import ConfigError, ExperimentType
from runyard.hub.worker import Job
from runyard.hub.workspace import Workspace
from runyard.settings import Settings
from runyard.store import Store

log = logging.getLogger("runyard.hub")
TypeMap = dict[str, type[ExperimentType]]
JOB_STATUS = {"train": "training", "retrain": "training", "predict": "predicting"}
BUSY = ("training", "predicting")


@dataclass(eq=False)
class HubExperiment:
    """One hub experiment; `state` is what the store keeps besides type and config."""

    name: str
    tenant: str
    type: str
    config: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)
    active: ActiveJob | None = None


class HubManager:
    """Creates, trains, stops, predicts with and forgets hub experiments; thread-safe."""

    def __init__(self, settings: Settings, store: Store, queue: DataQueue,
                 types: Callable[[], TypeMap]) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.workspace = Workspace(settings.data_dir)
        self._load_types = types
        self._types: TypeMap | None = None
        self._lock = threading.RLock()
        self._experiments: dict[str, HubExperiment] = {}
        self._closed = False

    # -- types -----------------------------------------------------------------------
    def types(self) -> TypeMap:
        """The registered experiment types (loaded once)."""
        if self._types is None:
            self._types = dict(self._load_types())
        return self._types

    def type_class(self, name: str) -> type[ExperimentType]:
        """A registered type; 400 `Unknown experiment type: ...` otherwise."""
        found = self.types().get(name)
        if found is None:
            known = ", ".join(sorted(self.types())) or "none installed"
            raise InvalidInputError(f"Unknown experiment type: {name} (available: {known})")
        missing = [module for module in found.requires if importlib.util.find_spec(module) is None]
        if missing:
            raise HubUnavailableError(f"experiment type {name!r} needs {', '.join(missing)}: "
                                      "pip install 'runyard[hub]'")
        return found

    def validate(self, cls: type[ExperimentType], config: Any) -> dict[str, Any]:
        """The type's normalized config; 400 naming the bad field."""
        if not isinstance(config, Mapping):
            raise InvalidInputError("config must be a JSON object")
        try:
            return cls.validate(config)
        except ConfigError as exc:
            raise InvalidInputError(f"invalid config: field '{exc.field}': {exc.message}") from None
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidInputError(f"invalid config: {exc}") from None

    # -- the index -------------------------------------------------------------------
    def recover(self) -> None:
        """Load persisted experiments; a job cut short by a server stop is recorded as failed."""
        for record in self.store.hub_list_experiments():
            exp = HubExperiment(record.name, record.tenant, record.type, dict(record.config), dict(record.state))
            if exp.state.get("status") in BUSY:
                job = exp.state.get("job") or "training"
                self._end_run(exp.state.get("run"), "crashed")
                exp.state.update(status="failed", job=None,
                                 error=f"runyard stopped during the {job}; its run was marked crashed")
                self._persist(exp)
            self._experiments[exp.name] = exp

    def get(self, tenant: str, name: str) -> HubExperiment:
        """The caller's experiment; 404 for unknown names and other tenants' experiments."""
        with self._lock:
            exp = self._experiments.get(name)
        if exp is None or exp.tenant != tenant:
            raise NotFoundError(f"experiment {name!r} not found")
        return exp

    def experiments(self, tenant: str) -> list[HubExperiment]:
        """The tenant's experiments, in creation order."""
        with self._lock:
            return [exp for exp in self._experiments.values() if exp.tenant == tenant]

    def check_free(self, tenant: str, name: str) -> None:
        """404 when the name belongs to another tenant's experiment (queues are per name)."""
        with self._lock:
            exp = self._experiments.get(name)
        if exp is not None and exp.tenant != tenant:
            raise NotFoundError(f"experiment {name!r} not found")

    def _persist(self, exp: HubExperiment, config: bool = False) -> None:
        self.store.hub_update_experiment(exp.name, state=exp.state, config=exp.config if config else None)

    # -- lifecycle -------------------------------------------------------------------
    def create(self, tenant: str, name: str, type_name: str, config: Any, reserved: Iterable[str]) -> None:
        """Register the experiment and start training it on the data waiting in its queue."""
        check_name(name, reserved)
        cls = self.type_class(type_name)
        normalized = self.validate(cls, config)
        with self._lock:
            self._check_open()
            if name in self._experiments:
                raise ConflictError(f"experiment {name!r} already exists")
            self.store.hub_create_experiment(name, tenant=tenant, type=type_name, config=normalized,
                                             state={"status": "created"})
            exp = HubExperiment(name, tenant, type_name, normalized, {"status": "created"})
            self._experiments[name] = exp
            self.workspace.remove(name)  # leftovers of a deleted namesake
            self._start(exp, "train")

    def train(self, tenant: str, name: str, config: Any | None) -> None:
        """Train (again) with a new config, or the current one when none is sent."""
        exp = self.get(tenant, name)
        normalized = None if config is None else self.validate(self.type_class(exp.type), config)
        with self._lock:
            self._check_idle(exp)
            if normalized is not None:
                exp.config = normalized
                self._persist(exp, config=True)
            self._start(exp, "train")

    def retrain(self, tenant: str, name: str) -> None:
        """Train the trained or loaded model's config on its data plus what waits in the queue."""
        exp = self.get(tenant, name)
        with self._lock:
            self._check_idle(exp)
            self._require_model(exp)
            self._start(exp, "retrain")

    def predict(self, tenant: str, name: str, payload: bytes | None) -> str:
        """Predict with the model (after a training in progress ends); returns the run uid."""
        exp = self.get(tenant, name)
        frame = records.decode(payload) if payload else None
        deadline = time.monotonic() + self.settings.hub_wait_s
        while True:
            with self._lock:
                if self._experiments.get(name) is not exp:
                    raise NotFoundError(f"experiment {name!r} not found")
                current = exp.active
                if current is None:
                    self._require_model(exp)
                    active = self._start(exp, "predict", frame)
                    break
            if not current.done.wait(max(0.0, deadline - time.monotonic())):
                raise HubTimeoutError(f"experiment {name!r} is still {JOB_STATUS[current.kind]} after "
                                      f"{self.settings.hub_wait_s:g} s; try again later")
        if not active.done.wait(max(1.0, deadline - time.monotonic())):
            self._stop(active)
            raise HubTimeoutError(f"the prediction of {name!r} took longer than {self.settings.hub_wait_s:g} s "
                                  f"and was stopped (run {active.run_uid})")
        outcome = active.outcome
        if outcome.get("status") != "finished":
            error = f"prediction failed (run {active.run_uid}): {outcome.get('error', 'unknown error')}"
            kind = outcome.get("error_type")
            if kind in ("DataError", "ConfigError"):
                raise InvalidInputError(error)
            if kind == "NotTrainedError":
                raise ConflictError(error)
            raise RunyardError(error)
        return active.run_uid

    def stop_training(self, tenant: str, name: str) -> bool:
        """Stop a training or retraining for real; False when none was running."""
        exp = self.get(tenant, name)
        with self._lock:
            active = exp.active
            if active is None or active.kind == "predict":
                return False
        self._stop(active)
        return True

    def delete(self, tenant: str, name: str) -> None:
        """Stop its job and forget the experiment; its runyard project and runs stay."""
        exp = self.get(tenant, name)
        with self._lock:
            active = exp.active
        if active is not None:
            self._stop(active)
        with self._lock:
            if self._experiments.get(name) is not exp:
                raise NotFoundError(f"experiment {name!r} not found")
            self.store.hub_delete_experiment(name)
            del self._experiments[name]
            self.workspace.remove(name)

    def stop_all(self) -> None:
        """Stop every job and refuse new ones (the app's shutdown hook)."""
        with self._lock:
            self._closed = True
            actives = [exp.active for exp in self._experiments.values() if exp.active is not None]
        for active in actives:
            self._stop(active)

    # -- jobs ------------------------------------------------------------------------
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

    def _start(self, exp: HubExperiment, kind: str, frame: Any = None) -> ActiveJob:
        """Create the job's run and its thread (lock held)."""
        self._check_idle(exp)
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
                path = self.workspace.job_path(exp.name, active.run_uid, "-input.json")
                records.write_frame(frame, path)
                data_path = str(path)
        else:
            data_path = gather(self.queue, self.workspace, exp.name, append=active.kind == "retrain")
        return Job(kind=active.kind, data_dir=str(self.settings.data_dir), tenant=exp.tenant,
                   experiment=exp.name, run_uid=active.run_uid, type_name=exp.type,
                   type_ref=f"{cls.__module__}:{cls.__qualname__}", config=exp.config,
                   result_path=str(self.workspace.job_path(exp.name, active.run_uid, ".json")),
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
                state = exp.state
                if status == "finished":
                    state.update(status="trained", model_run=active.run_uid, plots_run=active.run_uid, error=None)
                    if active.kind != "predict":
                        state.update(eda_run=active.run_uid, metrics=outcome.get("metrics", {}))
                elif active.kind == "predict":
                    # A failed prediction leaves the model as it was: still trained, still usable.
                    state.update(status="trained" if state.get("model_run") else "failed",
                                 error=f"prediction {status}: {outcome.get('error', '')}".rstrip(": "))
                elif status == "killed":
                    state.update(status="stopped", error=f"the {active.kind} was stopped (run {active.run_uid})")
                else:
                    state.update(status="failed", error=str(outcome.get("error", "failed")))
                state["job"] = None
                if self._experiments.get(exp.name) is exp:
                    self._persist(exp)
        except Exception:
            log.exception("hub %s: could not record the end of run %s", exp.name, active.run_uid)
        finally:
            with self._lock:
                if exp.active is active:
                    exp.active = None
            active.outcome = outcome
            active.done.set()
