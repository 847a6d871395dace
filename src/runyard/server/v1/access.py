"""The v1 routers' look-ups: ids from paths and bodies, resolved by `runyard.lookup`.

v1 ids travel as strings; they are the store's integer ids (a run may also be named by
its uid). Another tenant's experiment or run answers 404, exactly as an id nobody holds
(`runyard.access`; v1's spec says 403, docs/api-v1.md says why runyard does not).
"""

from __future__ import annotations

from runyard import lookup
from runyard.errors import ConflictError
from runyard.server.deps import call
from runyard.store import Project, Store


async def load_experiment(store: Store, ref: str | int, tenant: str) -> Project:
    """The caller's experiment: 400 malformed id, 404 unknown or another tenant's."""
    return await call(lookup.project_by_id, store, lookup.parse_id(ref, "experiment"), tenant)


async def load_active_experiment(store: Store, ref: str | int, tenant: str) -> Project:
    """Like `load_experiment`, and 409 when it is deleted (restore it first)."""
    project = await load_experiment(store, ref, tenant)
    if project.lifecycle != "active":
        raise ConflictError(f"experiment {project.id} is deleted; restore it before creating runs in it")
    return project


async def load_run(store: Store, ref: str | int, tenant: str) -> lookup.Located:
    """The caller's run by id (digits, which must fit int64: 400 otherwise) or uid; 404 unknown or another's."""
    return await call(lookup.run_by_id_or_uid, store, ref, tenant)
