"""Hub fixtures: a manager on a tmp store with the toy type, and records to feed it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from runyard.hub.manager import HubManager
from runyard.hub.queues import StoreQueue
from runyard.settings import Settings
from runyard.store import Store
from tests.hub.toy import ToyExperiment
from tests.server.conftest import TEST_HOSTS

RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/"


def rows(n: int = 10, start: int = 0) -> bytes:
    """A JSON list of records with a `y` column."""
    return orjson.dumps([{"y": float(i)} for i in range(start, start + n)])


def rabbit_reachable() -> bool:
    """True when a broker answers on 127.0.0.1:5672."""
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1.0):
            return True
    except OSError:
        return False


def need_rabbit() -> None:
    """Skip without a broker, except in CI (CI=true), where RabbitMQ must be there."""
    if not rabbit_reachable():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("RabbitMQ is not reachable on 127.0.0.1:5672 but CI=true requires it")
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672 (guest/guest)")


def make_manager(data_dir: Path, store: Store, **changes: object) -> HubManager:
    """A recovered manager on the embedded queue with only the toy type."""
    settings = Settings(data_dir=data_dir, allowed_hosts=TEST_HOSTS, hub_stop_grace_s=2.0, hub_wait_s=60.0).with_changes(**changes)
    manager = HubManager(settings, store, StoreQueue(store), lambda: {"toy": ToyExperiment})
    manager.recover()
    return manager


@pytest.fixture
def manager(tmp_path: Path, store: Store) -> Iterator[HubManager]:
    made = make_manager(tmp_path / "data", store)
    try:
        yield made
    finally:
        made.stop_all()
