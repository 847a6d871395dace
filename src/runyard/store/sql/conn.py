"""What the shared SQL needs of a database connection (`Conn`), and the few fragments that differ (`Dialect`).

Every module of `runyard.store.sql` takes a `Conn` and writes SQL in the common subset of
SQLite (3.40) and PostgreSQL (15): `?` placeholders, `RETURNING`, `ON CONFLICT (...) DO ...`,
`coalesce`, `substr`, `lower`, ordering by id columns. What cannot be written once (JSON
inside TEXT columns, row locks) comes from the connection's `dialect`.

A `sqlite3.Connection` subclass (`runyard.store.sqlite.dialect`) is a `Conn` as it is: DB-API
connections carry their exception classes as attributes, so `except conn.IntegrityError:`
needs no import of the driver here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# An SQL expression with the arguments of its `?` placeholders, in order.
Expr = tuple[str, list[Any]]

# `LIMIT ?` for "no limit": SQLite's -1 is an error in PostgreSQL, NULL an error in SQLite.
NO_LIMIT = 2**63 - 1


class Cursor(Protocol):
    """The part of a DB-API cursor the SQL modules use."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """A connection inside a transaction the `Database` owns (the SQL modules never commit)."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def IntegrityError(self) -> type[Exception]: ...

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Cursor: ...

    def stream(self, sql: str, params: Sequence[Any] = (), /) -> Iterable[Any]:
        """Rows handed over as they arrive (large rows: metric chunks' blobs), not after the last one.

        The caller reads every row before its next statement on this connection.
        """


@dataclass(frozen=True, slots=True)
class Dialect:
    """The SQL fragments that differ between backends; everything else is written once.

    The expression builders take and return `Expr` (SQL text, arguments) so that a fragment
    may repeat its operand (the SQLite number coercion does, five times) without the caller
    counting placeholders.
    """

    name: str
    """The backend's name (`StoreInfo.backend`)."""

    for_update: str
    """Appended to a SELECT that reads a row the same transaction then rewrites (" FOR UPDATE", or "")."""

    json_value: Callable[[str, Sequence[str]], Expr]
    """(column, key path) -> the value at that path of a TEXT column holding a JSON object; SQL NULL when
    absent. One path part is a top-level key (which may contain dots), several are nested keys. The result
    must order and compare sensibly (numbers as numbers) and be accepted by `json_number` and `as_text`."""

    json_number: Callable[[Expr], Expr]
    """A `json_value` result as a number: JSON numbers, booleans as 1/0, and text that reads as a number
    ("0.01", a param logged as text); NULL otherwise. Used for `params.lr < 0.1` style filters."""

    as_text: Callable[[Expr], Expr]
    """A column or `json_value` result as text, the way SQLite's CAST(x AS TEXT) gives it (a JSON string
    without its quotes, 3 as '3', 0.5 as '0.5'). Used for string comparisons and `contains`."""

    contains: Callable[[Expr, Expr], Expr]
    """(text, needle) -> a condition: the text contains the needle, ignoring case."""

    has_tag: Callable[[str, str], Expr]
    """(column, tag) -> a condition: the TEXT column's JSON list of strings contains the tag."""


def limit_arg(limit: int | None) -> int:
    """The value for `LIMIT ?`: `None` is no limit."""
    return NO_LIMIT if limit is None else limit
