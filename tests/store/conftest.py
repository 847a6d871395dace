"""The conformance suite runs against every Store backend listed in BACKENDS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runyard.store import Store, open_store

BACKENDS: dict[str, Callable[[Path], Store]] = {
    "sqlite": lambda path: open_store(path / "data"),
}


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each backend."""
    opened = BACKENDS[request.param](tmp_path)
    try:
        yield opened
    finally:
        opened.close()
