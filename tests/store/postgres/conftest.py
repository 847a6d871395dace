"""PostgreSQL-only tests: stores acting as replicas of one database.

`db_url` is the session's database (tests/pg.py), emptied for the test; `fresh_url` a database
of the test's own, for what must start from nothing (migrations) or would disturb the session
database (killing every connection to it).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from runyard.store.artifacts import LocalArtifacts
from tests.pg import fresh_database

if TYPE_CHECKING:
    from runyard.store.postgres.store import PostgresStore

if importlib.util.find_spec("psycopg") is None and os.environ.get("CI", "").lower() != "true":
    # The modules import the backend; without the postgres extra they are not collected (pg_url says why
    # elsewhere). Under CI=true they are, and fail.
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def db_url(pg_store_url: tuple[str, Callable[[], None]]) -> str:
    """The session database, empty, with the store's schema."""
    url, reset = pg_store_url
    reset()
    return url


@pytest.fixture
def fresh_url(pg_url: str) -> Iterator[str]:
    """An empty database for this test alone (`pg_url` first: skip or fail once when PostgreSQL is missing)."""
    with fresh_database() as url:
        yield url


@pytest.fixture
def open_pg(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., PostgresStore]]:
    """Opens a store (another "replica") on `db_url`, or on the URL given; all are closed after the test."""
    from runyard.store.postgres.store import PostgresStore

    opened: list[PostgresStore] = []

    def open_one(url: str | None = None) -> PostgresStore:
        target = url if url is not None else request.getfixturevalue("db_url")
        store = PostgresStore(target, artifacts=LocalArtifacts(tmp_path / "artifacts"), pool_max=3)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()
