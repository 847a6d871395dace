"""Save and load: which run's artifacts hold an experiment's model, and restoring from one.

A run made by a hub job carries `hub.json` (experiment, type, config), the `model/` folder,
its training data and its figures. `load` points the experiment at such a run (its own
last saved one, or any of the tenant's by uid or id), and can bring back an experiment
that was deleted or never created on this server, from the run alone. Only runs whose model
a hub job of the same tenant wrote, unchanged since, are accepted (`provenance.py`): a
model is a pickle, and loading one is running its code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from runyard import access, lookup
from runyard.errors import ConflictError, InvalidInputError
from runyard.hub import provenance
from runyard.hub.manager import HubManager
from runyard.hub.name_rules import check_name
from runyard.hub.worker import TRAIN_DATA
from runyard.store import Run


def find_run(manager: HubManager, tenant: str, ref: str) -> Run:
    """A run of the tenant by uid, `project/name` or integer id (`runyard.lookup`); 404 otherwise."""
    return lookup.run_by_ref(manager.store, ref, tenant).run


def manifest(manager: HubManager, run: Run, tenant: str) -> dict[str, Any]:
    """The run's hub manifest, its model files checked against what the hub wrote; 403 otherwise."""
    try:
        return provenance.check(manager.store, run, tenant)
    except (OSError, orjson.JSONDecodeError):
        raise InvalidInputError(f"run {run.uid} holds no readable hub model") from None


def load(manager: HubManager, tenant: str, name: str, ref: str | None, reserved: Iterable[str]) -> str:
    """Restore the model, config and training data of a run; returns the run's uid."""
    exp = manager.find(tenant, name)
    if ref is None:
        if exp is None:
            raise access.missing(access.Kind.HUB_EXPERIMENT, name)
        uid = exp.state.get("saved_run") or exp.state.get("model_run")
        if not uid:
            raise ConflictError(f"experiment {name!r} has nothing saved to load: train it first")
        ref = str(uid)
    run = find_run(manager, tenant, ref)
    found = manifest(manager, run, tenant)
    type_name = str(found.get("type", ""))
    cls = manager.type_class(type_name)
    config = manager.validate(cls, found.get("config", {}))
    artifacts = {item.path for item in manager.store.list_artifacts(run.id)}
    with manager._lock:
        if not manager.is_current(exp, tenant, name):
            raise ConflictError(f"experiment {name!r} changed meanwhile; try again")
        if exp is None:
            check_name(name, reserved)
            exp = manager.register(tenant, name, type_name, config)
        else:
            manager._check_idle(exp)
            if exp.type != type_name:
                raise InvalidInputError(f"run {run.uid} was made by type {type_name!r}; experiment "
                                        f"{name!r} is of type {exp.type!r}")
        if TRAIN_DATA in artifacts:
            target = manager.workspace.data_path(tenant, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            manager.store.open_artifact(run.id, TRAIN_DATA).save_as(target)
        has_eda = any(path.startswith("eda/") for path in artifacts)
        exp.config = config
        exp.state.update(status="trained", job=None, run=run.uid, model_run=run.uid, plots_run=run.uid,
                         error=None, loaded_run=run.uid)
        if has_eda:
            exp.state["eda_run"] = run.uid
        manager._persist(exp, config=True)
    return run.uid


def save(manager: HubManager, tenant: str, name: str) -> str:
    """Mark the current model's run as the one `load` restores (tagged `saved`); returns its uid."""
    exp = manager.get(tenant, name)
    with manager._lock:
        manager._require_model(exp)
        uid = str(exp.state["model_run"])
        run = manager.store.get_run_by_uid(uid)
        if "saved" not in run.tags:
            manager.store.update_run(run.id, tags=[*run.tags, "saved"])
        exp.state["saved_run"] = uid
        manager._persist(exp)
    return uid
