"""The datastream backends: the embedded queue, and RabbitMQ against a real broker."""

from __future__ import annotations

import uuid

import pytest

from runyard.hub.errors import DatastreamError
from runyard.hub.queues import DataQueue, RabbitQueue, StoreQueue, open_queue
from runyard.store import Store
from tests.hub.conftest import RABBIT_URL, need_rabbit


def _consume_semantics(queue: DataQueue, name: str) -> None:
    queue.purge(name)
    assert queue.publish(name, [b"1", b"2"]) == 2
    assert queue.size(name) == 2
    with pytest.raises(RuntimeError), queue.consume(name) as messages:
        assert messages == [b"1", b"2"]
        raise RuntimeError("the data could not be kept")
    assert queue.size(name) == 2  # not acknowledged: still there
    with queue.consume(name) as messages:
        assert messages == [b"1", b"2"]
    assert queue.size(name) == 0
    with queue.consume(name) as messages:
        assert messages == []
    queue.publish(name, [b"3"])
    assert queue.purge(name) == 1 and queue.size(name) == 0


def test_store_queue(store: Store) -> None:
    queue = open_queue(None, store)
    assert isinstance(queue, StoreQueue)
    _consume_semantics(queue, "exp")
    assert queue.health()["healthy"] is True


def test_rabbit_queue_against_the_broker() -> None:
    need_rabbit()
    import pika

    queue = RabbitQueue(RABBIT_URL)
    name = f"runyard-test-{uuid.uuid4().hex[:8]}"
    other = f"runyard-test-{uuid.uuid4().hex[:8]}"
    try:
        _consume_semantics(queue, name)
        # A queue a client declared itself (not durable) is used as it is.
        connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
        channel = connection.channel()
        channel.queue_declare(other, durable=False, auto_delete=False)
        channel.basic_publish("", other, b'[{"y": 1}]')
        connection.close()
        with queue.consume(other) as messages:
            assert messages == [b'[{"y": 1}]']
        health = queue.health()
        assert health == {"healthy": True, "details": {"status": "connected", "backend": "rabbitmq",
                                                       "host": "127.0.0.1", "port": 5672}}
    finally:
        connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
        channel = connection.channel()
        channel.queue_delete(name)
        channel.queue_delete(other)
        connection.close()


def test_rabbit_unreachable_is_a_clear_error() -> None:
    queue = RabbitQueue("amqp://guest:guest@127.0.0.1:1/", timeout_s=1.0)
    with pytest.raises(DatastreamError, match="unreachable"):
        queue.publish("x", [b"[]"])
    health = queue.health()
    assert health["healthy"] is False and health["details"]["status"] == "unreachable"
    assert health["details"]["port"] == 1
