"""Run search: filter terms and sort keys, parsed from a small text language or built directly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from runyard.errors import InvalidInputError

FIELD_KINDS: tuple[str, ...] = ("metrics", "params", "config", "tags", "attributes")
ATTRIBUTES: tuple[str, ...] = ("status", "name", "uid", "start_time", "end_time", "id")
OPERATORS: tuple[str, ...] = ("=", "!=", "<", "<=", ">", ">=", "contains")


@dataclass(frozen=True, slots=True)
class Filter:
    """One condition: `metrics.loss < 0.5`, `params.lr = 0.01`, `tags contains 'x'`."""

    kind: str
    name: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise InvalidInputError(f"unknown field kind {self.kind!r}; use one of {FIELD_KINDS}")
        if self.op not in OPERATORS:
            raise InvalidInputError(f"unknown operator {self.op!r}; use one of {OPERATORS}")
        if self.kind == "attributes" and self.name not in ATTRIBUTES:
            raise InvalidInputError(f"unknown attribute {self.name!r}; use one of {ATTRIBUTES}")
        if self.kind == "tags" and self.op not in ("contains", "="):
            raise InvalidInputError("tags support only 'contains'")


@dataclass(frozen=True, slots=True)
class SortKey:
    """Order by a field; runs lacking the field sort last."""

    kind: str
    name: str
    descending: bool = False

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS or self.kind == "tags":
            raise InvalidInputError(f"cannot sort by {self.kind!r}")
        if self.kind == "attributes" and self.name not in ATTRIBUTES:
            raise InvalidInputError(f"unknown attribute {self.name!r}; use one of {ATTRIBUTES}")


# Latest-started runs first, ties by id (several dialects list runs, or find the newest, this way).
NEWEST_FIRST = (SortKey("attributes", "start_time", descending=True), SortKey("attributes", "id", descending=True))


@dataclass(frozen=True, slots=True)
class RunQuery:
    """What `Store.search_runs` takes."""

    project_ids: tuple[int, ...] = ()
    filters: tuple[Filter, ...] = ()
    order_by: tuple[SortKey, ...] = ()
    limit: int | None = None
    offset: int = 0


_TERM = re.compile(
    r"""\s*(?P<field>[A-Za-z_][\w]*(?:\.(?:`[^`]+`|"[^"]+"|[^\s=!<>]+))?)\s*
        (?P<op>!=|<=|>=|=|==|<|>|\bcontains\b)\s*
        (?P<value>'[^']*'|"[^"]*"|[^\s]+)\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def _split_field(text: str) -> tuple[str, str]:
    kind, _, name = text.partition(".")
    kind = kind.lower()
    if kind in ("metric",):
        kind = "metrics"
    elif kind in ("param",):
        kind = "params"
    elif kind in ("tag",):
        kind = "tags"
    elif kind in ("attribute", "attr", "run"):
        kind = "attributes"
    elif kind in ATTRIBUTES and not name:
        kind, name = "attributes", kind
    if name[:1] in "`\"" and name[-1:] == name[:1]:
        name = name[1:-1]
    return kind, name


def _parse_value(text: str) -> Any:
    if text[:1] in "'\"" and text[-1:] == text[:1]:
        return text[1:-1]
    try:
        number = int(text)
    except ValueError:
        pass
    else:
        # Beyond int64 SQLite cannot bind it: compare as a float instead.
        return number if -(2**63) <= number < 2**63 else float(number)
    try:
        return float(text)
    except ValueError:
        return text


def parse_filter(expression: str) -> tuple[Filter, ...]:
    """Parse `metrics.loss < 0.5 and params.lr = 0.01 and tags contains 'x'`."""
    if not expression.strip():
        return ()
    filters = []
    for term in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE):
        match = _TERM.match(term)
        if match is None:
            raise InvalidInputError(f"cannot parse filter term {term!r}")
        kind, name = _split_field(match["field"])
        op = match["op"].lower()
        op = "=" if op == "==" else op
        if kind == "tags" and not name:
            name = "tags"
        filters.append(Filter(kind, name, op, _parse_value(match["value"])))
    return tuple(filters)


def parse_order_by(terms: list[str] | tuple[str, ...]) -> tuple[SortKey, ...]:
    """Parse `["metrics.loss asc", "attributes.start_time desc"]`."""
    keys = []
    for term in terms:
        parts = term.strip().split()
        if not parts or len(parts) > 2:
            raise InvalidInputError(f"cannot parse sort term {term!r}")
        direction = parts[1].lower() if len(parts) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise InvalidInputError(f"sort direction must be asc or desc, not {direction!r}")
        kind, name = _split_field(parts[0])
        keys.append(SortKey(kind, name, direction == "desc"))
    return tuple(keys)
