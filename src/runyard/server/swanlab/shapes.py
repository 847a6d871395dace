"""SwanLab JSON shapes: the envelope, projects, experiments (runs), config and system info.

Field for field as SwanLab 0.10.3's offline dashboard answers (see docs/api-swanlab.md):
- times are ISO 8601 strings in UTC with microseconds and `+00:00`
  (`2026-11-22T07:10:18.056736+00:00`); null when unset;
- experiment status is 0 running, 1 finished, -1 failed, crashed or killed;
- config entries are wrapped as `{"desc": "", "sort": i, "value": v}`;
- non-finite metric values are the strings "NaN", "INF", "-INF", as SwanLab spells them.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runyard import __version__
from runyard.server.swanlab.times import iso
from runyard.store import MetricSummary, Project, Run

# SwanLab's experiment colour palette (the same for light and dark themes).
PALETTE: tuple[str, ...] = (
    "#528d59", "#587ad2", "#c24d46", "#9cbe5d", "#6ebad3", "#dfb142", "#6d4ba4", "#8cc5b7",
    "#892d58", "#40877c", "#d0703c", "#d47694", "#e3b292", "#b15fbb", "#905f4a", "#989fa3",
)
GIB = 1 << 30


def envelope(data: Any) -> dict[str, Any]:
    """SwanLab's success envelope."""
    return {"code": 0, "message": "success", "data": data}


def status_code(status: str) -> int:
    """0 running, 1 finished, -1 for every way a run can fail."""
    if status == "running":
        return 0
    return 1 if status == "finished" else -1


def color(run: Run) -> str:
    """A stable colour per run, from SwanLab's palette."""
    return PALETTE[(run.id - 1) % len(PALETTE)]


def _version(run: Run) -> str:
    return str(run.system.get("runyard_version") or __version__)


def config_json(config: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level config keys wrapped as SwanLab stores them, `sort` in logging order."""
    return {key: {"desc": "", "sort": index, "value": value} for index, (key, value) in enumerate(config.items())}


def project_brief(project: Project, runs_count: int, update_time: float | None = None) -> dict[str, Any]:
    """The project as nested inside a namespace's experiment (`charts` null, as SwanLab).

    `update_time`: when the project or any of its runs last changed (default: the project's record).
    """
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description or None,
        "sum": runs_count,
        "charts": None,
        "pinned_opened": 1,
        "hidden_opened": 0,
        "more": "",
        "version": __version__,
        "create_time": iso(project.created_at),
        "update_time": iso(project.updated_at if update_time is None else update_time),
    }


def project_json(project: Project, experiments: list[dict[str, Any]], charts: int, logdir: str,
                 update_time: float) -> dict[str, Any]:
    """`GET /api/v1/project`: the project, its experiments and the colour palette."""
    return {
        **project_brief(project, len(experiments), update_time),
        "charts": charts,
        "logdir": logdir,
        "experiments": experiments,
        "colors": {"light": list(PALETTE), "dark": list(PALETTE)},
    }


def _experiment_common(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "run_id": run.uid,
        "name": run.name,
        "description": run.description,
        "sort": run.id,
        "status": status_code(run.status),
        "show": 1,
    }


def _times(run: Run, update_time: float) -> dict[str, Any]:
    return {
        "version": _version(run),
        "create_time": iso(run.start_time),
        "finish_time": iso(run.end_time),
        "update_time": iso(update_time),
    }


def experiment_brief(run: Run, update_time: float) -> dict[str, Any]:
    """An experiment as listed in a project (without config) or nested in a namespace."""
    return {
        **_experiment_common(run),
        "light": color(run),
        "dark": color(run),
        "pinned_opened": 1,
        "hidden_opened": 0,
        "more": "",
        **_times(run, update_time),
    }


def experiment_entry(run: Run, update_time: float, show: int = 1) -> dict[str, Any]:
    """One experiment of `GET /api/v1/project`; `show` 0 when hidden from the compare page."""
    return {**experiment_brief(run, update_time), "experiment_id": run.id, "config": config_json(run.config),
            "show": show}


def experiment_detail(run: Run, update_time: float, logdir: str) -> dict[str, Any]:
    """`GET /api/v1/experiment/<id>`: the experiment with its config and system info."""
    return {
        **_experiment_common(run),
        "more": "",
        **_times(run, update_time),
        "config": config_json(run.config),
        "system": system_json(run.system, logdir, str(Path(logdir) / "artifacts" / run.uid)),
    }


def _gpu(system: Mapping[str, Any]) -> dict[str, Any] | None:
    gpus = [g for g in system.get("gpus") or [] if isinstance(g, Mapping)]
    if not gpus:
        return None
    return {"nvidia": {
        "type": [str(g.get("name", "")) for g in gpus],
        "memory": [round(int(g.get("memory_total_bytes") or 0) / GIB) for g in gpus],
        "cuda": system.get("cuda_version"),
    }}


def _command(system: Mapping[str, Any]) -> str | None:
    argv = system.get("argv")
    if isinstance(argv, list) and argv:
        return shlex.join(str(part) for part in argv)
    return None


def system_json(system: Mapping[str, Any], logdir: str, run_dir: str | None = None) -> dict[str, Any]:
    """The spec's `system` object (cpu, gpu, os, python, command, swanlab) plus SwanLab 0.10's
    `hardware`, `runtime` and `git` sections, built from what the SDK recorded."""
    gpus = [g for g in system.get("gpus") or [] if isinstance(g, Mapping)]
    found = system.get("git")
    git: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    memory = system.get("memory_total_bytes")
    return {
        "cpu": {"brand": system.get("cpu_model"), "cores": system.get("cpu_count_logical")},
        "gpu": _gpu(system),
        "os": system.get("platform"),
        "python": system.get("python_version"),
        "command": _command(system),
        "swanlab": {
            "version": str(system.get("runyard_version") or __version__),
            "logdir": logdir,
            "run_dir": run_dir,
            # SwanLab's monitor setting; runyard's: seconds between samples, 0 when off.
            "_monitor": system.get("monitor_interval_s") or 0,
        },
        "hardware": {
            "apple_silicon": None,
            "cpu": {"brand": system.get("cpu_model"), "physical_count": system.get("cpu_count_physical"),
                    "logical_count": system.get("cpu_count_logical")},
            "memory": {"total": round(int(memory) / GIB) if memory else None, "total_unit": "GB"},
            "accelerators": [{"type": "nvidia", "name": g.get("name"), "memory_total_bytes": g.get("memory_total_bytes"),
                              "driver": system.get("gpu_driver_version"), "cuda": system.get("cuda_version")}
                             for g in gpus],
        },
        "runtime": {
            "os": system.get("platform"),
            "os_pretty": system.get("os_pretty"),
            "hostname": system.get("hostname"),
            "pid": system.get("pid"),
            "cwd": system.get("cwd"),
            "python_version": system.get("python_version"),
            "python_verbose": system.get("python_verbose"),
            "python_executable": system.get("python_executable"),
            "command": _command(system),
        },
        "git": {"remote_url": git.get("remote"), "branch": git.get("branch"), "commit": git.get("commit")},
        **_flat_system(system, git),
    }


def _flat_system(system: Mapping[str, Any], git: Mapping[str, Any]) -> dict[str, Any]:
    """The flat fields swanboard 0.1.6's Environment page reads (SwanLab 0.3's `swanlab-metadata.json`)."""
    memory = system.get("memory_total_bytes")
    has_git = git.get("branch") is not None or git.get("commit") is not None
    return {
        "hostname": system.get("hostname"),
        "pid": system.get("pid"),
        "cwd": system.get("cwd"),
        "executable": system.get("python_executable"),
        "python_verbose": system.get("python_verbose"),
        "git_remote": git.get("remote"),
        "git_info": [git.get("branch"), git.get("commit")] if has_git else None,
        "memory": round(int(memory) / GIB) if memory else None,  # GB, as swanboard shows it
    }


def update_time(run: Run, summaries: Mapping[str, MetricSummary]) -> float:
    """When the run last changed: its record, its heartbeat or its newest metric point."""
    latest = [run.updated_at, run.heartbeat_at or 0.0]
    latest += [s.last_time for s in summaries.values() if math.isfinite(s.last_time)]
    return max(latest)
