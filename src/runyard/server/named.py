"""Projects and runs looked up by name in the caller's tenant (blocking: call through `deps.call`).

Names are per tenant, so another tenant's project is simply not found (404): a 403 would
tell that the name exists. Look-ups never create anything. Each dialect words its own
not-found messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from runyard.errors import NotFoundError
from runyard.store import Project, Run, Store


@dataclass(frozen=True, slots=True)
class NameLookup:
    """Look-ups whose errors use a dialect's words: `{name}` and `{project}` are filled in."""

    project_missing: str
    run_missing: str

    def project(self, store: Store, name: str, tenant: str) -> Project:
        """The active project of that name in the tenant; `NotFoundError` otherwise."""
        try:
            found = store.get_project_by_name(name, tenant=tenant)
        except NotFoundError:
            found = None
        if found is None or found.lifecycle != "active":
            raise NotFoundError(self.project_missing.format(name=name))
        return found

    def run(self, store: Store, project_name: str, name: str, tenant: str) -> tuple[Project, Run]:
        """The run of that name in the project; `NotFoundError` when either is unknown."""
        owner = self.project(store, project_name, tenant)
        try:
            return owner, store.get_run_by_name(owner.id, name)
        except NotFoundError:
            raise NotFoundError(self.run_missing.format(name=name, project=project_name)) from None
