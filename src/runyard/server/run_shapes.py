"""A run as JSON in Aspara's words: shared by the Aspara API and the dashboard's run page.

The web dashboard serves Aspara's page URLs, and `GET /projects/{project}/runs/{run}` with
`Accept: application/json` answers what Aspara's run page answers, so both use these
shapes (docs/api-aspara.md, docs/dashboard.md):

- times are ISO 8601 strings in UTC (`2025-03-21T12:58:06.123456Z`), null when unset;
- run status uses Aspara's words: running -> `wip`, finished -> `completed`,
  failed and killed -> `failed`, crashed (heartbeat lost) -> `maybe_failed`;
- non-finite floats anywhere (metric values, params) are spelled `"NaN"`, `"Infinity"`,
  `"-Infinity"`, like every runyard JSON answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.jsonenc import json_float, json_safe
from runyard.server.summaries import summary_json as common_summary
from runyard.server.times import iso
from runyard.store import Artifact, MetricSummary, Project, Run

# runyard status -> (Aspara status, is_finished, exit_code)
STATUSES: dict[str, tuple[str, bool, int | None]] = {
    "running": ("wip", False, None),
    "finished": ("completed", True, 0),
    "failed": ("failed", True, 1),
    "killed": ("failed", True, 1),
    "crashed": ("maybe_failed", True, None),
}


def status_fields(status: str) -> dict[str, Any]:
    """`status`, `is_finished` and `exit_code` of a runyard status, in Aspara's terms."""
    word, finished, code = STATUSES.get(status, ("maybe_failed", True, None))
    return {"status": word, "is_finished": finished, "exit_code": code}


def params(run: Run) -> dict[str, Any]:
    """What Aspara calls a run's params: its config, with explicitly logged params on top."""
    merged: dict[str, Any] = json_safe({**run.config, **run.params})
    return merged


def last_update(run: Run, summaries: Mapping[str, MetricSummary]) -> float:
    """The newest of the run's own updates and its last logged point."""
    times = [run.updated_at, run.heartbeat_at, *(s.last_time for s in summaries.values())]
    return max(t for t in times if math.isfinite(t))


def run_summary(run: Run, summaries: Mapping[str, MetricSummary], artifact_count: int) -> dict[str, Any]:
    """A run as one entry of `GET /api/projects/{project}/runs` (Aspara's RunInfo fields)."""
    return {
        "name": run.name,
        "run_id": run.uid,
        "id": run.id,
        "start_time": iso(run.start_time),
        "last_update": iso(last_update(run, summaries)),
        "param_count": len({**run.config, **run.params}),
        "artifact_count": artifact_count,
        "tags": list(run.tags),
        "notes": run.notes,
        "is_corrupted": False,
        "error_message": None,
        **status_fields(run.status),
    }


def summary_json(summary: MetricSummary) -> dict[str, Any]:
    """Count, min, max, first/last step, last value and its timestamp (ms) of one key."""
    return common_summary(summary)


def artifact_json(artifact: Artifact) -> dict[str, Any]:
    """One artifact file of a run."""
    return {"name": artifact.path.rsplit("/", 1)[-1], "path": artifact.path, "size": artifact.size,
            "sha256": artifact.sha256, "created_at": iso(artifact.created_at)}


def run_detail(project: Project, run: Run, summaries: Mapping[str, MetricSummary],
               artifacts: Sequence[Artifact]) -> dict[str, Any]:
    """The run page's JSON answer (`Accept: application/json` on `/projects/{project}/runs/{run}`)."""
    end = run.end_time
    if end is None:
        end = max((s.last_time for s in summaries.values() if math.isfinite(s.last_time)), default=None)
    return {
        "project": project.name,
        "run": run.name,
        **run_summary(run, summaries, len(artifacts)),
        "finish_time": iso(run.end_time),
        "duration_ms": None if end is None else max(end - run.start_time, 0.0) * 1000,
        "step_count": max((s.count for s in summaries.values()), default=0),
        "description": run.description,
        "params": params(run),
        # runyard extras for the run page: the config as logged (params above merge it) and system info.
        "config": json_safe(run.config),
        "system": json_safe(run.system),
        "latest_metrics": {key: json_float(s.last_value) for key, s in sorted(summaries.items())},
        "metrics": {key: summary_json(s) for key, s in sorted(summaries.items())},
        "artifacts": [artifact_json(artifact) for artifact in artifacts],
    }
