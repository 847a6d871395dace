"""The datastream backends: the embedded queue, and RabbitMQ against a real broker."""

from __future__ import annotations

import uuid

import pytest

from runyard.hub.errors import DatastreamError
from runyard.hub.queues import DataQueue, RabbitQueue, StoreQueue, open_queue
from runyard.store import Store
from tests.hub.conftest import RABBIT_URL, need_rabbit


def _consume_semantics(queue: DataQueue, name: str, tenant: str = "default") -> None:
    queue.purge(tenant, name)
    assert queue.publish(tenant, name, [b"1", b"2"]) == 2
    assert queue.size(tenant, name) == 2
    with pytest.raises(RuntimeError), queue.consume(tenant, name) as messages:
        assert messages == [b"1", b"2"]
        raise RuntimeError("the data could not be kept")
    assert queue.size(tenant, name) == 2  # not acknowledged: still there
    with queue.consume(tenant, name) as messages:
        assert messages == [b"1", b"2"]
    assert queue.size(tenant, name) == 0
    with queue.consume(tenant, name) as messages:
        assert messages == []
    queue.publish(tenant, name, [b"3"])
    assert queue.purge(tenant, name) == 1 and queue.size(tenant, name) == 0


def _tenants_apart(queue: DataQueue, name: str) -> None:
    """Two tenants' queues of one name never share a message, a purge or a count."""
    for tenant in ("acme", "bravo", "default"):
        queue.purge(tenant, name)
    queue.publish("acme", name, [b"a"] * 50)
    queue.publish("bravo", name, [b"b"])
    assert (queue.size("acme", name), queue.size("bravo", name), queue.size("default", name)) == (50, 1, 0)
    with queue.consume("bravo", name) as messages:
        assert messages == [b"b"]
    assert queue.purge("default", name) == 0 and queue.size("acme", name) == 50
    assert queue.purge("acme", name) == 50


def test_store_queue(store: Store) -> None:
    queue = open_queue(None, store)
    assert isinstance(queue, StoreQueue)
    _consume_semantics(queue, "exp")
    _consume_semantics(queue, "exp", tenant="acme")
    _tenants_apart(queue, "exp")
    assert queue.health()["healthy"] is True


def test_rabbit_queue_against_the_broker() -> None:
    need_rabbit()
    import pika

    queue = RabbitQueue(RABBIT_URL)
    name = f"runyard-test-{uuid.uuid4().hex[:8]}"
    other = f"runyard-test-{uuid.uuid4().hex[:8]}"
    try:
        _consume_semantics(queue, name)
        _consume_semantics(queue, name, tenant="acme")
        _tenants_apart(queue, name)
        # The default tenant's queue is the bare name (what token-less publishers use); others
        # carry the tenant, in a form no name can take (names have no ':').
        assert queue.address("default", name) == name
        assert queue.address("acme", name) == f"acme:{name}"
        assert queue.address("odd tenant/..", name).startswith("~") and name in queue.address("odd tenant/..", name)
        # A queue a client declared itself (not durable) is used as it is.
        connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
        channel = connection.channel()
        channel.queue_declare(other, durable=False, auto_delete=False)
        channel.basic_publish("", other, b'[{"y": 1}]')
        connection.close()
        with queue.consume("default", other) as messages:
            assert messages == [b'[{"y": 1}]']
        health = queue.health()
        assert health == {"healthy": True, "details": {"status": "connected", "backend": "rabbitmq",
                                                       "host": "127.0.0.1", "port": 5672}}
    finally:
        connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
        channel = connection.channel()
        for queue_name in (name, other, f"acme:{name}", f"bravo:{name}"):
            channel.queue_delete(queue_name)
        connection.close()


def test_rabbit_unreachable_is_a_clear_error() -> None:
    queue = RabbitQueue("amqp://guest:guest@127.0.0.1:1/", timeout_s=1.0)
    with pytest.raises(DatastreamError, match="unreachable"):
        queue.publish("default", "x", [b"[]"])
    health = queue.health()
    assert health["healthy"] is False and health["details"]["status"] == "unreachable"
    assert health["details"]["port"] == 1
