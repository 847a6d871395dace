"""expman JSON shapes: experiments, runs, summaries and artifacts as expman clients read them.

- times are RFC 3339 strings in UTC with microseconds (`2025-03-21T12:58:06.123456Z`),
  as expman-rs writes its `started_at`; null when unset;
- run status is UPPERCASE (`RUNNING`, `FINISHED`, `FAILED`, `CRASHED`, `KILLED`);
- metric values are numbers, non-finite ones spelled `"NaN"`, `"Infinity"`, `"-Infinity"`;
- a run's `id` is its name (a string: what the URLs take, as expman-rs's web app parses it),
  `run_id` runyard's integer id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from runyard.jsonenc import json_float
from runyard.server.summaries import summary_json as common_summary
from runyard.server.times import iso
from runyard.store import Artifact, MetricSummary, Project, Run

CONFIG_SUMMARY_ITEMS = 32
CONFIG_SUMMARY_TEXT = 200


def experiment_json(project: Project, runs_count: int, last_run_start: float | None) -> dict[str, Any]:
    """A project as an expman experiment: `id` is the name (what the URLs take)."""
    return {
        "id": project.name,
        "name": project.name,
        "display_name": project.name,
        "project_id": project.id,
        "description": project.description,
        "tags": list(project.tags),
        "project": None,  # runyard has no grouping above experiments (see `/api/expman/projects`)
        "runs_count": runs_count,
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
        "last_run_at": iso(last_run_start),
    }


def _leaves(config: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{name}.")
        elif value is None or isinstance(value, bool | int | str):
            yield name, value[:CONFIG_SUMMARY_TEXT] if isinstance(value, str) else value
        elif isinstance(value, float):
            yield name, json_float(value)


def config_summary(config: Mapping[str, Any]) -> dict[str, Any]:
    """The first scalar leaves of a config, nested keys dotted (`optim.lr`); lists left out."""
    summary: dict[str, Any] = {}
    for name, value in _leaves(config):
        if len(summary) == CONFIG_SUMMARY_ITEMS:
            break
        summary[name] = value
    return summary


def latest_values(summaries: Mapping[str, MetricSummary], keys: Sequence[str] | None) -> dict[str, Any]:
    """Latest value per key: every key of the run, or exactly `keys` (null where the run lacks one)."""
    if keys is None:
        return {key: json_float(s.last_value) for key, s in sorted(summaries.items())}
    return {key: json_float(summaries[key].last_value) if key in summaries else None for key in keys}


def run_json(run: Run, experiment: str, summaries: Mapping[str, MetricSummary],
             keys: Sequence[str] | None = None) -> dict[str, Any]:
    """A run as one entry of an expman run list.

    `vectors` holds the latest value of every key (every runyard metric is a per-step series,
    which is what expman calls a vector); `scalars` is empty: runyard records no one-off
    values beside its series. `metrics` is the spec's field: every key, or exactly `keys`.
    """
    duration = None if run.end_time is None else max(run.end_time - run.start_time, 0.0)
    return {
        "name": run.name,
        "uid": run.uid,
        "id": run.name,
        "run_id": run.id,
        "experiment": experiment,
        "status": run.status.upper(),
        "group": None,
        "rank": None,
        "started_at": iso(run.start_time),
        "finished_at": iso(run.end_time),
        "heartbeat_at": iso(run.heartbeat_at) if run.heartbeat_at else None,
        "duration_secs": duration,
        "description": run.description,
        "tags": list(run.tags),
        "language": "python" if "python_version" in run.system else None,
        "env_path": run.system.get("python_executable"),
        "config": config_summary(run.config),
        "metrics": latest_values(summaries, keys),
        "scalars": {},
        "vectors": latest_values(summaries, None),
    }


def summary_json(summary: MetricSummary) -> dict[str, Any]:
    """Count, min, max, first/last step, last value and time (RFC 3339) of one key."""
    return common_summary(summary, "last_time", iso)


def run_detail_json(run: Run, experiment: str, summaries: Mapping[str, MetricSummary]) -> dict[str, Any]:
    """One run: list fields plus the full config, params, system info and per-key summaries."""
    return {
        **run_json(run, experiment, summaries),
        "config": run.config,
        "config_summary": config_summary(run.config),
        "params": run.params,
        "system": run.system,
        "notes": run.notes,
        "host": run.host,
        "summaries": {key: summary_json(s) for key, s in sorted(summaries.items())},
    }


def artifact_json(artifact: Artifact) -> dict[str, Any]:
    """An artifact: expman's path/name/size/ext/is_default plus sha256 and modified time."""
    pure = PurePosixPath(artifact.path)
    return {
        "path": artifact.path,
        "name": pure.name,
        "size": artifact.size,
        "ext": pure.suffix[1:].lower(),
        "sha256": artifact.sha256,
        "modified": iso(artifact.created_at),
        "is_default": False,
    }


def default_file_json(path: str, size: int, modified: float) -> dict[str, Any]:
    """One of expman's default files of a run (`console.log`, `run.log`): made from the run's console."""
    return {"path": path, "name": path, "size": size, "ext": PurePosixPath(path).suffix[1:], "sha256": None,
            "modified": iso(modified), "is_default": True}
