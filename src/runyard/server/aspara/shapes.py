"""Aspara dashboard JSON shapes: project and run metadata here; run lists, run detail and params
in `runyard.server.run_shapes` (the dashboard's run page answers them too), re-exported.

Times are ISO 8601 strings in UTC, null when unset; status in Aspara's words (`wip`, ...).
"""

from __future__ import annotations

from typing import Any

from runyard.server.run_shapes import params, run_detail, run_summary, status_fields
from runyard.server.times import iso
from runyard.store import Project, Run

__all__ = ["params", "project_metadata", "run_detail", "run_metadata", "run_summary", "status_fields"]


def project_metadata(project: Project) -> dict[str, Any]:
    """Aspara's project Metadata: notes, tags, created_at, updated_at."""
    return {"notes": project.notes, "tags": list(project.tags), "created_at": iso(project.created_at),
            "updated_at": iso(project.updated_at)}


def run_metadata(project: Project, run: Run) -> dict[str, Any]:
    """A run's metadata: notes and tags (editable), with its identity, times, status and params."""
    return {
        "notes": run.notes,
        "tags": list(run.tags),
        "created_at": iso(run.start_time),
        "updated_at": iso(run.updated_at),
        "project": project.name,
        "name": run.name,
        "run_id": run.uid,
        "start_time": iso(run.start_time),
        "finish_time": iso(run.end_time),
        **status_fields(run.status),
        "params": params(run),
    }
