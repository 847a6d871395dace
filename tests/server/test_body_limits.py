"""Bodies on a real uvicorn: the token is checked before any byte is read, every body is bounded.

Bodies are sent chunked (no Content-Length), so only counting what arrives can stop them.
"""

from __future__ import annotations

import contextlib
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import uvicorn
from fastapi import FastAPI

from runyard.server import create_app
from runyard.server.uploads import UPLOAD_ROUTES, is_upload_path
from runyard.settings import MIB, Settings
from runyard.store import open_store
from tests.live_server import LiveServer, free_port

CHUNK = b"x" * MIB


@dataclass
class Sent:
    status: int
    sent: int  # body bytes the client got out before the answer came
    seconds: float
    body: bytes


def stream(port: int, path: str, headers: dict[str, str], total: int, prefix: bytes = b"") -> Sent:
    """POST `prefix` then `total` bytes (made lazily, 1 MiB a chunk) chunked; stop once an answer arrives.

    Like curl, it watches for an answer while it sends: a server that answers early and stops
    reading must not leave the client blocked in send().
    """
    began = time.perf_counter()
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = "".join(f"{key}: {value}\r\n" for key, value in headers.items())
    pieces = [f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}Transfer-Encoding: chunked\r\n\r\n".encode()]
    pieces += [b"%x\r\n%s\r\n" % (len(prefix), prefix)] if prefix else []
    pieces += [b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK)] * (total // len(CHUNK)) + [b"0\r\n\r\n"]
    sent = 0
    sock.setblocking(False)
    pending = memoryview(b"")
    deadline = time.monotonic() + 60
    while (pieces or pending) and time.monotonic() < deadline:
        readable, writable, _ = select.select([sock], [sock], [], 1.0)
        if readable:
            break
        if writable:
            if not pending:
                pending = memoryview(pieces.pop(0))
            try:
                done = sock.send(pending)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                break
            sent += done
            pending = pending[done:]
    sock.settimeout(30)
    answer = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in answer or len(answer) < answer.find(b"\r\n\r\n") + 40:
            part = sock.recv(65536)
            if not part:
                break
            answer += part
    sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return Sent(status, sent, time.perf_counter() - began, answer)


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """The app on uvicorn on a loopback port, in a thread of this process."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(15)


def small_limits(tmp_path: Path, **changes: object) -> FastAPI:
    settings = Settings(data_dir=tmp_path / "data", max_body_bytes=MIB, max_artifact_bytes=2 * MIB)
    return create_app(settings.with_changes(**changes))


def _multipart_head(boundary: str) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()


def test_anonymous_body_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """The reported attack: 200 MB streamed without a token (multipart type) to a JSON route."""
    subprocess.run([sys.executable, "-m", "runyard", "token", "create", "--tenant", "acme", "--dir", str(tmp_path)],
                   capture_output=True, check=True)
    server = LiveServer(tmp_path, extra=["--auth"]).start()
    try:
        assert server.proc is not None
        proc = psutil.Process(server.proc.pid)
        before = proc.memory_info().rss
        peak = [before]
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                peak.append(proc.memory_info().rss)
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            got = stream(server.port, "/api/v1/experiments/runs/1/log-batch",
                         {"Content-Type": "multipart/form-data; boundary=b"}, 200 * MIB)
        finally:
            done.set()
            watcher.join()
        grown = (max(peak) - before) / MIB
        assert got.status == 401, got.body[:300]
        assert got.seconds < 10 and got.sent < 50 * MIB, (got.seconds, got.sent)
        assert grown < 50, f"server grew {grown:.0f} MiB"
    finally:
        server.stop()


def test_streamed_multipart_over_the_artifact_limit_stops_at_413(tmp_path: Path) -> None:
    with open_store(tmp_path / "data") as store:
        run = store.create_run(store.create_project("p").id)
    with serving(small_limits(tmp_path)) as port:
        got = stream(port, f"/api/v1/experiments/runs/{run.id}/log-artifact",
                     {"Content-Type": "multipart/form-data; boundary=zz"}, 64 * MIB, prefix=_multipart_head("zz"))
    assert got.status == 413, got.body[:300]
    assert b"max_artifact_bytes" in got.body
    assert got.sent < 16 * MIB, f"the server read {got.sent / MIB:.0f} MiB before answering"


def test_streamed_sdk_artifact_over_the_limit_stops_at_413(tmp_path: Path) -> None:
    with open_store(tmp_path / "data") as store:
        run = store.create_run(store.create_project("p").id)
    with serving(small_limits(tmp_path)) as port:
        got = stream(port, f"/api/v1/sdk/runs/{run.uid}/artifacts?name=big.bin",
                     {"Content-Type": "application/octet-stream"}, 64 * MIB)
    assert got.status == 413 and got.sent < 16 * MIB, (got.status, got.sent)


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=b", "text/plain",
                                          "application/octet-stream"])
def test_chunked_body_over_max_body_bytes_is_413(tmp_path: Path, content_type: str) -> None:
    with serving(small_limits(tmp_path)) as port:
        got = stream(port, "/api/v1/experiments/runs/metrics/query", {"Content-Type": content_type}, 64 * MIB,
                     prefix=b'{"run_ids": [1], "keys": ["')
    assert got.status == 413, got.body[:300]
    assert b"max_body_bytes" in got.body and got.sent < 16 * MIB, got.sent


def test_uploads_within_the_limit_still_work(tmp_path: Path) -> None:
    with open_store(tmp_path / "data") as store:
        run = store.create_run(store.create_project("p").id)
    head = _multipart_head("zz")
    tail = b"\r\n--zz--\r\n"
    with serving(small_limits(tmp_path)) as port:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        body = head + CHUNK + tail
        sock.sendall(f"POST /api/v1/experiments/runs/{run.id}/log-artifact HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
        answer = b""
        while part := sock.recv(65536):
            answer += part
        sock.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]


def test_upload_routes_are_declared_and_exist(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    paths = set(app.openapi()["paths"])
    assert set(UPLOAD_ROUTES) <= paths
    assert is_upload_path("/api/v1/sdk/runs/abc/artifacts") and not is_upload_path("/api/v1/sdk/runs/abc/params")


@pytest.mark.anyio
async def test_token_is_checked_before_the_first_body_byte(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", auth=True))
    reads: list[str] = []
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        reads.append("read")
        return {"type": "http.request", "body": b"{}", "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async with app.router.lifespan_context(app):
        for headers in ([], [(b"authorization", b"Bearer ry_bogus")]):
            reads.clear()
            sent.clear()
            scope = {"type": "http", "method": "POST", "path": "/api/v1/experiments",
                     "raw_path": b"/api/v1/experiments", "query_string": b"", "root_path": "", "scheme": "http",
                     "http_version": "1.1", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000),
                     "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                                 (b"transfer-encoding", b"chunked"), *headers], "asgi": {"version": "3.0"}}
            await app(scope, receive, send)
            assert sent[0]["status"] == 401 and reads == [], (headers, sent[0], reads)
