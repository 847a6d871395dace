"""runyard records -> MLflow's JSON messages (Experiment, Run, RunInfo, Metric), as the client parses them.

Times are integer milliseconds; non-finite metric values travel as "NaN", "Infinity" and
"-Infinity" (protobuf's JSON spelling, which the client parses back into floats).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson

from runyard.server.mlflow.ids import experiment_id
from runyard.server.mlflow.tags import USER, experiment_tags, is_deleted, mlflow_tags
from runyard.store import MetricSummary, Project, Run
from runyard.store.logged_models import RunLinks

# runyard status -> MLflow RunStatus (a crashed run shows as FAILED).
STATUS_OUT = {"running": "RUNNING", "finished": "FINISHED", "failed": "FAILED", "crashed": "FAILED", "killed": "KILLED"}
# MLflow RunStatus -> runyard status (SCHEDULED: runyard has no such state; the run counts as running).
STATUS_IN = {"RUNNING": "running", "SCHEDULED": "running", "FINISHED": "finished", "FAILED": "failed",
             "KILLED": "killed"}


def ms(seconds: float | None) -> int | None:
    """Epoch seconds -> integer milliseconds."""
    return None if seconds is None else round(seconds * 1000)


def number(value: float) -> float | str:
    """A metric value as MLflow's JSON spells it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def param_text(value: Any) -> str:
    """A param as MLflow's string (params set by the SDK may be numbers, booleans or objects)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) or value is None:
        return str(value)
    return orjson.dumps(value).decode()


def key_values(values: Mapping[str, Any]) -> list[dict[str, str]]:
    """`[{"key", "value"}]`, ordered by key."""
    return [{"key": key, "value": param_text(values[key])} for key in sorted(values)]


def experiment_json(project: Project, tags: Mapping[str, str]) -> dict[str, Any]:
    """An MLflow Experiment."""
    ref = experiment_id(project)
    return {
        "experiment_id": ref, "name": project.name,
        "artifact_location": project.artifact_location or f"mlflow-artifacts:/{ref}",
        "lifecycle_stage": project.lifecycle, "creation_time": ms(project.created_at),
        "last_update_time": ms(project.updated_at), "tags": key_values(experiment_tags(project, tags)),
    }


def artifact_uri(project: Project, run: Run) -> str:
    """Where the client puts the run's artifacts: the server's artifact routes (mlflow-artifacts:)."""
    return f"mlflow-artifacts:/{experiment_id(project)}/{run.uid}/artifacts"


def run_info_json(project: Project, run: Run, values: Mapping[str, str]) -> dict[str, Any]:
    """An MLflow RunInfo; `values` are the run's key-value tags."""
    tags = mlflow_tags(run, values)
    info: dict[str, Any] = {
        "run_id": run.uid, "run_uuid": run.uid, "run_name": tags.get("mlflow.runName", run.name),
        "experiment_id": experiment_id(project), "user_id": values.get(USER, ""),
        "status": STATUS_OUT.get(run.status, "RUNNING"), "start_time": ms(run.start_time),
        "artifact_uri": artifact_uri(project, run),
        "lifecycle_stage": "deleted" if is_deleted(values) else "active",
    }
    if run.end_time is not None:
        info["end_time"] = ms(run.end_time)
    return info


def latest_metrics(summaries: Mapping[str, MetricSummary]) -> list[dict[str, Any]]:
    """Each key's latest point (MLflow: the highest step, then the latest time)."""
    return [{"key": key, "value": number(s.last_value), "timestamp": ms(s.last_time), "step": s.last_step}
            for key, s in sorted(summaries.items())]


def run_json(project: Project, run: Run, values: Mapping[str, str],
             summaries: Mapping[str, MetricSummary], links: RunLinks | None = None) -> dict[str, Any]:
    """An MLflow Run: info, data (latest metrics, params as strings, tags), inputs and outputs."""
    return {
        "info": run_info_json(project, run, values),
        "data": {"metrics": latest_metrics(summaries), "params": key_values(run.params),
                 "tags": key_values(mlflow_tags(run, values))},
        **links_json(links),
    }


def links_json(links: RunLinks | None) -> dict[str, Any]:
    """A Run's `inputs` (datasets with their tags, models used) and `outputs` (models produced, with the step)."""
    inputs: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    if links is None:
        return {"inputs": inputs, "outputs": outputs}
    if links.datasets:
        inputs["dataset_inputs"] = [
            {"tags": [{"key": key, "value": value} for key, value in item.tags],
             "dataset": {"name": item.name, "digest": item.digest, "source_type": item.source_type,
                         "source": item.source, "schema": item.schema, "profile": item.profile}}
            for item in links.datasets]
    if links.model_inputs:
        inputs["model_inputs"] = [{"model_id": model_id} for model_id in links.model_inputs]
    if links.model_outputs:
        outputs["model_outputs"] = [{"model_id": model_id, "step": step} for model_id, step in links.model_outputs]
    return {"inputs": inputs, "outputs": outputs}
