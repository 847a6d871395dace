"""Run search: filter terms and sort keys, parsed from a small text language or built directly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from runyard.errors import InvalidInputError

# `any`: a bare name (the metric of that name, else the param, else the config value);
# `text`: free text matched against name, status, tags and notes.
FIELD_KINDS: tuple[str, ...] = ("metrics", "params", "config", "tags", "attributes", "any", "text")
ATTRIBUTES: tuple[str, ...] = ("status", "name", "uid", "start_time", "end_time", "id", "notes")
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
        if self.kind == "text" and self.op != "contains":
            raise InvalidInputError("free text supports only 'contains'")


@dataclass(frozen=True, slots=True)
class SortKey:
    """Order by a field; runs lacking the field sort last."""

    kind: str
    name: str
    descending: bool = False

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS or self.kind in ("tags", "text"):
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


# One token of a filter: a quoted text, an operator, or a word (a field, a value or free text;
# backticks quote a part of a field name that has spaces or operator characters).
_TOKEN = re.compile(
    r"""\s*(?:(?P<quoted>'[^']*'|"[^"]*")
         |(?P<op><=|>=|!=|==|=|<|>|~)
         |(?P<word>(?:`[^`]*`|[^\s<>=!~'"`]|!(?!=))+))""",
    re.VERBOSE,
)
_AND = "and"
_CONTAINS = "contains"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # quoted, op or word
    text: str
    at: int  # character offset in the expression (1-based in messages)


def _tokens(expression: str) -> list[_Token]:
    found: list[_Token] = []
    pos = 0
    while pos < len(expression):
        if expression[pos:].strip() == "":
            break
        match = _TOKEN.match(expression, pos)
        if match is None or match.end() == pos:
            at = len(expression) - len(expression[pos:].lstrip())
            char = expression[at]
            why = "a quote that is not closed" if char in "'\"`" else f"an unexpected {char!r}"
            raise InvalidInputError(f"cannot parse filter term at character {at + 1}: {why}")
        kind = match.lastgroup or "word"
        found.append(_Token(kind, match[kind], match.start(kind)))
        pos = match.end()
    return found


def _is_op(token: _Token | None) -> bool:
    return token is not None and (token.kind == "op" or (token.kind == "word" and token.text.lower() == _CONTAINS))


_KIND_NAMES = {"metrics": "metrics", "metric": "metrics", "params": "params", "param": "params",
               "config": "config", "tags": "tags", "tag": "tags", "attributes": "attributes",
               "attribute": "attributes", "attr": "attributes", "run": "attributes"}


def _field(text: str) -> tuple[str, str]:
    """`kind.name` (kind spelled as above), an attribute, `tags`, or a bare name (kind `any`)."""
    head, dot, rest = text.partition(".")
    kind = _KIND_NAMES.get(head.lower())
    if kind and rest:
        return kind, _unquote(rest)
    if kind == "tags" and not dot:
        return "tags", "tags"
    if head.lower() in ATTRIBUTES and not dot:
        return "attributes", head.lower()
    return "any", _unquote(text)


def _unquote(name: str) -> str:
    """`val loss` in backticks (or quotes) is the name val loss."""
    if len(name) > 1 and name[0] in "`\"'" and name[-1] == name[0]:
        return name[1:-1]
    return name


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


def _term(field: _Token, op_token: _Token, value: _Token | None) -> Filter:
    op = op_token.text.lower()
    shown = f"{field.text} {op_token.text}"
    if value is None or value.kind == "op":
        found = "the end of the filter" if value is None else repr(value.text)
        raise InvalidInputError(f"cannot parse filter term {shown!r} (character {field.at + 1}): "
                                f"a value must follow {op_token.text!r}, found {found}")
    kind, name = _field(field.text)
    op = {"==": "=", "~": _CONTAINS}.get(op, op)
    parsed = _parse_value(value.text)
    if kind == "attributes" and name == "status" and isinstance(parsed, str):
        parsed = parsed.lower()  # RUNNING, Running and running are one status
    try:
        return Filter(kind, name, op, parsed)
    except InvalidInputError as exc:
        raise InvalidInputError(f"cannot parse filter term {shown + ' ' + value.text!r}: {exc}") from None


def parse_filter(expression: str) -> tuple[Filter, ...]:
    """Parse a run filter: conditions, all of which must hold, optionally joined by `and`.

    `metrics.loss < 0.5 and params.lr = 0.01 and tags contains 'x'`, or the short form
    `loss<0.5 lr=0.01 status=running name~vit`: a bare name is the metric of that name, else
    the param, else the config value (kind `any`); `~` is `contains`; a word that is not part
    of a condition matches runs whose name, status, tags or notes contain it (kind `text`).
    """
    tokens = _tokens(expression)
    filters: list[Filter] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.kind == "word" and token.text.lower() == _AND and not _is_op(nxt):
            if not filters or nxt is None or (nxt.kind == "word" and nxt.text.lower() == _AND):
                raise InvalidInputError(f"cannot parse filter term at character {token.at + 1}: "
                                        "'and' needs a condition on each side")
            i += 1
        elif _is_op(nxt) and token.kind == "word":
            assert nxt is not None
            filters.append(_term(token, nxt, tokens[i + 2] if i + 2 < len(tokens) else None))
            i += 3
        elif token.kind == "op" or _is_op(nxt):
            raise InvalidInputError(f"cannot parse filter term at character {token.at + 1}: "
                                    f"{(nxt if token.kind != 'op' and nxt else token).text!r} needs a field name "
                                    "before it (e.g. loss < 0.5)")
        else:
            filters.append(Filter("text", "", _CONTAINS, _parse_value(token.text) if token.kind == "quoted"
                                  else token.text))
            i += 1
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
        kind, name = _field(parts[0])
        keys.append(SortKey(kind, name, direction == "desc"))
    return tuple(keys)
