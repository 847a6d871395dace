"""The process a training or prediction runs in: one runyard run per job.

Started by `jobs.JobProcess` with the spawn context. It resumes the run the manager created
(so its id is known before the process starts), logs params, metrics, console output,
the model folder, the training data and the Plotly figures as artifacts through the SDK
in local mode, and ends the run `finished`, `failed` or `killed`. The outcome also goes to
a small JSON file the manager reads. Only the experiment type's class (resolved by the
manager from registered types) runs user code.
"""

from __future__ import annotations

import importlib
import os
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runyard import jsonenc
from runyard.hub.provenance import MANIFEST, MODEL_DIR

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from runyard.hub.types.base import ExperimentType
    from runyard.sdk.run import Run
    from runyard.store import Store

TRAIN_DATA = "data/train.json"
PREDICTION = "prediction.json"


@dataclass(frozen=True, slots=True)
class Job:
    """What one worker process does; plain data, so it pickles for the spawn context."""

    kind: str  # "train", "retrain" or "predict"
    data_dir: str
    tenant: str
    experiment: str
    run_uid: str
    type_name: str
    type_ref: str  # "module:Class" of the registered type, resolved by the manager
    config: dict[str, Any]
    result_path: str
    data_path: str | None = None  # training data, or new input for predict
    model_run: str | None = None  # predict: the run whose model/ artifacts are loaded
    plots: tuple[str, ...] = ()
    eda_plots: tuple[str, ...] = ()
    parent_pid: int = field(default_factory=os.getpid)
    parent_grace_s: float = 10.0


def figure_json(figure: Any) -> bytes:
    """A Plotly figure (dict, or a plotly object) as JSON; numpy and timestamps encoded."""
    if hasattr(figure, "to_plotly_json"):
        figure = figure.to_plotly_json()
    return jsonenc.dumps(figure, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "to_plotly_json"):
        return value.to_plotly_json()
    return str(value)


def load_type(type_ref: str) -> type[ExperimentType]:
    """The class named by "module:Qualified.Name"."""
    module_name, _, qualname = type_ref.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found  # type: ignore[no-any-return]


def main(job: Job, stop: Event) -> None:
    """Entry point of the worker process."""
    threading.Thread(target=_watch_parent, args=(job, stop), name="runyard-hub-parent", daemon=True).start()
    outcome = _run(job, stop)
    tmp = Path(job.result_path + ".tmp")
    tmp.write_bytes(jsonenc.dumps(outcome))
    os.replace(tmp, job.result_path)


def _watch_parent(job: Job, stop: Event) -> None:
    """runyard gone: stop as asked, then for good, so no training outlives its server."""
    while os.getppid() == job.parent_pid:
        time.sleep(0.5)
    stop.set()
    time.sleep(job.parent_grace_s)
    os.kill(os.getpid(), signal.SIGTERM)  # the SDK ends the run `killed` on SIGTERM


def _open_run(job: Job) -> tuple[Run, Store]:
    from runyard.sdk.local_sink import LocalSink
    from runyard.sdk.run import Run
    from runyard.sdk.sink import RunSpec
    from runyard.sdk.system_info import process_identity
    from runyard.store.opening import open_run

    sink = LocalSink(Path(job.data_dir))
    host, pid, started = process_identity()
    spec = RunSpec(project=job.experiment, resume=job.run_uid, host=host, pid=pid, pid_started_at=started)
    try:
        handle = open_run(sink.store, spec, job.tenant)
    except BaseException:
        sink.close()
        raise
    run = Run(sink, handle, Path(job.data_dir), heartbeat_interval=5.0)
    run._start()
    return run, sink.store


def _run(job: Job, stop: Event) -> dict[str, Any]:
    from runyard.hub.errors import UntrustedModelError
    from runyard.hub.types.base import ConfigError, DataError, NotTrainedError, TrainingStopped

    try:
        run, store = _open_run(job)
    except Exception as exc:
        return {"status": "failed", "error": f"cannot open run {job.run_uid}: {exc}"}
    outcome: dict[str, Any]
    try:
        with tempfile.TemporaryDirectory(prefix="runyard-hub-") as scratch:
            if job.kind == "predict":
                outcome = _predict(job, run, store, Path(scratch))
            else:
                outcome = _train(job, run, store, stop, Path(scratch))
    except TrainingStopped:
        outcome = {"status": "killed", "error": "stopped on request"}
    except (ConfigError, DataError, NotTrainedError, UntrustedModelError) as exc:
        print(f"{job.kind} failed: {type(exc).__name__}: {exc}")
        outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                   "error_type": type(exc).__name__}
    except Exception as exc:
        traceback.print_exc()  # captured into the run's console log
        outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "error_type": "error"}
    run.finish(outcome["status"])
    return outcome


def _train(job: Job, run: Run, store: Store, stop: Event, scratch: Path) -> dict[str, Any]:
    from runyard.hub.records import read_frame

    cls = load_type(job.type_ref)
    model = cls(job.config)
    assert job.data_path is not None
    data = read_frame(Path(job.data_path))
    run.log_params({**model.params(), "hub.type": job.type_name, "hub.kind": job.kind, "hub.rows": len(data)})
    run.log_artifact(job.data_path, TRAIN_DATA)
    print(f"{job.kind}: {job.type_name} on {len(data)} rows")

    def report(metrics: Mapping[str, float], step: int) -> None:
        run.log(dict(metrics), step=step)

    final = model.train(data, report, stop.is_set)
    if stop.is_set():
        raise _stopped()
    if final:
        run.log({f"final/{key}": value for key, value in final.items()})
    plots = _save_state(job, run, store, model, scratch)
    eda = _figures(run, store, "eda", job.eda_plots, lambda name: model.eda_plot(name, data))
    return {"status": "finished", "metrics": dict(final or {}), "plots": plots, "eda_plots": eda}


def _stopped() -> Exception:
    from runyard.hub.types.base import TrainingStopped

    return TrainingStopped("stopped on request")


def _predict(job: Job, run: Run, store: Store, scratch: Path) -> dict[str, Any]:
    from runyard.hub.records import read_frame

    cls = load_type(job.type_ref)
    assert job.model_run is not None
    from runyard.hub import provenance

    # Checked here again, on the copies the type is about to unpickle: the artifacts could have
    # been overwritten since the manager checked them.
    folder = provenance.restore(store, store.get_run_by_uid(job.model_run), job.tenant, scratch / "restored")
    model = cls.load(folder, job.config)
    data = read_frame(Path(job.data_path)) if job.data_path else None
    run.log_params({"hub.type": job.type_name, "hub.kind": "predict", "hub.model_run": job.model_run,
                    "hub.input_rows": 0 if data is None else len(data)})
    prediction = model.predict(data)
    run.log({"prediction_rows": float(len(prediction))}, step=0)
    store.add_artifact_bytes(run.id, PREDICTION,
                             str(prediction.to_json(orient="records", date_format="iso")).encode())
    plots = _save_state(job, run, store, model, scratch)
    return {"status": "finished", "metrics": {}, "plots": plots, "eda_plots": []}


def _save_state(job: Job, run: Run, store: Store, model: ExperimentType, scratch: Path) -> list[str]:
    """The model folder and manifest as artifacts (what `load` restores) with their provenance
    record (the hashes of the bytes written here), then the model plots."""
    from runyard.hub import provenance

    folder = scratch / MODEL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder)
    hashes = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        saved = store.add_artifact(run.id, path, f"{MODEL_DIR}/{path.relative_to(folder).as_posix()}")
        hashes[saved.path] = saved.sha256
    manifest = {"experiment": job.experiment, "type": job.type_name, "config": job.config, "kind": job.kind}
    hashes[MANIFEST] = store.add_artifact_bytes(run.id, MANIFEST, jsonenc.dumps(manifest)).sha256
    provenance.record(store, run.id, job.tenant, job.experiment, hashes)
    return _figures(run, store, "plots", job.plots, model.plot)


def _figures(run: Run, store: Store, folder: str, names: tuple[str, ...], make: Any) -> list[str]:
    """Every figure that can be drawn now, as `folder/name.json`; the others are skipped."""
    made = []
    for name in names:
        try:
            figure = make(name)
        except Exception as exc:  # e.g. a forecast plot before any prediction
            print(f"figure {folder}/{name} skipped: {type(exc).__name__}: {exc}")
            continue
        store.add_artifact_bytes(run.id, f"{folder}/{name}.json", figure_json(figure))
        made.append(name)
    return made
