"""ExperimentHub persistence: its own interface beside the core `Store`, implemented by backends that keep it.

The hub (runyard.hub) is the only user: experiments, the embedded data queue and model
provenance. A backend without it still serves every dialect; the hub then refuses to start.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.errors import StoreError
from runyard.store.base import Store
from runyard.store.hub_records import HubExperimentRecord, HubModelRecord, QueuedMessage


def hub_store(store: Store) -> HubStore:
    """The hub side of a store; `StoreError` when its backend keeps no ExperimentHub data."""
    if not isinstance(store, HubStore):
        raise StoreError(f"the {type(store).__name__} backend does not keep ExperimentHub data")
    return store


class HubStore(abc.ABC):
    """Hub experiments, embedded queues and model provenance; blocking and thread-safe like `Store`."""

    @abc.abstractmethod
    def hub_create_experiment(self, name: str, *, tenant: str, type: str, config: Mapping[str, Any],
                              state: Mapping[str, Any]) -> HubExperimentRecord:
        """Persist a new hub experiment; `ConflictError` when the tenant has one of that name."""

    @abc.abstractmethod
    def hub_get_experiment(self, name: str, *, tenant: str) -> HubExperimentRecord:
        """The tenant's hub experiment of that name."""

    @abc.abstractmethod
    def hub_update_experiment(self, name: str, *, tenant: str, config: Mapping[str, Any] | None = None,
                              state: Mapping[str, Any] | None = None) -> HubExperimentRecord:
        """Replace a hub experiment's config and/or state."""

    @abc.abstractmethod
    def hub_list_experiments(self, *, tenant: str | None = None) -> list[HubExperimentRecord]:
        """Hub experiments (of one tenant, or all), oldest first."""

    @abc.abstractmethod
    def hub_delete_experiment(self, name: str, *, tenant: str) -> None:
        """Forget a hub experiment; its project, runs and queue are kept."""

    @abc.abstractmethod
    def hub_queue_push(self, queue: str, payloads: Sequence[bytes], *, tenant: str) -> int:
        """Append messages to the tenant's embedded hub queue, all or none; returns how many."""

    @abc.abstractmethod
    def hub_queue_read(self, queue: str, *, tenant: str, limit: int | None = None) -> list[QueuedMessage]:
        """Waiting messages, oldest first; they stay until `hub_queue_ack`."""

    @abc.abstractmethod
    def hub_queue_ack(self, queue: str, up_to_id: int, *, tenant: str) -> int:
        """Remove the messages up to `up_to_id` (consumed); returns how many."""

    @abc.abstractmethod
    def hub_queue_purge(self, queue: str, *, tenant: str) -> int:
        """Remove every waiting message of the tenant's queue; returns how many."""

    @abc.abstractmethod
    def hub_queue_size(self, queue: str, *, tenant: str) -> int:
        """How many messages wait in the tenant's queue."""

    @abc.abstractmethod
    def hub_record_model(self, run_id: int, *, tenant: str, experiment: str,
                         files: Mapping[str, str]) -> HubModelRecord:
        """Record the sha256 of each file of the model a hub job saved in a run (hub jobs only)."""

    @abc.abstractmethod
    def hub_get_model(self, run_id: int) -> HubModelRecord:
        """The provenance record of a run's hub model; `NotFoundError` when the hub saved none."""
