"""Name look-ups in the caller's tenant (blocking: call them through `deps.call`).

Names are per tenant, so another tenant's experiment is simply not found (404): the
same name may well exist in both tenants, and a 403 would leak that it exists.
"""

from __future__ import annotations

from runyard.errors import NotFoundError
from runyard.store import Project, Run, Store


def project(store: Store, name: str, tenant: str) -> Project:
    """The active project of that name in the tenant; `NotFoundError` otherwise."""
    try:
        found = store.get_project_by_name(name, tenant=tenant)
    except NotFoundError:
        found = None
    if found is None or found.lifecycle != "active":
        raise NotFoundError(f"experiment {name!r} not found")
    return found


def run(store: Store, experiment: str, name: str, tenant: str) -> tuple[Project, Run]:
    """The run of that name in the experiment; `NotFoundError` when either is unknown."""
    owner = project(store, experiment, tenant)
    try:
        return owner, store.get_run_by_name(owner.id, name)
    except NotFoundError:
        raise NotFoundError(f"run {name!r} not found in experiment {experiment!r}") from None
