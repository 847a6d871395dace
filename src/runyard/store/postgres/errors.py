"""PostgreSQL errors as runyard's (`runyard.errors`), and a database's name for messages."""

from __future__ import annotations

import psycopg
import psycopg_pool

from runyard.errors import (
    InsufficientStorageError,
    InvalidInputError,
    RunyardError,
    StoreError,
    StoreUnavailableError,
)

_BAD_VALUE = (psycopg.DataError, psycopg.errors.ProgramLimitExceeded)


def safe_name(url: str) -> str:
    """The database a URL names, for messages: without its password."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL database (unreadable URL)"
    host, port = info.get("host", "localhost"), info.get("port", "5432")
    return f"postgresql://{info.get('user', '')}@{host}:{port}/{info.get('dbname', '')}"


def as_store_error(exc: BaseException, name: str) -> RunyardError:
    """A driver error as runyard's: bad values 400, database down 503, disk full 507, the rest 500."""
    if isinstance(exc, UnicodeEncodeError):
        return InvalidInputError("text with a lone surrogate cannot be stored (not valid Unicode)")
    if isinstance(exc, OverflowError):
        return InvalidInputError(f"a number is out of the store's range (int64): {exc}")
    text = str(exc).strip()
    if isinstance(exc, psycopg.errors.DiskFull):
        return InsufficientStorageError(f"the database server's disk is full: {text}")
    if isinstance(exc, _BAD_VALUE):
        # Values no check upstream caught (a NUL in text, an int past int64, a key too long to index).
        return InvalidInputError(f"a value cannot be stored: {text}")
    if isinstance(exc, psycopg.OperationalError | psycopg_pool.PoolTimeout):
        return StoreUnavailableError(f"the database {name} is unavailable: {text}")
    return StoreError(f"database error on {name}: {text}")
