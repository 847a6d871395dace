"""SQL for run search: filters and sorting on metrics, params, config, tags and attributes."""

from __future__ import annotations

import sqlite3
from typing import Any

from runyard.errors import InvalidInputError
from runyard.store.models import Run
from runyard.store.query import Filter, RunQuery, SortKey
from runyard.store.sqlite.rows import RUN_COLUMNS, run_from_row

_SQL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _json_path(name: str, nested: bool) -> str:
    parts = name.split(".") if nested else [name]
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in parts)
    return "$." + quoted


def _field_sql(kind: str, name: str) -> tuple[str, list[Any]]:
    """An SQL expression giving the field's value for `runs`, with its arguments."""
    if kind == "attributes":
        return f"runs.{name}", []
    if kind == "metrics":
        return "(SELECT last_value FROM metric_keys mk WHERE mk.run_id = runs.id AND mk.key = ?)", [name]
    if kind == "params":
        # Params first; a config value of the same top-level name answers otherwise.
        return (
            "coalesce(json_extract(runs.params, ?), json_extract(runs.config, ?))",
            [_json_path(name, False), _json_path(name, False)],
        )
    if kind == "config":
        return "json_extract(runs.config, ?)", [_json_path(name, True)]
    raise InvalidInputError(f"cannot use {kind!r} here")


def _filter_sql(item: Filter) -> tuple[str, list[Any]]:
    if item.kind == "tags":
        return "EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = ?)", [item.value]
    expr, args = _field_sql(item.kind, item.name)
    value = item.value
    if item.op == "contains":
        return f"instr(lower(CAST({expr} AS TEXT)), lower(?)) > 0", [*args, str(value)]
    op = _SQL_OPS[item.op]
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float) and item.kind in ("params", "config"):
        # Params logged as text ("0.01") still compare as numbers.
        return (
            f"(CASE WHEN typeof({expr}) IN ('integer', 'real') THEN {expr}"
            f" WHEN typeof({expr}) = 'text' AND trim({expr}) GLOB '[0-9+.-]*' THEN CAST({expr} AS REAL)"
            f" END) {op} ?",
            [*args * 5, value],
        )
    if isinstance(value, int | float) or item.kind == "metrics":
        return f"{expr} {op} ?", [*args, value]
    return f"CAST({expr} AS TEXT) {op} ?", [*args, str(value)]


def _where(query: RunQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if query.project_ids:
        clauses.append(f"runs.project_id IN ({','.join('?' * len(query.project_ids))})")
        args.extend(query.project_ids)
    for item in query.filters:
        sql, more = _filter_sql(item)
        clauses.append(sql)
        args.extend(more)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _order(keys: tuple[SortKey, ...]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    args: list[Any] = []
    for key in keys:
        expr, more = _field_sql(key.kind, key.name)
        direction = "DESC" if key.descending else "ASC"
        parts.append(f"({expr}) IS NULL, ({expr}) {direction}")
        args.extend(more + more)
    parts.append("runs.id")
    return " ORDER BY " + ", ".join(parts), args


def search(conn: sqlite3.Connection, query: RunQuery) -> list[Run]:
    """Runs matching the query."""
    where, where_args = _where(query)
    order, order_args = _order(query.order_by)
    limit = -1 if query.limit is None else query.limit
    sql = f"SELECT {RUN_COLUMNS} FROM runs{where}{order} LIMIT ? OFFSET ?"
    rows = conn.execute(sql, [*where_args, *order_args, limit, query.offset]).fetchall()
    return [run_from_row(row) for row in rows]


def count(conn: sqlite3.Connection, query: RunQuery) -> int:
    """Matching runs, ignoring pagination."""
    where, args = _where(query)
    return int(conn.execute(f"SELECT count(*) FROM runs{where}", args).fetchone()[0])
