"""Name look-ups in the caller's tenant (blocking: call them through `deps.call`).

Another tenant's project is simply not found (404), like a missing one: a 403 would
tell that the name exists. Look-ups never create anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from runyard.errors import NotFoundError
from runyard.store import Project, Run, Store


def project(store: Store, name: str, tenant: str) -> Project:
    """The active project of that name in the tenant; `NotFoundError` otherwise."""
    try:
        found = store.get_project_by_name(name, tenant=tenant)
    except NotFoundError:
        found = None
    if found is None or found.lifecycle != "active":
        raise NotFoundError(f"Project '{name}' not found")
    return found


def run(store: Store, project_name: str, name: str, tenant: str) -> tuple[Project, Run]:
    """The run of that name in the project; `NotFoundError` when either is unknown."""
    owner = project(store, project_name, tenant)
    try:
        return owner, store.get_run_by_name(owner.id, name)
    except NotFoundError:
        raise NotFoundError(f"Run '{name}' not found in project '{project_name}'") from None


def runs(store: Store, owner: Project, names: Sequence[str]) -> tuple[list[Run], list[str]]:
    """The runs of those names in the project, in the given order, and the names not found."""
    found: list[Run] = []
    missing: list[str] = []
    for name in names:
        try:
            found.append(store.get_run_by_name(owner.id, name))
        except NotFoundError:
            missing.append(name)
    return found, missing
