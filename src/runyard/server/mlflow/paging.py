"""MLflow's opaque page tokens: base64 of `{"offset": n}` (the client passes them back untouched)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, TypeVar

import orjson

from runyard.errors import InvalidInputError

T = TypeVar("T")
MAX_RESULTS = 50_000  # MLflow's SEARCH_MAX_RESULTS_THRESHOLD


def offset_of(token: str | None) -> int:
    """Where a page starts; 400 for a token this server did not make."""
    if not token:
        return 0
    try:
        offset = orjson.loads(base64.urlsafe_b64decode(token.encode("ascii")))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError, orjson.JSONDecodeError):
        raise InvalidInputError("Invalid page token, could not base64-decode") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidInputError("Invalid page token: bad offset")
    return offset


def token_for(offset: int) -> str:
    """The token of the page starting at `offset`."""
    return base64.urlsafe_b64encode(orjson.dumps({"offset": offset})).decode("ascii")


def check_max_results(max_results: int, limit: int = MAX_RESULTS) -> int:
    """MLflow's bound on a page's size."""
    if max_results < 1 or max_results > limit:
        raise InvalidInputError(f"Invalid value {max_results} for parameter 'max_results' supplied. "
                                f"It must be at most {limit} and at least 1.")
    return max_results


def window(total: int, token: str | None, max_results: int) -> tuple[int, int, str | None]:
    """(start, end, next page's token or None) of the page `token` names among `total` items."""
    start = offset_of(token)
    end = start + max_results
    return start, end, token_for(end) if end < total else None


def page(items: Sequence[T], token: str | None, max_results: int) -> tuple[list[T], str | None]:
    """One page of `items` and the token of the next (None on the last page)."""
    start, end, next_token = window(len(items), token, max_results)
    return list(items[start:end]), next_token


def with_token(field: str, shown: list[Any], next_token: str | None) -> dict[str, Any]:
    """`{field: shown}`, plus `next_page_token` when there is a next page (MLflow leaves it out on the last)."""
    answer: dict[str, Any] = {field: shown}
    if next_token:
        answer["next_page_token"] = next_token
    return answer
