"""`PgConn`: a psycopg connection as the shared SQL's `Conn` (`?` placeholders, DB-API errors, the dialect)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg

from runyard.store.postgres.dialect import POSTGRES
from runyard.store.sql.conn import Dialect

Raw = psycopg.Connection[tuple[Any, ...]]


@functools.lru_cache(maxsize=4096)
def to_pg(sql: str) -> str:
    """The shared SQL's `?` placeholders as psycopg's `%s`, a literal `%` as `%%`.

    A `?` inside a quoted literal or identifier stays as it is. Cached: the shared SQL is a
    few hundred distinct strings (IN lists vary in length, the cache bounds them).
    """
    out: list[str] = []
    quote = ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append("%%" if char == "%" else char)
    return "".join(out)


def _values(params: Sequence[Any]) -> tuple[Any, ...]:
    """Parameters as psycopg sends them: PostgreSQL text cannot hold NUL, so a NUL character (a console
    line's, a note's) is stored as U+FFFD, the replacement character, instead of refusing the whole write."""
    return tuple(value.replace("\x00", "\ufffd") if type(value) is str and "\x00" in value else value
                 for value in params)


class PgConn:
    """A psycopg connection inside a transaction the PostgreSQL `Database` owns."""

    IntegrityError: type[Exception] = psycopg.errors.IntegrityError
    dialect: Dialect = POSTGRES

    __slots__ = ("raw",)

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> psycopg.Cursor[tuple[Any, ...]]:
        # Binary results: a metric chunk's blobs arrive as they are; as text (hex) a 1M-point read took 7x longer.
        return self.raw.execute(to_pg(sql), _values(params), binary=True)

    def stream(self, sql: str, params: Sequence[Any] = (), /) -> Iterator[tuple[Any, ...]]:
        # Rows as they arrive (psycopg's streaming mode), so a metric chunk decodes while the next one downloads.
        return self.raw.cursor(binary=True).stream(to_pg(sql), _values(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> psycopg.Cursor[tuple[Any, ...]]:
        cursor = self.raw.cursor()
        cursor.executemany(to_pg(sql), [_values(row) for row in rows])
        return cursor
