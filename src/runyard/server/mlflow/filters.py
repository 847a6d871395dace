"""MLflow's search grammar (`filter` and `order_by` of runs/search and experiments/search): a small parser.

A filter is clauses joined by AND (no OR, no parentheses), each `<identifier> <op> <value>`:
identifiers `metrics.<key>`, `params.<key>`, `tags.<key>`, `attributes.<key>` (a bare key is
an attribute), with the aliases MLflow accepts (`metric`, `param`, `parameter(s)`, `tag`,
`attr`, `attribute`, `run`); a key with other characters is backquoted (`metrics.\\`f1 score\\``)
or double-quoted. Operators: = != < <= > >= (numbers), = != LIKE ILIKE (strings),
IN / NOT IN ('a', 'b'), IS NULL / IS NOT NULL. Strings are single- or double-quoted. Nothing
here is evaluated as code: the text becomes `Clause` records, matched by `runyard.server.mlflow.search`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runyard.errors import InvalidInputError

ENTITY_ALIASES = {
    "metric": "metric", "metrics": "metric",
    "param": "param", "params": "param", "parameter": "param", "parameters": "param",
    "tag": "tag", "tags": "tag",
    "attribute": "attribute", "attributes": "attribute", "attr": "attribute", "run": "attribute",
    "dataset": "dataset", "datasets": "dataset",
}
NUMERIC_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
STRING_OPS = frozenset({"=", "!=", "LIKE", "ILIKE"})
_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]*`)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<open>\() | (?P<close>\)) | (?P<comma>,)
  | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<word>[A-Za-z_][\w.:/-]*)
)""", re.VERBOSE)
_KEYWORDS = frozenset({"AND", "LIKE", "ILIKE", "IN", "NOT", "IS", "NULL", "OR"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # string, quoted, op, open, close, comma, number, word
    text: str


@dataclass(frozen=True, slots=True)
class Identifier:
    """`entity.key`: entity is metric, param, tag, attribute or dataset."""

    entity: str
    key: str


@dataclass(frozen=True, slots=True)
class Clause:
    """One comparison: `value` is a float, a str, a tuple of str (IN) or None (IS NULL)."""

    target: Identifier
    op: str  # = != < <= > >= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL
    value: float | str | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Order:
    """One `order_by` entry."""

    target: Identifier
    ascending: bool


def _tokens(text: str) -> list[Token]:
    found: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].isspace():
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidInputError(f"Invalid filter {text!r}: cannot parse at {text[position:position + 20]!r}")
        kind = match.lastgroup or ""
        found.append(Token(kind, match.group(kind)))
        position = match.end()
    return found


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body) if text[0] in "'\"" else body


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.items = _tokens(text)
        self.at = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.items[index] if index < len(self.items) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("the filter ends too early")
        self.at += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.upper() in words:
            self.at += 1
            return True
        return False

    def error(self, why: str) -> InvalidInputError:
        return InvalidInputError(f"Invalid clause(s) in filter string {self.text!r}: {why}")


def _identifier(reader: _Reader, attributes: frozenset[str]) -> Identifier:
    token = reader.take()
    if token.kind == "quoted":
        entity, key = "attribute", _unquote(token.text)
    elif token.kind == "word" and token.text.upper() not in _KEYWORDS:
        entity, _, key = token.text.partition(".")
        if not _:
            entity, key = "attribute", token.text
        elif not key:  # `metrics.` followed by a backquoted or double-quoted key
            follow = reader.take()
            if follow.kind not in ("quoted", "string"):
                raise reader.error(f"expected a key after {token.text!r}")
            key = _unquote(follow.text)
    else:
        raise reader.error(f"expected an identifier, not {token.text!r}")
    kind = ENTITY_ALIASES.get(entity.strip("`"))
    if kind is None:
        raise InvalidInputError(f"Invalid entity type '{entity}'. Valid values are "
                                "['metric', 'parameter', 'tag', 'attribute', 'dataset']")
    if kind == "attribute" and key not in attributes:
        raise InvalidInputError(f"Invalid attribute key '{key}' specified. Valid keys are '{sorted(attributes)}'")
    if kind == "dataset":
        raise InvalidInputError("searching by dataset is not supported by runyard")
    return Identifier(kind, key)


def _string_list(reader: _Reader) -> tuple[str, ...]:
    if reader.take().kind != "open":
        raise reader.error("IN expects a parenthesized list of quoted strings")
    values: list[str] = []
    while True:
        token = reader.take()
        if token.kind != "string":
            raise reader.error("IN expects quoted strings")
        values.append(_unquote(token.text))
        token = reader.take()
        if token.kind == "close":
            return tuple(values)
        if token.kind != "comma":
            raise reader.error("IN list items are separated by commas")


def _clause(reader: _Reader, attributes: frozenset[str], numeric: frozenset[str]) -> Clause:
    target = _identifier(reader, attributes)
    if reader.keyword("IS"):
        negated = reader.keyword("NOT")
        if not reader.keyword("NULL"):
            raise reader.error("IS must be followed by NULL or NOT NULL")
        return Clause(target, "IS NOT NULL" if negated else "IS NULL", None)
    if reader.keyword("NOT"):
        if not reader.keyword("IN"):
            raise reader.error("NOT must be followed by IN")
        return Clause(target, "NOT IN", _string_list(reader))
    if reader.keyword("IN"):
        return Clause(target, "IN", _string_list(reader))
    if reader.keyword("LIKE", "ILIKE"):
        op = reader.items[reader.at - 1].text.upper()
    else:
        token = reader.take()
        if token.kind != "op":
            raise reader.error(f"expected a comparison operator, not {token.text!r}")
        op = "!=" if token.text == "<>" else token.text
    value = reader.take()
    is_number = target.entity == "metric" or (target.entity == "attribute" and target.key in numeric)
    if is_number:
        if op not in NUMERIC_OPS or value.kind != "number":
            raise InvalidInputError(f"Expected a numeric value and one of {sorted(NUMERIC_OPS)} for "
                                    f"{target.entity} {target.key!r}, found {op} {value.text!r}")
        return Clause(target, op, float(value.text))
    if op not in STRING_OPS or value.kind != "string":
        raise InvalidInputError(f"Expected a quoted string value and one of {sorted(STRING_OPS)} for "
                                f"{target.entity} {target.key!r}, found {op} {value.text!r}")
    return Clause(target, op, _unquote(value.text))


def parse_filter(text: str | None, attributes: frozenset[str], numeric: frozenset[str]) -> list[Clause]:
    """The clauses of a filter (empty for none); `InvalidInputError` for anything else."""
    if not text or not text.strip():
        return []
    reader = _Reader(text)
    clauses = [_clause(reader, attributes, numeric)]
    while reader.peek() is not None:
        if not reader.keyword("AND"):
            raise reader.error(f"clauses are joined by AND only, found {reader.take().text!r}")
        clauses.append(_clause(reader, attributes, numeric))
    return clauses


def parse_order(entries: list[str], attributes: frozenset[str]) -> list[Order]:
    """`order_by` entries: `<identifier> [ASC|DESC]`."""
    orders: list[Order] = []
    for entry in entries:
        reader = _Reader(entry)
        target = _identifier(reader, attributes)
        ascending = True
        if reader.keyword("DESC"):
            ascending = False
        else:
            reader.keyword("ASC")
        if reader.peek() is not None:
            raise InvalidInputError(f"Invalid order_by clause {entry!r}: expected `<key> [ASC|DESC]`")
        orders.append(Order(target, ascending))
    return orders


def like(pattern: str, text: str, ignore_case: bool) -> bool:
    """SQL LIKE: % any run of characters, _ one character."""
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None
