"""The datastream plugin: one data queue per tenant's hub experiment, RabbitMQ or embedded in the store.

Every operation names the tenant and the experiment: the embedded queue keeps the tenant
beside each message, RabbitMQ gets a queue name that includes it (`names.broker_queue`).

Consuming is at-least-once: `consume` hands over every waiting message and acknowledges
them only when the caller's block ends without an exception (the data is kept by then);
on an exception they stay queued.
"""

from __future__ import annotations

import abc
import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from runyard.hub.errors import DatastreamError
from runyard.hub.name_rules import broker_queue
from runyard.store import Store
from runyard.store.hub_store import hub_store

log = logging.getLogger("runyard.hub")


class DataQueue(abc.ABC):
    """Named queues of data messages (bytes)."""

    backend: str

    @abc.abstractmethod
    def publish(self, tenant: str, queue: str, payloads: Sequence[bytes]) -> int:
        """Append messages; returns how many."""

    @abc.abstractmethod
    def consume(self, tenant: str, queue: str) -> contextlib.AbstractContextManager[list[bytes]]:
        """Every waiting message; acknowledged when the block ends cleanly."""

    @abc.abstractmethod
    def purge(self, tenant: str, queue: str) -> int:
        """Drop every waiting message; returns how many."""

    @abc.abstractmethod
    def size(self, tenant: str, queue: str) -> int:
        """How many messages wait."""

    def address(self, tenant: str, queue: str) -> str:
        """The queue's name in the backend (what external publishers use)."""
        return queue

    @abc.abstractmethod
    def health(self) -> dict[str, Any]:
        """A /health entry: `{"healthy": bool, "details": {"status", "host", "port", ...}}`."""


class StoreQueue(DataQueue):
    """Durable queues in runyard's own store: the embedded default, nothing to run beside it."""

    backend = "embedded"

    def __init__(self, store: Store) -> None:
        self.store = store

    def publish(self, tenant: str, queue: str, payloads: Sequence[bytes]) -> int:
        """Append in one transaction."""
        return hub_store(self.store).hub_queue_push(queue, payloads, tenant=tenant)

    @contextlib.contextmanager
    def consume(self, tenant: str, queue: str) -> Iterator[list[bytes]]:
        """Read without removing; remove what was read once the block succeeds."""
        waiting = hub_store(self.store).hub_queue_read(queue, tenant=tenant)
        yield [message.payload for message in waiting]
        if waiting:
            hub_store(self.store).hub_queue_ack(queue, waiting[-1].id, tenant=tenant)

    def purge(self, tenant: str, queue: str) -> int:
        """Delete the queue's messages."""
        return hub_store(self.store).hub_queue_purge(queue, tenant=tenant)

    def size(self, tenant: str, queue: str) -> int:
        """Count the queue's messages."""
        return hub_store(self.store).hub_queue_size(queue, tenant=tenant)

    def health(self) -> dict[str, Any]:
        """Healthy whenever the store answers."""
        try:
            self.store.last_change_seq()
        except Exception as exc:  # health must answer, whatever broke
            return {"healthy": False, "details": {"status": "error", "backend": self.backend, "error": str(exc)}}
        return {"healthy": True, "details": {"status": "connected", "backend": self.backend,
                                             "host": None, "port": None}}


class RabbitQueue(DataQueue):
    """RabbitMQ through pika: one durable queue per tenant's experiment (`names.broker_queue`).

    A connection per operation: pika's blocking connections are not thread-safe, and
    hub operations are rare next to the cost of a connect (a few ms on loopback).
    """

    backend = "rabbitmq"

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        import pika

        self.url = url
        try:
            self.params = pika.URLParameters(url)
        except Exception as exc:
            raise DatastreamError(f"bad datastream URL {url!r}: {exc}") from None
        self.params.socket_timeout = timeout_s
        self.params.connection_attempts = 1
        self.params.blocked_connection_timeout = timeout_s

    @contextlib.contextmanager
    def _channel(self, queue: str) -> Iterator[tuple[Any, int]]:
        """A channel on which `queue` exists, and how many messages wait in it."""
        import pika
        import pika.exceptions

        try:
            connection = pika.BlockingConnection(self.params)
        except pika.exceptions.AMQPError as exc:
            raise DatastreamError(f"RabbitMQ at {self.params.host}:{self.params.port} is unreachable: "
                                  f"{exc!r}") from None
        try:
            channel = connection.channel()
            try:
                # Passive first: a queue a publisher declared with other flags is used as it is.
                declared = channel.queue_declare(queue, passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                channel = connection.channel()
                declared = channel.queue_declare(queue, durable=True)
            yield channel, int(declared.method.message_count)
        except pika.exceptions.AMQPError as exc:
            raise DatastreamError(f"RabbitMQ refused an operation on queue {queue!r}: {exc!r}") from None
        finally:
            with contextlib.suppress(Exception):
                connection.close()

    def address(self, tenant: str, queue: str) -> str:
        """`<tenant tag>:<name>`, or the bare name for the default tenant."""
        return broker_queue(tenant, queue)

    def publish(self, tenant: str, queue: str, payloads: Sequence[bytes]) -> int:
        """Persistent messages (delivery mode 2) to the default exchange, routed by queue name."""
        import pika

        queue = self.address(tenant, queue)
        props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
        with self._channel(queue) as (channel, _count):
            channel.confirm_delivery()  # publish returns once the broker has the message
            for payload in payloads:
                channel.basic_publish(exchange="", routing_key=queue, body=bytes(payload), properties=props)
        return len(payloads)

    @contextlib.contextmanager
    def consume(self, tenant: str, queue: str) -> Iterator[list[bytes]]:
        """basic_get what was waiting when asked; one multiple-ack at the end, or requeue all."""
        queue = self.address(tenant, queue)
        with self._channel(queue) as (channel, count):
            bodies: list[bytes] = []
            last_tag = None
            for _ in range(count):  # messages arriving meanwhile are left for the next training
                method, _props, body = channel.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                bodies.append(bytes(body))
                last_tag = method.delivery_tag
            try:
                yield bodies
            except BaseException:
                if last_tag is not None:
                    with contextlib.suppress(Exception):
                        channel.basic_nack(delivery_tag=last_tag, multiple=True, requeue=True)
                raise
            if last_tag is not None:
                channel.basic_ack(delivery_tag=last_tag, multiple=True)

    def purge(self, tenant: str, queue: str) -> int:
        """queue.purge."""
        queue = self.address(tenant, queue)
        with self._channel(queue) as (channel, _count):
            return int(channel.queue_purge(queue).method.message_count)

    def size(self, tenant: str, queue: str) -> int:
        """message_count of a passive declare."""
        with self._channel(self.address(tenant, queue)) as (_channel, count):
            return count

    def health(self) -> dict[str, Any]:
        """Connects now; unhealthy (and why) when the broker does not answer."""
        import pika
        import pika.exceptions

        details: dict[str, Any] = {"backend": self.backend, "host": self.params.host, "port": self.params.port}
        try:
            pika.BlockingConnection(self.params).close()
        except pika.exceptions.AMQPError as exc:
            return {"healthy": False, "details": {"status": "unreachable", **details, "error": repr(exc)}}
        return {"healthy": True, "details": {"status": "connected", **details}}


def open_queue(url: str | None, store: Store) -> DataQueue:
    """RabbitMQ when a datastream URL is configured, else the embedded queue."""
    if url:
        return RabbitQueue(url)
    return StoreQueue(store)
