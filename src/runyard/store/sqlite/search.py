"""SQL for run search: filters and sorting on metrics, params, config, tags, attributes, bare names and free text."""

from __future__ import annotations

import sqlite3
from typing import Any

from runyard.errors import InvalidInputError
from runyard.store.models import Run
from runyard.store.query import Filter, RunQuery, SortKey
from runyard.store.sqlite.rows import RUN_COLUMNS, run_from_row

_SQL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_METRIC = "(SELECT last_value FROM metric_keys mk WHERE mk.run_id = runs.id AND mk.key = ?)"
_TEXT_FIELDS = ("runs.name", "runs.status", "runs.tags", "runs.notes")


def _json_path(name: str, nested: bool) -> str:
    parts = name.split(".") if nested else [name]
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in parts)
    return "$." + quoted


def _field_sql(kind: str, name: str) -> tuple[str, list[Any]]:
    """An SQL expression giving the field's value for `runs`, with its arguments."""
    if kind == "attributes":
        return f"runs.{name}", []
    if kind == "metrics":
        return _METRIC, [name]
    if kind == "params":
        # Params first; a config value of the same top-level name answers otherwise.
        return (
            "coalesce(json_extract(runs.params, ?), json_extract(runs.config, ?))",
            [_json_path(name, False), _json_path(name, False)],
        )
    if kind == "config":
        return "json_extract(runs.config, ?)", [_json_path(name, True)]
    if kind == "any":
        # Sorting by a bare name: the metric, else the param or config value as a number.
        number, number_args = _number_sql(*_setting_sql(name))
        return f"coalesce({_METRIC}, {number})", [name, *number_args]
    raise InvalidInputError(f"cannot use {kind!r} here")


def _setting_sql(name: str) -> tuple[str, list[Any]]:
    """A param of that name, else the config value at that (dotted) path."""
    return "coalesce(json_extract(runs.params, ?), json_extract(runs.config, ?))", [_json_path(name, False),
                                                                                  _json_path(name, True)]


def _number_sql(expr: str, args: list[Any]) -> tuple[str, list[Any]]:
    """A JSON value as a number: numbers as they are, text that reads as a number ("0.01") cast; else NULL."""
    return (
        f"(CASE WHEN typeof({expr}) IN ('integer', 'real') THEN {expr}"
        f" WHEN typeof({expr}) = 'text' AND trim({expr}) GLOB '[0-9+.-]*' THEN CAST({expr} AS REAL) END)",
        args * 5,
    )


def _any_sql(item: Filter) -> tuple[str, list[Any]]:
    """A bare name: the run's metric of that name when it has one, else its param or config value."""
    setting, setting_args = _setting_sql(item.name)
    if item.op == "contains":
        return f"instr(lower(CAST({setting} AS TEXT)), lower(?)) > 0", [*setting_args, str(item.value)]
    op = _SQL_OPS[item.op]
    value = int(item.value) if isinstance(item.value, bool) else item.value
    if isinstance(value, int | float):
        number, number_args = _number_sql(setting, setting_args)
        return (f"CASE WHEN {_METRIC} IS NOT NULL THEN {_METRIC} {op} ? ELSE {number} {op} ? END",
                [item.name, item.name, value, *number_args, value])
    return f"({_METRIC} IS NULL AND CAST({setting} AS TEXT) {op} ?)", [item.name, *setting_args, str(value)]


def _text_sql(needle: str) -> tuple[str, list[Any]]:
    """Free text: the name, status, tags or notes contain it (ignoring case)."""
    parts = [f"instr(lower(CAST({column} AS TEXT)), lower(?)) > 0" for column in _TEXT_FIELDS]
    return "(" + " OR ".join(parts) + ")", [needle] * len(parts)


def _filter_sql(item: Filter) -> tuple[str, list[Any]]:
    if item.kind == "tags":
        return "EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = ?)", [item.value]
    if item.kind == "any":
        return _any_sql(item)
    if item.kind == "text":
        return _text_sql(str(item.value))
    expr, args = _field_sql(item.kind, item.name)
    value = item.value
    if item.op == "contains":
        return f"instr(lower(CAST({expr} AS TEXT)), lower(?)) > 0", [*args, str(value)]
    op = _SQL_OPS[item.op]
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float) and item.kind in ("params", "config"):
        # Params logged as text ("0.01") still compare as numbers.
        number, number_args = _number_sql(expr, args)
        return f"{number} {op} ?", [*number_args, value]
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
