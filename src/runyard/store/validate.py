"""Checks on names and fields shared by every backend."""

from __future__ import annotations

from collections.abc import Sequence

from runyard.errors import InvalidInputError

MAX_NAME = 255
MAX_DESCRIPTION = 10_000
MAX_TAG = 255


def check_name(name: str, what: str) -> str:
    """A non-empty name of at most 255 characters, without control characters."""
    if not isinstance(name, str):
        raise InvalidInputError(f"{what} name must be a string, not {type(name).__name__}")
    stripped = name.strip()
    if not stripped:
        raise InvalidInputError(f"{what} name must not be empty")
    if len(stripped) > MAX_NAME:
        raise InvalidInputError(f"{what} name is longer than {MAX_NAME} characters")
    if any(ord(ch) < 32 for ch in stripped):
        raise InvalidInputError(f"{what} name must not contain control characters")
    return stripped


def check_tags(tags: Sequence[str]) -> list[str]:
    """Tags as a de-duplicated list of non-empty strings, in given order."""
    if isinstance(tags, str):
        raise InvalidInputError("tags must be a list of strings, not a string")
    seen: dict[str, None] = {}
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidInputError(f"tag {tag!r} must be a non-empty string")
        if len(tag) > MAX_TAG:
            raise InvalidInputError(f"tag {tag[:20]!r}... is longer than {MAX_TAG} characters")
        seen[tag.strip()] = None
    return list(seen)


def check_text(text: str, what: str, limit: int = MAX_DESCRIPTION) -> str:
    """A string field of bounded length."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{what} must be a string")
    if len(text) > limit:
        raise InvalidInputError(f"{what} is longer than {limit} characters")
    return text
