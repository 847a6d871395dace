"""SQLite's `Dialect` for the shared SQL, and the connection class that carries it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from runyard.store.sql.conn import Dialect, Expr


def _json_path(parts: Sequence[str]) -> str:
    return "$." + ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def _json_value(column: str, parts: Sequence[str]) -> Expr:
    return f"json_extract({column}, ?)", [_json_path(parts)]


def _json_number(expr: Expr) -> Expr:
    sql, args = expr
    return (
        f"(CASE WHEN typeof({sql}) IN ('integer', 'real') THEN {sql}"
        f" WHEN typeof({sql}) = 'text' AND trim({sql}) GLOB '[0-9+.-]*' THEN CAST({sql} AS REAL) END)",
        args * 5,
    )


def _as_text(expr: Expr) -> Expr:
    return f"CAST({expr[0]} AS TEXT)", expr[1]


def _contains(text: Expr, needle: Expr) -> Expr:
    return f"instr(lower({text[0]}), lower({needle[0]})) > 0", [*text[1], *needle[1]]


def _has_tag(column: str, tag: str) -> Expr:
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = ?)", [tag]


SQLITE = Dialect(name="sqlite", for_update="", json_value=_json_value, json_number=_json_number,
                 as_text=_as_text, contains=_contains, has_tag=_has_tag)


class SQLiteConn(sqlite3.Connection):
    """A `sqlite3.Connection` that is a `runyard.store.sql.conn.Conn` (pass as `factory=` to connect)."""

    dialect = SQLITE

    def stream(self, sql: str, params: Sequence[Any] = (), /) -> sqlite3.Cursor:
        # A cursor steps through its rows as they are iterated: it streams already.
        return self.execute(sql, params)
