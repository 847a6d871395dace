"""Name look-ups in the caller's tenant (blocking: call them through `deps.call`).

Another tenant's project is simply not found (404), like a missing one: a 403 would
tell that the name exists. Look-ups never create anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from runyard.errors import NotFoundError
from runyard.server.named import NameLookup
from runyard.store import Project, Run, Store

ASPARA_NAMES = NameLookup("Project '{name}' not found", "Run '{name}' not found in project '{project}'")
project = ASPARA_NAMES.project
run = ASPARA_NAMES.run


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
