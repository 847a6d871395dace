"""Shared fixtures: a tmp data dir, a store to read back with, and leak checks."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.sdk import session
from runyard.store import Store, open_store
from tests.live_server import LiveServer

SDK_THREAD_PREFIXES = ("runyard-transposer", "runyard-flusher", "runyard-sysinfo", "runyard-monitor",
                       "runyard-store-writer", "runyard-media")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh data dir per test."""
    return tmp_path / "data"


@pytest.fixture
def reader(data_dir: Path) -> Iterator[Store]:
    """A store on the test's data dir, to read back what the SDK wrote."""
    store = open_store(data_dir)
    yield store
    store.close()


def _sdk_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(SDK_THREAD_PREFIXES)]


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    """Every test ends with no current run, no SDK threads and the hooks it found."""
    hook = sys.excepthook
    term = signal.getsignal(signal.SIGTERM)
    stdout, stderr = sys.stdout, sys.stderr
    yield
    leftover = session.current_run()
    if leftover is not None:
        leftover.finish()
        pytest.fail(f"test left run {leftover.name!r} unfinished")
    deadline = time.monotonic() + 5
    while _sdk_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _sdk_threads() == []
    assert sys.excepthook is hook
    assert signal.getsignal(signal.SIGTERM) is term
    assert sys.stdout is stdout and sys.stderr is stderr


@pytest.fixture
def servers() -> Iterator[list[LiveServer]]:
    """Real servers a test made (`test_remote.new_server`); all are stopped at the end, whatever happened."""
    started: list[LiveServer] = []
    try:
        yield started
    finally:
        for server in started:
            server.stop()
