"""ExperimentHub persistence is its own interface: the core `Store` does not carry it."""

from __future__ import annotations

from typing import cast

import pytest

from runyard.errors import StoreError
from runyard.store import Store
from runyard.store.hub_store import HubStore, hub_store


def test_hub_methods_are_not_part_of_the_core_interface() -> None:
    hub_methods = {name for name in dir(HubStore) if name.startswith("hub_")}
    assert hub_methods and not hub_methods & set(dir(Store))


def test_hub_store_of_a_backend(store: Store) -> None:
    hub = hub_store(store)
    hub.hub_queue_push("q", [b"x"], tenant="t")
    assert hub.hub_queue_size("q", tenant="t") == 1


def test_a_backend_without_hub_data_is_refused_clearly() -> None:
    with pytest.raises(StoreError, match="does not keep ExperimentHub data"):
        hub_store(cast(Store, object()))
