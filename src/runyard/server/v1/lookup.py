"""Experiment and run look-ups for the v1 routers (`access.py` plus the deleted-experiment rule)."""

from __future__ import annotations

from runyard.errors import ConflictError
from runyard.server.v1.access import load_project, load_run
from runyard.store import Project, Run, Store


async def experiment(store: Store, ref: str | int, tenant: str) -> Project:
    """The caller's experiment: 400 malformed id, 404 unknown, 403 another tenant's."""
    return await load_project(store, ref, tenant)


async def active_experiment(store: Store, ref: str | int, tenant: str) -> Project:
    """Like `experiment`, and 409 when it is deleted (restore it first)."""
    project = await experiment(store, ref, tenant)
    if project.lifecycle != "active":
        raise ConflictError(f"experiment {project.id} is deleted; restore it before creating runs in it")
    return project


async def run(store: Store, ref: str | int, tenant: str) -> tuple[Run, Project]:
    """The caller's run (by id or uid) with its experiment: 400, 404 or 403."""
    return await load_run(store, ref, tenant)
