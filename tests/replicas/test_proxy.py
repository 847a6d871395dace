"""The test load balancer itself: round robin, bytes streamed as they come, a dropped backend skipped."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.tcp_proxy import TcpProxy


class Backend(threading.Thread):
    """Answers each connection with its name, then echoes every chunk at once (a stream, not a reply)."""

    def __init__(self, name: bytes) -> None:
        super().__init__(daemon=True)
        self.label = name
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    def _echo(self, conn: socket.socket) -> None:
        with conn:
            conn.sendall(self.label)
            while data := conn.recv(65536):
                conn.sendall(data)


@pytest.fixture
def backends() -> Iterator[list[Backend]]:
    started = [Backend(b"A"), Backend(b"B")]
    for backend in started:
        backend.start()
    yield started
    for backend in started:
        backend.listener.close()


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def test_round_robin_and_unbuffered_streaming(backends: list[Backend]) -> None:
    with TcpProxy([("127.0.0.1", b.port) for b in backends]) as proxy:
        names = []
        for _ in range(4):
            with _connect(proxy.port) as sock:
                names.append(sock.recv(1))
        assert names == [b"A", b"B", b"A", b"B"]
        with _connect(proxy.port) as sock:
            assert sock.recv(1) == b"A"
            for i in range(20):  # each small write comes back alone, before the next is sent
                sock.sendall(b"event %d\n" % i)
                assert sock.recv(100) == b"event %d\n" % i
        assert proxy.connections == [3, 2]


def test_a_dropped_backend_is_cut_and_skipped(backends: list[Backend]) -> None:
    with TcpProxy([("127.0.0.1", b.port) for b in backends]) as proxy:
        held = _connect(proxy.port)
        assert held.recv(1) == b"A"
        proxy.drop(0)
        deadline = time.monotonic() + 10
        while held.recv(100) and time.monotonic() < deadline:  # cut: the stream ends
            pass
        held.close()
        for _ in range(3):
            with _connect(proxy.port) as sock:
                assert sock.recv(1) == b"B"
        proxy.restore(0)
        seen = set()
        for _ in range(2):
            with _connect(proxy.port) as sock:
                seen.add(sock.recv(1))
        assert seen == {b"A", b"B"}


def test_a_backend_refusing_connections_is_passed_over(backends: list[Backend]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        dead = probe.getsockname()[1]  # nothing listens there once closed
    with TcpProxy([("127.0.0.1", dead), ("127.0.0.1", backends[1].port)]) as proxy:
        for _ in range(3):
            with _connect(proxy.port) as sock:
                assert sock.recv(1) == b"B"
