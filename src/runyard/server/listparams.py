"""Comma-separated query parameters (`?keys=a,b`, `?runs=1,2`), parsed one way for every dialect.

Items are trimmed, empty ones dropped and repeats removed (first occurrence kept, so the
order the client gave is the order of the answer). Too many items is a 400, in the
dialect's own error shape. The dashboard sends metric keys exactly as stored (a key may
begin or end with a space), so it asks for them untrimmed.
"""

from __future__ import annotations

from runyard.errors import InvalidInputError

# Ids are SQLite integers: 19 digits or more may not fit in int64 (a 400, not an overflow).
_MAX_ID_DIGITS = 18


def items(raw: str | None, *, strip: bool = True) -> list[str] | None:
    """The items of a comma list; None when the parameter is absent (an empty one gives [])."""
    if raw is None:
        return None
    return list(dict.fromkeys(_parts(raw, strip)))


def _parts(raw: str, strip: bool) -> list[str]:
    return [part for part in (part.strip() if strip else part for part in raw.split(",")) if part]


def bounded(raw: str | None, what: str, limit: int, *, required: bool = True, strip: bool = True) -> list[str]:
    """The items of a comma list; 400 when there are none (if `required`) or more than `limit`.

    Repeats count against the limit (the client did send them), then are removed.
    """
    parts = _parts(raw or "", strip)
    if required and not parts:
        raise InvalidInputError(f"No {what} specified: pass {what}=a,b,c")
    if len(parts) > limit:
        raise InvalidInputError(f"Too many {what}: {len(parts)} (max: {limit})")
    return list(dict.fromkeys(parts))


def ids(raw: str | None, what: str, limit: int, *, required: bool = False) -> list[int]:
    """A comma list of numeric ids (`1,2,3`); 400 on anything else, or on too many."""
    parts = bounded(raw, what, limit, required=required)
    if not all(part.isascii() and part.isdigit() and len(part) <= _MAX_ID_DIGITS for part in parts):
        raise InvalidInputError(f"{what} must be comma-separated ids")
    return [int(part) for part in parts]
