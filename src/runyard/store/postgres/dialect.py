"""PostgreSQL's `Dialect` for the shared SQL: JSON documents (TEXT columns) read as jsonb, row locks.

JSON documents are read through `runyard_jsonb` (schema.py: a document holding an escaped NUL
does not fail the search). JSON values come back as jsonb, so ordering and comparing them behaves as SQLite's
json_extract does within one type (numbers as numbers, strings as strings); a JSON null
is SQL NULL, as in SQLite. No fragment contains a literal `?` (jsonb's `?` operator, a
regex quantifier): `PgConn` reads every `?` as a placeholder, so patterns go as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

from runyard.store.sql.conn import Dialect, Expr

# A whole number as text, the way a param logged as "0.01" or " 3e-4 " is still a number.
_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"


def _json_value(column: str, parts: Sequence[str]) -> Expr:
    return f"nullif(runyard_jsonb({column}) #> ?::text[], 'null'::jsonb)", [list(parts)]


def _json_number(expr: Expr) -> Expr:
    sql, args = expr
    # The value is computed once in a sub-select (OFFSET 0 keeps it from being inlined back five times):
    # each use would parse the run's JSON document again.
    return (
        "(SELECT CASE jsonb_typeof(v) WHEN 'number' THEN (v #>> '{}')::float8"
        " WHEN 'boolean' THEN CASE WHEN v = 'true'::jsonb THEN 1.0 ELSE 0.0 END"
        f" WHEN 'string' THEN CASE WHEN (v #>> '{{}}') ~ ? THEN runyard_float8(v #>> '{{}}') END END"
        f" FROM (SELECT {sql} AS v OFFSET 0) AS json_value)",
        [_NUMBER, *args],
    )


def _as_text(expr: Expr) -> Expr:
    # runyard_text (schema.py): a jsonb value as its text (a string without quotes), any other value cast.
    return f"runyard_text({expr[0]})", expr[1]


def _contains(text: Expr, needle: Expr) -> Expr:
    return f"strpos(lower({text[0]}), lower({needle[0]})) > 0", [*text[1], *needle[1]]


def _has_tag(column: str, tag: str) -> Expr:
    return f"runyard_jsonb({column}) @> jsonb_build_array(?::text)", [tag]


POSTGRES = Dialect(name="postgresql", for_update=" FOR UPDATE", json_value=_json_value, json_number=_json_number,
                   as_text=_as_text, contains=_contains, has_tag=_has_tag)
