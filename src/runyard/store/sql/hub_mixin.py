"""ExperimentHub persistence on SQL: the `HubStore` half of `SqlStore`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runyard.store.hub_records import HubExperimentRecord, HubModelRecord, QueuedMessage
from runyard.store.hub_store import HubStore
from runyard.store.sql import hub
from runyard.store.sql.database import Database


class SqlHub(HubStore):
    """Hub experiments, queues and model provenance through the store's `Database`."""

    _db: Database

    def hub_create_experiment(self, name: str, *, tenant: str, type: str, config: Mapping[str, Any],
                              state: Mapping[str, Any]) -> HubExperimentRecord:
        return self._db.write(lambda c: hub.create(c, name, tenant, type, config, state))

    def hub_get_experiment(self, name: str, *, tenant: str) -> HubExperimentRecord:
        return self._db.read(lambda c: hub.get(c, tenant, name))

    def hub_update_experiment(self, name: str, *, tenant: str, config: Mapping[str, Any] | None = None,
                              state: Mapping[str, Any] | None = None) -> HubExperimentRecord:
        return self._db.write(lambda c: hub.update(c, tenant, name, config, state))

    def hub_list_experiments(self, *, tenant: str | None = None) -> list[HubExperimentRecord]:
        return self._db.read(lambda c: hub.list_(c, tenant))

    def hub_delete_experiment(self, name: str, *, tenant: str) -> None:
        self._db.write(lambda c: hub.delete(c, tenant, name))

    def hub_queue_push(self, queue: str, payloads: Sequence[bytes], *, tenant: str) -> int:
        return self._db.write(lambda c: hub.queue_push(c, tenant, queue, payloads))

    def hub_queue_read(self, queue: str, *, tenant: str, limit: int | None = None) -> list[QueuedMessage]:
        return self._db.read(lambda c: hub.queue_read(c, tenant, queue, limit))

    def hub_queue_ack(self, queue: str, up_to_id: int, *, tenant: str) -> int:
        return self._db.write(lambda c: hub.queue_ack(c, tenant, queue, up_to_id))

    def hub_queue_purge(self, queue: str, *, tenant: str) -> int:
        return self._db.write(lambda c: hub.queue_purge(c, tenant, queue))

    def hub_queue_size(self, queue: str, *, tenant: str) -> int:
        return self._db.read(lambda c: hub.queue_size(c, tenant, queue))

    def hub_record_model(self, run_id: int, *, tenant: str, experiment: str,
                         files: Mapping[str, str]) -> HubModelRecord:
        return self._db.write(lambda c: hub.record_model(c, run_id, tenant, experiment, files))

    def hub_get_model(self, run_id: int) -> HubModelRecord:
        return self._db.read(lambda c: hub.get_model(c, run_id))
