"""expman's look-ups by name: `runyard.lookup` in expman's words (blocking: call through `deps.call`).

Names are per tenant, so another tenant's experiment is simply not found (404), like a
missing one: the same name may well exist in both tenants.
"""

from __future__ import annotations

from runyard import lookup
from runyard.store import Project, Store

WORDS = lookup.Wording(project="experiment {name!r} not found", run="run {name!r} not found in experiment {project!r}")


def project(store: Store, name: str, tenant: str) -> Project:
    """The tenant's active experiment (project) of that name."""
    return lookup.project_by_name(store, name, tenant, WORDS)


def run(store: Store, experiment: str, name: str, tenant: str) -> lookup.Located:
    """The run of that name in the tenant's experiment of that name."""
    return lookup.run_by_name(store, experiment, name, tenant, WORDS)
