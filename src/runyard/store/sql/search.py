"""SQL for run search: filters and sorting on metrics, params, config, tags, attributes, bare names and free text."""

from __future__ import annotations

from typing import Any

from runyard.errors import InvalidInputError
from runyard.store.models import Run
from runyard.store.query import Filter, RunQuery, SortKey
from runyard.store.sql.conn import Conn, Expr, limit_arg
from runyard.store.sql.rows import RUN_COLUMNS, run_from_row

_SQL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_TEXT_FIELDS = ("runs.name", "runs.status", "runs.tags", "runs.notes")


class _Sql:
    """One query's dialect and the metric keys it reads, each joined once.

    A metric is a LEFT JOIN on `metric_keys` (one per name, however often the query uses it)
    rather than a subquery per use and row: PostgreSQL then joins the 10,000 runs of a project
    in one pass, and a sort key is looked up once per run, not twice.
    """

    def __init__(self, conn: Conn) -> None:
        self.dialect = conn.dialect
        self._aliases: dict[str, str] = {}

    def metric(self, name: str) -> str:
        """The last value of the run's metric `name` (NULL when it has none)."""
        alias = self._aliases.setdefault(name, f"mk{len(self._aliases)}")
        return f"{alias}.last_value"

    def joins(self) -> Expr:
        """The joins of the metrics used so far (their SQL goes before WHERE)."""
        sql = "".join(f" LEFT JOIN metric_keys {alias} ON {alias}.run_id = runs.id AND {alias}.key = ?"
                      for alias in self._aliases.values())
        return sql, list(self._aliases)


def _field_sql(q: _Sql, kind: str, name: str) -> Expr:
    """An SQL expression giving the field's value for `runs`, with its arguments."""
    if kind == "attributes":
        return f"runs.{name}", []
    if kind == "metrics":
        return q.metric(name), []
    json_value = q.dialect.json_value
    if kind == "params":
        # Params first; a config value of the same top-level name answers otherwise.
        (param, param_args), (config, config_args) = json_value("runs.params", [name]), json_value("runs.config", [name])
        return f"coalesce({param}, {config})", [*param_args, *config_args]
    if kind == "config":
        return json_value("runs.config", name.split("."))
    if kind == "any":
        # Sorting by a bare name: the metric, else the param or config value as a number.
        number, number_args = q.dialect.json_number(_setting_sql(q, name))
        return f"coalesce({q.metric(name)}, {number})", number_args
    raise InvalidInputError(f"cannot use {kind!r} here")


def _setting_sql(q: _Sql, name: str) -> Expr:
    """A param of that name, else the config value at that (dotted) path."""
    json_value = q.dialect.json_value
    (param, param_args), (config, config_args) = json_value("runs.params", [name]), json_value("runs.config", name.split("."))
    return f"coalesce({param}, {config})", [*param_args, *config_args]


def _any_sql(q: _Sql, item: Filter) -> Expr:
    """A bare name: the run's metric of that name when it has one, else its param or config value."""
    dialect = q.dialect
    setting = _setting_sql(q, item.name)
    if item.op == "contains":
        return dialect.contains(dialect.as_text(setting), ("?", [str(item.value)]))
    op = _SQL_OPS[item.op]
    metric = q.metric(item.name)
    value = int(item.value) if isinstance(item.value, bool) else item.value
    if isinstance(value, int | float):
        number, number_args = dialect.json_number(setting)
        return (f"CASE WHEN {metric} IS NOT NULL THEN {metric} {op} ? ELSE {number} {op} ? END",
                [value, *number_args, value])
    text, text_args = dialect.as_text(setting)
    return f"({metric} IS NULL AND {text} {op} ?)", [*text_args, str(value)]


def _text_sql(q: _Sql, needle: str) -> Expr:
    """Free text: the name, status, tags or notes contain it (ignoring case)."""
    dialect = q.dialect
    parts = [dialect.contains(dialect.as_text((column, [])), ("?", [needle])) for column in _TEXT_FIELDS]
    return "(" + " OR ".join(sql for sql, _ in parts) + ")", [arg for _, args in parts for arg in args]


def _filter_sql(q: _Sql, item: Filter) -> Expr:
    dialect = q.dialect
    if item.kind == "tags":
        return dialect.has_tag("runs.tags", str(item.value))
    if item.kind == "any":
        return _any_sql(q, item)
    if item.kind == "text":
        return _text_sql(q, str(item.value))
    field = _field_sql(q, item.kind, item.name)
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


def _where(q: _Sql, query: RunQuery) -> Expr:
    clauses: list[str] = []
    args: list[Any] = []
    if query.project_ids:
        clauses.append(f"runs.project_id IN ({','.join('?' * len(query.project_ids))})")
        args.extend(query.project_ids)
    for item in query.filters:
        sql, more = _filter_sql(q, item)
        clauses.append(sql)
        args.extend(more)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _order(q: _Sql, keys: tuple[SortKey, ...]) -> Expr:
    parts: list[str] = []
    args: list[Any] = []
    for key in keys:
        expr, more = _field_sql(q, key.kind, key.name)
        # Runs without the value come last either way (evaluated once, where `x IS NULL, x` took two).
        parts.append(f"{expr} {'DESC' if key.descending else 'ASC'} NULLS LAST")
        args.extend(more)
    parts.append("runs.id")
    return " ORDER BY " + ", ".join(parts), args


def search(conn: Conn, query: RunQuery) -> list[Run]:
    """Runs matching the query."""
    q = _Sql(conn)
    where, where_args = _where(q, query)
    order, order_args = _order(q, query.order_by)
    joins, join_args = q.joins()
    sql = f"SELECT {RUN_COLUMNS} FROM runs{joins}{where}{order} LIMIT ? OFFSET ?"
    rows = conn.execute(sql, [*join_args, *where_args, *order_args, limit_arg(query.limit), query.offset]).fetchall()
    return [run_from_row(row) for row in rows]


def count(conn: Conn, query: RunQuery) -> int:
    """Matching runs, ignoring pagination."""
    q = _Sql(conn)
    where, where_args = _where(q, query)
    joins, join_args = q.joins()
    return int(conn.execute(f"SELECT count(*) FROM runs{joins}{where}", [*join_args, *where_args]).fetchone()[0])
