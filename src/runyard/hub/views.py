"""What the hub's read routes answer: figures, training data, listings, ids, data in and out."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from runyard.errors import InvalidInputError, NotFoundError
from runyard.hub import records
from runyard.hub.limits import check_rows
from runyard.hub.manager import HubExperiment, HubManager
from runyard.hub.name_rules import check_name


def available(manager: HubManager) -> dict[str, dict[str, Any]]:
    """`{type: {"module", "class", "plots", "eda_plots"}}` of every registered type."""
    return {name: {"module": cls.__module__, "class": cls.__name__, "plots": list(cls.plots),
                   "eda_plots": list(cls.eda_plots)} for name, cls in sorted(manager.types().items())}


def _figure_names(manager: HubManager, exp: HubExperiment) -> tuple[list[str], list[str]]:
    cls = manager.types().get(exp.type)
    return ([], []) if cls is None else (list(cls.plots), list(cls.eda_plots))


def _drawn(manager: HubManager, uid: Any, folder: str, names: list[str]) -> list[str]:
    """The figures of `names` stored in run `uid`'s `folder/`, in the type's order."""
    if not uid:
        return []
    try:
        run = manager.store.get_run_by_uid(str(uid))
    except NotFoundError:
        return []
    stored = {item.path for item in manager.store.list_artifacts(run.id)}
    return [name for name in names if f"{folder}/{name}.json" in stored]


def catalog(manager: HubManager, tenant: str) -> dict[str, list[list[str]]]:
    """`{name: [plot names, EDA plot names]}` of the tenant's experiments: only figures that
    GET /{name}/plot/... can answer now (a forecast plot, for one, needs a prediction first)."""
    found = {}
    for exp in manager.experiments(tenant):
        plots, eda_plots = _figure_names(manager, exp)
        found[exp.name] = [_drawn(manager, exp.state.get("plots_run"), "plots", plots),
                           _drawn(manager, exp.state.get("eda_run"), "eda", eda_plots)]
    return found


def figure_json(manager: HubManager, tenant: str, name: str, plot: str, eda: bool) -> bytes:
    """The stored Plotly JSON of a figure; 404 for an unknown plot or one not drawn yet.

    Like predict, it first waits (up to `hub_wait_s`, then 504) for a training or prediction
    in progress: the figure it will draw is the one asked for.
    """
    exp = manager.get(tenant, name)
    manager.wait_idle(exp, time.monotonic() + manager.settings.hub_wait_s)
    plots, eda_plots = _figure_names(manager, exp)
    known = eda_plots if eda else plots
    kind = "EDA plot" if eda else "plot"
    if plot not in known:
        raise NotFoundError(f"unknown {kind} {plot!r} for experiment {name!r}; "
                            f"its {kind}s: {', '.join(known) or 'none'}")
    uid = exp.state.get("eda_run" if eda else "plots_run")
    folder = "eda" if eda else "plots"
    if uid:
        store = manager.store
        try:
            run = store.get_run_by_uid(str(uid))
            return store.open_artifact(run.id, f"{folder}/{plot}.json").read_bytes()
        except NotFoundError:
            pass
    status = exp.state.get("status")
    if status in ("training", "predicting"):
        why = f"{status} is in progress"
    elif exp.state.get("error"):
        why = str(exp.state["error"])
    elif uid:
        why = "it cannot be drawn from the last run (for some plots, POST /{name}/predict first)"
    else:
        why = "the experiment is not trained yet"
    raise NotFoundError(f"{kind} {plot!r} of experiment {name!r} is not available: {why}")


def train_data(manager: HubManager, tenant: str, name: str) -> bytes:
    """The experiment's training data as a JSON list of records (`[]` before any)."""
    exp = manager.get(tenant, name)
    path = manager.workspace.data_path(exp.tenant, exp.name)
    if not path.exists():
        return b"[]"
    return records.to_records_json(records.read_frame(path))


def status(manager: HubManager, tenant: str, name: str) -> dict[str, Any]:
    """Where the experiment stands: its job, its runs, its last error, what waits in its queue."""
    exp = manager.get(tenant, name)
    state = dict(exp.state)
    keys = ("status", "job", "run", "model_run", "saved_run", "error", "metrics")
    return {"name": exp.name, "type": exp.type, **{key: state.get(key) for key in keys},
            "waiting": manager.queue.size(exp.tenant, exp.name)}


def ids(manager: HubManager, tenant: str, name: str) -> tuple[str, str]:
    """(run uid of the current run, project id) of an experiment; 404 before any run."""
    exp = manager.get(tenant, name)
    uid = exp.state.get("run")
    if not uid:
        raise NotFoundError(f"experiment {name!r} has no run yet")
    run = manager.store.get_run_by_uid(str(uid))
    return run.uid, str(run.project_id)


def publish(manager: HubManager, tenant: str, name: str, payload: bytes, reserved: Iterable[str]) -> dict[str, Any]:
    """Check the data, then queue it for the tenant's experiment's next training (it need not exist
    yet); `queue` is the queue's name in the backend, where other publishers can send to."""
    check_name(name, reserved)
    frame = records.decode(payload)
    if not len(frame):
        raise InvalidInputError("data has no rows")
    check_rows(len(frame), len(frame.columns), manager.settings, "the data")
    manager.queue.publish(tenant, name, [payload])
    return {"queue": manager.queue.address(tenant, name), "backend": manager.queue.backend, "rows": len(frame),
            "waiting": manager.queue.size(tenant, name)}


def flush(manager: HubManager, tenant: str, queue: str) -> int:
    """Drop what waits in the tenant's queue of that name; returns how many messages went."""
    check_name(queue, ())
    return manager.queue.purge(tenant, queue)


def mlops_health(manager: HubManager) -> dict[str, Any]:
    """The `mlops` /health entry: runyard itself is the tracking server."""
    settings = manager.settings
    details: dict[str, Any] = {"backend": "runyard", "uri": f"http://{settings.host}:{settings.port}"}
    try:
        manager.store.last_change_seq()
    except Exception as exc:  # health must answer, whatever broke
        return {"healthy": False, "details": {"status": "error", **details, "error": str(exc)}}
    with manager._lock:
        total = len(manager._experiments)
        busy = sum(1 for exp in manager._experiments.values() if exp.busy)
    return {"healthy": True, "details": {"status": "connected", **details, "experiments": total,
                                         "jobs_running": busy}}
