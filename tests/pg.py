"""PostgreSQL for tests: a database of the session's own, and fresh ones for tests that need them.

The server is the machine's PostgreSQL (127.0.0.1:5432, trust auth) or `RUNYARD_TEST_PG`
(a URL of a database the tests may connect to with CREATE DATABASE rights). Every
database made here is named `runyard_t_<random>` and dropped afterwards (`WITH (FORCE)`:
a connection a failed test left open does not keep it). Without a reachable server, or
without psycopg, the tests that need one skip with the reason; under `CI=true` they fail.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
PREFIX = "runyard_t_"


def server_url() -> str:
    """The database tests connect to in order to create and drop their own."""
    return os.environ.get("RUNYARD_TEST_PG") or DEFAULT_PG


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} but CI=true requires PostgreSQL")
    pytest.skip(reason)


def _admin() -> Any:
    """An autocommit connection to `server_url()` (CREATE/DROP DATABASE cannot run in a transaction)."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'runyard[postgres]')")
        raise
    try:
        return psycopg.connect(server_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL is not reachable at {server_url()}: {str(exc).strip()}")
        raise


def with_database(url: str, name: str) -> str:
    """`url` naming database `name` instead of its own."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    """The database a URL names."""
    return urlsplit(url).path.lstrip("/")


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """An empty database of its own for the block (its URL), dropped after it."""
    name = PREFIX + secrets.token_hex(6)
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        # Tests need no durability across a crash of the server: commits return without waiting for the disk.
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield with_database(server_url(), name)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The URL of an empty database made for this test session (dropped at its end)."""
    with fresh_database() as url:
        yield url
