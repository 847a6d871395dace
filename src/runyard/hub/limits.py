"""How much hub work may run at once: jobs per server and per tenant (`hub_max_jobs*` settings).

Each job is a worker process holding a model and its data in memory and a core busy, so one
token must not be able to start as many as it likes. Beyond a limit the request is refused
with 429 and a Retry-After, rather than queued: a refused client knows at once, and nothing
piles up in the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from runyard import access
from runyard.hub.errors import HubBusyError
from runyard.settings import Settings

RETRY_AFTER_S = 5


class _Busy(Protocol):
    tenant: str

    @property
    def busy(self) -> bool: ...


def check_capacity(experiments: Iterable[_Busy], tenant: str, settings: Settings) -> None:
    """HubBusyError when one more job of `tenant` would exceed a limit."""
    running = [exp for exp in experiments if exp.busy]
    if len(running) >= settings.hub_max_jobs:
        raise HubBusyError(f"{len(running)} hub jobs are running, as many as this server runs at once "
                           f"(hub_max_jobs = {settings.hub_max_jobs}); try again later", RETRY_AFTER_S)
    mine = len(access.visible(running, tenant))
    if mine >= settings.hub_max_jobs_per_tenant:
        raise HubBusyError(f"{mine} of your hub jobs are running, as many as one tenant may run at once "
                           f"(hub_max_jobs_per_tenant = {settings.hub_max_jobs_per_tenant}); wait for one to "
                           "end (GET /{name}/status) and try again", RETRY_AFTER_S)


def check_rows(rows: int, columns: int, settings: Settings, what: str) -> None:
    """PayloadTooLargeError (413) for data over `hub_max_rows` rows or `hub_max_columns` columns."""
    from runyard.errors import PayloadTooLargeError

    if rows > settings.hub_max_rows:
        raise PayloadTooLargeError(f"{what} has {rows} rows, more than hub_max_rows = {settings.hub_max_rows}")
    if columns > settings.hub_max_columns:
        raise PayloadTooLargeError(f"{what} has {columns} columns, more than hub_max_columns = "
                                   f"{settings.hub_max_columns}")
