"""Logged models as MLflow's JSON messages (`LoggedModel`); a run's inputs/outputs are `shapes.links_json`."""

from __future__ import annotations

from typing import Any

from runyard.server.mlflow.artifact_paths import model_artifact_uri
from runyard.server.mlflow.shapes import key_values, ms
from runyard.store.logged_models import LoggedModel

# runyard's model status <-> MLflow's LoggedModelStatus (by name; the enum's numbers are accepted in).
STATUS_OUT = {"pending": "LOGGED_MODEL_PENDING", "ready": "LOGGED_MODEL_READY",
              "upload_failed": "LOGGED_MODEL_UPLOAD_FAILED"}
STATUS_IN = {**{name: status for status, name in STATUS_OUT.items()},
             "1": "pending", "2": "ready", "3": "upload_failed"}


def model_attributes(model: LoggedModel, experiment_id: str, source_run: str) -> dict[str, str | float]:
    """What a search filter compares: MLflow's attribute names, timestamps in milliseconds."""
    return {"name": model.name, "model_id": model.id, "model_type": model.model_type,
            "status": STATUS_OUT[model.status], "source_run_id": source_run, "experiment_id": experiment_id,
            "creation_timestamp": float(ms(model.created_at) or 0),
            "last_updated_timestamp": float(ms(model.updated_at) or 0)}


def model_json(model: LoggedModel, experiment_id: str, source_run: str) -> dict[str, Any]:
    """A LoggedModel: info (ids, name, times, artifact URI, status, tags) and data (params; no metrics)."""
    info: dict[str, Any] = {
        "model_id": model.id, "experiment_id": experiment_id, "name": model.name,
        "creation_timestamp_ms": ms(model.created_at), "last_updated_timestamp_ms": ms(model.updated_at),
        "artifact_uri": model_artifact_uri(experiment_id, model.id), "status": STATUS_OUT[model.status],
        "model_type": model.model_type, "tags": key_values(model.tags),
    }
    if source_run:
        info["source_run_id"] = source_run
    if model.status_message:
        info["status_message"] = model.status_message
    return {"info": info, "data": {"params": key_values(model.params)}}
