"""Name look-ups in the caller's tenant (blocking: call them through `deps.call`).

Names are per tenant, so another tenant's experiment is simply not found (404): the
same name may well exist in both tenants, and a 403 would leak that it exists.
"""

from __future__ import annotations

from runyard.server.named import NameLookup

EXPMAN_NAMES = NameLookup("experiment {name!r} not found", "run {name!r} not found in experiment {project!r}")
project = EXPMAN_NAMES.project
run = EXPMAN_NAMES.run
