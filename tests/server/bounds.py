"""Shared by the per-dialect bound tests: a seeded default tenant and a GET that must not break."""

from __future__ import annotations

import httpx

from runyard.store import DEFAULT_TENANT, Store
from tests.server.seeded import Seeded, seed

INT64_MAX = 2**63 - 1
PAST_INT64 = 2**63  # one past what SQLite stores: OverflowError when bound unchecked
HUGE = 2**70


def seeded_default(store: Store) -> Seeded:
    """The default tenant's project and finished run (streams replay and close)."""
    return seed(store, DEFAULT_TENANT, "bounds")


async def status_of(client: httpx.AsyncClient, url: str) -> int:
    """The status of a GET, read to the end (a stream that breaks after its 200 raises here)."""
    async with client.stream("GET", url) as response:
        await response.aread()
        return response.status_code
