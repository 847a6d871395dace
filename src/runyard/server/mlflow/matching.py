"""Matching and ordering parsed filters (`filters.py`) against values read for each experiment or run.

A `Lookup` gives an identifier's value for one item: a float (metrics, numeric attributes), a
str, or None when the item has no such key. A missing key matches nothing but IS NULL (SQL's
rule, which MLflow's stores follow); missing values sort last in either direction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

from runyard.server.mlflow.filters import Clause, Identifier, Order, like

T = TypeVar("T")
Value = float | str | None
Lookup = Callable[[T, Identifier], Value]


def _compare(found: float | str, op: str, wanted: float | str) -> bool:
    if op == "=":
        return found == wanted
    if op == "!=":
        return found != wanted
    if isinstance(found, str) or isinstance(wanted, str):
        return False  # a number compared with text matches nothing
    if math.isnan(found):
        return False
    return {"<": found < wanted, "<=": found <= wanted, ">": found > wanted, ">=": found >= wanted}[op]


def matches(clause: Clause, found: Value) -> bool:
    """Whether one item's value satisfies a clause."""
    if clause.op == "IS NULL":
        return found is None
    if clause.op == "IS NOT NULL":
        return found is not None
    if found is None:
        return False
    if clause.op in ("IN", "NOT IN"):
        inside = isinstance(clause.value, tuple) and str(found) in clause.value
        return inside if clause.op == "IN" else not inside
    if clause.op in ("LIKE", "ILIKE"):
        return like(str(clause.value), str(found), clause.op == "ILIKE")
    wanted = clause.value
    if not isinstance(wanted, float | str):
        return False
    if isinstance(wanted, float) and isinstance(found, str):
        return False
    return _compare(found, clause.op, wanted)


def select(items: Sequence[T], clauses: Sequence[Clause], lookup: Callable[[T, Identifier], Value]) -> list[T]:
    """The items matching every clause, in their order."""
    return [item for item in items if all(matches(c, lookup(item, c.target)) for c in clauses)]


def order(items: list[T], orders: Sequence[Order], lookup: Callable[[T, Identifier], Value]) -> list[T]:
    """Items sorted by `orders` (first entry first), missing and NaN values last; stable otherwise."""
    ranked = list(items)
    for entry in reversed(orders):
        values = {id(item): lookup(item, entry.target) for item in ranked}
        present = [item for item in ranked if not _missing(values[id(item)])]
        absent = [item for item in ranked if _missing(values[id(item)])]
        present.sort(key=lambda item: values[id(item)], reverse=not entry.ascending)  # type: ignore[arg-type,return-value]
        ranked = present + absent
    return ranked


def _missing(value: Value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
