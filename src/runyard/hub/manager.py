"""The hub's experiments: an in-memory index backed by the store, and the jobs that train them.

Every training, retraining and prediction is a runyard run of the project named after the
hub experiment, created here (so its id is known at once) and carried out by a worker
process (`worker.py`) that can be stopped for real. One job per experiment at a time, and
at most `hub_max_jobs` per server and `hub_max_jobs_per_tenant` per tenant (`limits.py`).
Experiments are keyed by (tenant, name): two tenants may each have a `sales`, and neither can
tell that the other's exists. State changes are written to the store as they happen, so a
restarted server finds every experiment, its config, and the run that holds its model.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from runyard import access
from runyard.errors import ConflictError, InvalidInputError, RunyardError
from runyard.hub import records
from runyard.hub.errors import HubTimeoutError, HubUnavailableError, UntrustedModelError
from runyard.hub.experiment import BUSY, JOB_STATUS, HubExperiment
from runyard.hub.limits import check_capacity, check_rows
from runyard.hub.name_rules import check_name
from runyard.hub.queues import DataQueue
from runyard.hub.running import JobRunner
from runyard.hub.types.base import ConfigError, ExperimentType
from runyard.settings import Settings
from runyard.store import Store
from runyard.store.hub_store import hub_store

__all__ = ["BUSY", "JOB_STATUS", "HubExperiment", "HubManager", "TypeMap"]
TypeMap = dict[str, type[ExperimentType]]


class HubManager(JobRunner):
    """Creates, trains, stops, predicts with and forgets hub experiments; thread-safe."""

    def __init__(self, settings: Settings, store: Store, queue: DataQueue,
                 types: Callable[[], TypeMap]) -> None:
        super().__init__(settings, store, queue)
        self._load_types = types
        self._types: TypeMap | None = None

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
        for record in hub_store(self.store).hub_list_experiments():
            exp = HubExperiment(record.name, record.tenant, record.type, dict(record.config), dict(record.state))
            if exp.state.get("status") in BUSY:
                job = exp.state.get("job") or "training"
                self._end_run(exp.state.get("run"), "crashed")
                exp.state.update(status="failed", job=None,
                                 error=f"runyard stopped during the {job}; its run was marked crashed")
                self._persist(exp)
            self.workspace.adopt_legacy(exp.tenant, exp.name)
            self._experiments[exp.key] = exp

    def find(self, tenant: str, name: str) -> HubExperiment | None:
        """The tenant's experiment of that name, if any."""
        with self._lock:
            return self._experiments.get((tenant, name))

    def get(self, tenant: str, name: str) -> HubExperiment:
        """The caller's experiment; 404 for unknown names (other tenants' names are unknown)."""
        exp = self.find(tenant, name)
        if exp is None:
            raise access.missing(access.Kind.HUB_EXPERIMENT, name)
        return exp

    def experiments(self, tenant: str) -> list[HubExperiment]:
        """The tenant's experiments, in creation order."""
        with self._lock:
            return access.visible(self._experiments.values(), tenant)

    def register(self, tenant: str, name: str, type_name: str, config: dict[str, Any]) -> HubExperiment:
        """Record a new experiment (lock held by the caller); 409 when the tenant has that name."""
        self._check_open()
        if (tenant, name) in self._experiments:
            raise ConflictError(f"experiment {name!r} already exists")
        hub_store(self.store).hub_create_experiment(name, tenant=tenant, type=type_name, config=config,
                                         state={"status": "created"})
        exp = HubExperiment(name, tenant, type_name, config, {"status": "created"})
        self._experiments[exp.key] = exp
        self.workspace.remove(tenant, name)  # leftovers of a deleted namesake
        return exp

    def is_current(self, exp: HubExperiment | None, tenant: str, name: str) -> bool:
        """Whether `exp` is (still) what the tenant's name stands for."""
        with self._lock:
            return self._experiments.get((tenant, name)) is exp

    # -- lifecycle -------------------------------------------------------------------
    def create(self, tenant: str, name: str, type_name: str, config: Any, reserved: Iterable[str]) -> None:
        """Register the experiment and start training it on the data waiting in its queue."""
        check_name(name, reserved)
        cls = self.type_class(type_name)
        normalized = self.validate(cls, config)
        with self._lock:
            if (tenant, name) not in self._experiments:  # a taken name is a 409 even when busy
                check_capacity(self._experiments.values(), tenant, self.settings)  # before anything is made
            exp = self.register(tenant, name, type_name, normalized)
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
        if frame is not None:
            check_rows(len(frame), len(frame.columns), self.settings, "the prediction input")
        deadline = time.monotonic() + self.settings.hub_wait_s
        while True:
            self.wait_idle(exp, deadline)
            with self._lock:
                if self._experiments.get(exp.key) is not exp:
                    raise access.missing(access.Kind.HUB_EXPERIMENT, name)
                if exp.active is None:
                    self._require_model(exp)
                    self._check_trusted(exp)
                    active = self._start(exp, "predict", frame)
                    break
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
            if kind == "UntrustedModelError":
                raise UntrustedModelError(error)
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
            if self._experiments.get(exp.key) is not exp:
                raise access.missing(access.Kind.HUB_EXPERIMENT, name)
            hub_store(self.store).hub_delete_experiment(name, tenant=tenant)
            del self._experiments[exp.key]
            self.workspace.remove(tenant, name)

    def stop_all(self) -> None:
        """Stop every job and refuse new ones (the app's shutdown hook)."""
        with self._lock:
            self._closed = True
            actives = [exp.active for exp in self._experiments.values() if exp.active is not None]
        for active in actives:
            self._stop(active)
