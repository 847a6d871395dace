"""Fixtures every test package shares; a package's own conftest overrides them where it differs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.store import Store, open_store
from tests.pg import pg_url  # noqa: F401  (the session's PostgreSQL database, for every package)


@pytest.fixture(autouse=True, scope="session")
def _quiet_sdk() -> Iterator[None]:
    """`runyard.init` prints where each run goes; tests (and the scripts they start) read stderr,
    so it is off here (tests/sdk/test_sdk_friendliness.py turns it back on where it checks it)."""
    before = os.environ.get("RUNYARD_QUIET")
    os.environ["RUNYARD_QUIET"] = "1"
    yield
    if before is None:
        os.environ.pop("RUNYARD_QUIET", None)
    else:
        os.environ["RUNYARD_QUIET"] = before


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An embedded store in `tmp_path/data`, closed after the test."""
    opened = open_store(tmp_path / "data")
    try:
        yield opened
    finally:
        opened.close()
