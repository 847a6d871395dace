"""SQL for run search: filters and sorting on metrics, params, config, tags, attributes, bare names and free text."""

from __future__ import annotations

from typing import Any

from runyard.errors import InvalidInputError
from runyard.store.models import Run
from runyard.store.query import Filter, RunQuery, SortKey
from runyard.store.sql.conn import Conn, Expr, limit_arg
from runyard.store.sql.rows import RUN_COLUMNS, run_from_row

_SQL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_METRIC = "(SELECT last_value FROM metric_keys mk WHERE mk.run_id = runs.id AND mk.key = ?)"
_TEXT_FIELDS = ("runs.name", "runs.status", "runs.tags", "runs.notes")


def _field_sql(conn: Conn, kind: str, name: str) -> Expr:
    """An SQL expression giving the field's value for `runs`, with its arguments."""
    if kind == "attributes":
        return f"runs.{name}", []
    if kind == "metrics":
        return _METRIC, [name]
    json_value = conn.dialect.json_value
    if kind == "params":
        # Params first; a config value of the same top-level name answers otherwise.
        (param, param_args), (config, config_args) = json_value("runs.params", [name]), json_value("runs.config", [name])
        return f"coalesce({param}, {config})", [*param_args, *config_args]
    if kind == "config":
        return json_value("runs.config", name.split("."))
    if kind == "any":
        # Sorting by a bare name: the metric, else the param or config value as a number.
        number, number_args = conn.dialect.json_number(_setting_sql(conn, name))
        return f"coalesce({_METRIC}, {number})", [name, *number_args]
    raise InvalidInputError(f"cannot use {kind!r} here")


def _setting_sql(conn: Conn, name: str) -> Expr:
    """A param of that name, else the config value at that (dotted) path."""
    json_value = conn.dialect.json_value
    (param, param_args), (config, config_args) = json_value("runs.params", [name]), json_value("runs.config", name.split("."))
    return f"coalesce({param}, {config})", [*param_args, *config_args]


def _any_sql(conn: Conn, item: Filter) -> Expr:
    """A bare name: the run's metric of that name when it has one, else its param or config value."""
    dialect = conn.dialect
    setting = _setting_sql(conn, item.name)
    if item.op == "contains":
        return dialect.contains(dialect.as_text(setting), ("?", [str(item.value)]))
    op = _SQL_OPS[item.op]
    value = int(item.value) if isinstance(item.value, bool) else item.value
    if isinstance(value, int | float):
        number, number_args = dialect.json_number(setting)
        return (f"CASE WHEN {_METRIC} IS NOT NULL THEN {_METRIC} {op} ? ELSE {number} {op} ? END",
                [item.name, item.name, value, *number_args, value])
    text, text_args = dialect.as_text(setting)
    return f"({_METRIC} IS NULL AND {text} {op} ?)", [item.name, *text_args, str(value)]


def _text_sql(conn: Conn, needle: str) -> Expr:
    """Free text: the name, status, tags or notes contain it (ignoring case)."""
    dialect = conn.dialect
    parts = [dialect.contains(dialect.as_text((column, [])), ("?", [needle])) for column in _TEXT_FIELDS]
    return "(" + " OR ".join(sql for sql, _ in parts) + ")", [arg for _, args in parts for arg in args]


def _filter_sql(conn: Conn, item: Filter) -> Expr:
    dialect = conn.dialect
    if item.kind == "tags":
        return dialect.has_tag("runs.tags", str(item.value))
    if item.kind == "any":
        return _any_sql(conn, item)
    if item.kind == "text":
        return _text_sql(conn, str(item.value))
    field = _field_sql(conn, item.kind, item.name)
    value = item.value
    if item.op == "contains":
        return dialect.contains(dialect.as_text(field), ("?", [str(value)]))
    op = _SQL_OPS[item.op]
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float) and item.kind in ("params", "config"):
        # Params logged as text ("0.01") still compare as numbers.
        sql, args = dialect.json_number(field)
        return f"{sql} {op} ?", [*args, value]
    if isinstance(value, int | float) or item.kind == "metrics":
        return f"{field[0]} {op} ?", [*field[1], value]
    sql, args = dialect.as_text(field)
    return f"{sql} {op} ?", [*args, str(value)]


def _where(conn: Conn, query: RunQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if query.project_ids:
        clauses.append(f"runs.project_id IN ({','.join('?' * len(query.project_ids))})")
        args.extend(query.project_ids)
    for item in query.filters:
        sql, more = _filter_sql(conn, item)
        clauses.append(sql)
        args.extend(more)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _order(conn: Conn, keys: tuple[SortKey, ...]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    args: list[Any] = []
    for key in keys:
        expr, more = _field_sql(conn, key.kind, key.name)
        direction = "DESC" if key.descending else "ASC"
        parts.append(f"({expr}) IS NULL, ({expr}) {direction}")
        args.extend(more + more)
    parts.append("runs.id")
    return " ORDER BY " + ", ".join(parts), args


def search(conn: Conn, query: RunQuery) -> list[Run]:
    """Runs matching the query."""
    where, where_args = _where(conn, query)
    order, order_args = _order(conn, query.order_by)
    sql = f"SELECT {RUN_COLUMNS} FROM runs{where}{order} LIMIT ? OFFSET ?"
    rows = conn.execute(sql, [*where_args, *order_args, limit_arg(query.limit), query.offset]).fetchall()
    return [run_from_row(row) for row in rows]


def count(conn: Conn, query: RunQuery) -> int:
    """Matching runs, ignoring pagination."""
    where, args = _where(conn, query)
    return int(conn.execute(f"SELECT count(*) FROM runs{where}", args).fetchone()[0])
