"""Opening a store by where it lives: a data dir (embedded SQLite) or a `postgresql://` URL.

Every caller (server, CLI commands, SDK local mode, `runyard migrate`) opens stores here, so the
choice of backend, the optional-dependency message and the artifacts location are decided once.
Backends are imported lazily: the PostgreSQL driver stays an extra (`runyard[postgres]`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from runyard.errors import DependencyMissingError, InvalidInputError
from runyard.store.base import Store

POSTGRES_SCHEMES = ("postgresql", "postgres")
POSTGRES_HINT = "pip install 'runyard[postgres]'"
# Query parameters of a connection URL that carry secrets (libpq's and the object stores').
_SECRET_PARAMS = frozenset({"password", "sslpassword", "secret", "token", "access_key", "secret_key"})

Location = str | os.PathLike[str]


def url_scheme(location: Location) -> str | None:
    """`postgresql` for `postgresql://...`; None for a plain path (a data dir)."""
    text = os.fspath(location)
    if "://" not in text:
        return None
    return text.split("://", 1)[0].lower()


def is_postgres(location: Location | None) -> bool:
    """Whether `location` names a PostgreSQL database."""
    return location is not None and url_scheme(location) in POSTGRES_SCHEMES


def redact(location: Location) -> str:
    """The location as it may be shown (logs, /health, progress lines): without passwords or secrets."""
    text = os.fspath(location)
    if url_scheme(text) is None:
        return text
    parts = urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{hostport}" if user else hostport
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() not in _SECRET_PARAMS])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def open_store(
    location: Location,
    *,
    artifacts: str | None = None,
    data_dir: Location | None = None,
    create: bool = True,
    read_only: bool | None = None,
) -> Store:
    """Open the store at `location`: a data dir (SQLite, created when missing unless `create=False`)
    or a `postgresql://` URL.

    `artifacts`: where artifact files live (`s3://bucket/prefix`, or a folder); None keeps them in
    `<data dir>/artifacts` (the data dir is `location` itself, or `data_dir` for a database URL).
    `read_only` (data dirs only): True reads an existing store without writing anything; None
    (default) does so when this process has no write access to it.
    """
    from runyard.store.artifacts import open_artifact_store

    scheme = url_scheme(location)
    if scheme is None:
        from runyard.store.sqlite.store import SQLiteStore

        directory = Path(location)
        if artifacts is None:  # the data dir's own artifacts folder
            return SQLiteStore(directory, create=create, read_only=read_only)
        return SQLiteStore(directory, create=create, read_only=read_only,
                           artifacts=open_artifact_store(artifacts, directory))
    if scheme not in POSTGRES_SCHEMES:
        raise InvalidInputError(
            f"cannot open a store at {redact(location)!r}: give a data dir or a postgresql:// URL")
    if data_dir is None:
        from runyard.paths import resolve_data_dir

        data_dir = resolve_data_dir(None)
    try:
        import psycopg  # noqa: F401  (only to tell a missing extra from a broken install)
        import psycopg_pool  # noqa: F401
    except ImportError:
        raise DependencyMissingError(f"a postgresql:// store needs the PostgreSQL driver: {POSTGRES_HINT}") from None
    from runyard.store.postgres.store import PostgresStore

    return PostgresStore(os.fspath(location), artifacts=open_artifact_store(artifacts, Path(data_dir)))
