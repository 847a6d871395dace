"""The conformance suite runs against every Store backend listed in BACKENDS.

PostgreSQL: one database per test session (tests/pg.py), emptied before each test (every
table deleted, identities and the change counter back at the start: ids begin at 1 as in a
fresh SQLite file), and a fresh `PostgresStore` per test, so no process-local cache outlives
the rows it was read from. Tests that are about SQLite files themselves carry the `sqlite_only`
marker with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runyard.store import Store, open_store
from runyard.store.artifacts import LocalArtifacts

# Each backend: (request, tmp_path) -> a function opening a store on that test's (empty) data.
BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Callable[[], Store]]] = {
    "sqlite": lambda _request, path: lambda: open_store(path / "data"),
    "postgresql": lambda request, path: _postgres(request, path),
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about the embedded SQLite backend itself")


def _reset_sql(url: str) -> str:
    """One round trip that empties the session database (< 1 ms, where TRUNCATE takes ~50 ms)."""
    import psycopg

    from runyard.store.postgres.schema import TABLES

    with psycopg.connect(url, autocommit=True) as conn:
        identities = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.columns WHERE is_identity = 'YES' AND column_name = 'id'"
            " AND table_schema = current_schema()")]
    return "; ".join(
        [f"DELETE FROM {table}" for table in TABLES]
        + ["UPDATE change_counter SET seq = 0"]
        + [f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1, false)" for table in identities]
    )


@pytest.fixture(scope="session")
def pg_store_url(pg_url: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """The session database with the store's schema, and a function emptying it."""
    import psycopg

    from runyard.store.postgres.store import PostgresStore

    PostgresStore(pg_url, artifacts=LocalArtifacts(Path("/nonexistent-artifacts"))).close()  # creates the schema
    reset = _reset_sql(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield pg_url, lambda: conn.execute(reset).close()


def _postgres(request: pytest.FixtureRequest, path: Path) -> Callable[[], Store]:
    from runyard.store.postgres.store import PostgresStore

    url, reset = request.getfixturevalue("pg_store_url")
    reset()
    return lambda: PostgresStore(url, artifacts=LocalArtifacts(path / "data" / "artifacts"), pool_max=4)


@pytest.fixture(params=sorted(BACKENDS))
def store_opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens a store of each backend on this test's data, empty at first (again: the same data, as a restart
    or another process sees it); every store opened is closed after the test."""
    marker = request.node.get_closest_marker("sqlite_only")
    if marker is not None and request.param != "sqlite":
        pytest.skip(f"SQLite only: {marker.kwargs.get('reason') or marker.args[0]}")
    make = BACKENDS[request.param](request, tmp_path)
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(make())
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(store_opener: Callable[[], Store]) -> Store:
    """A fresh, empty store of each backend."""
    return store_opener()
