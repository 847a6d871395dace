"""Fixtures every test package shares; a package's own conftest overrides them where it differs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.store import Store, open_store


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
