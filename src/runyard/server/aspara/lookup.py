"""Aspara's look-ups by name: `runyard.lookup` in Aspara's words (blocking: call through `deps.call`).

Another tenant's project is simply not found (404), like a missing one: a 403 would
tell that the name exists. Look-ups never create anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from runyard import lookup
from runyard.errors import NotFoundError
from runyard.store import Project, Run, Store

WORDS = lookup.Wording(project="Project '{name}' not found", run="Run '{name}' not found in project '{project}'")


def project(store: Store, name: str, tenant: str) -> Project:
    """The tenant's active project of that name."""
    return lookup.project_by_name(store, name, tenant, WORDS)


def run(store: Store, project_name: str, name: str, tenant: str) -> lookup.Located:
    """The run of that name in the tenant's project of that name."""
    return lookup.run_by_name(store, project_name, name, tenant, WORDS)


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
