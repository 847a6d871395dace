"""Checks on names, uids and text shared by every backend.

Every string the store keeps passes one of these: SQLite cannot encode lone surrogates
(they would fail deep in a write as a 500), and bidi override characters make a listed
name read differently from what it is (`evil\u202etxt.exe`), so names refuse both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from runyard.errors import InvalidInputError

MAX_NAME = 255
MAX_DESCRIPTION = 10_000
MAX_TAG = 255
MAX_HOST = 255
# Lowercase only: two uids differing in case would share one folder on a case-insensitive disk.
_UID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_encodable(text: str, what: str) -> str:
    """Text that can be stored as UTF-8 (no lone surrogates)."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInputError(f"{what} contains a lone surrogate, which is not valid Unicode text") from None
    return text


def check_label(text: object, what: str, limit: int = MAX_NAME) -> str:
    """A non-empty, bounded, encodable string without bidi overrides (metric keys, path parts)."""
    if not isinstance(text, str) or not text:
        raise InvalidInputError(f"{what} must be a non-empty string, not {text!r:.40}")
    if len(text) > limit:
        raise InvalidInputError(f"{what} {text[:30]!r}... is longer than {limit} characters")
    check_encodable(text, what)
    if not text.isascii() and not _BIDI.isdisjoint(text):
        raise InvalidInputError(f"{what} must not contain bidirectional override characters (U+202A-E, U+2066-9)")
    return text


def check_name(name: str, what: str) -> str:
    """A non-empty name of at most 255 characters, without control or bidi override characters."""
    if not isinstance(name, str):
        raise InvalidInputError(f"{what} name must be a string, not {type(name).__name__}")
    stripped = name.strip()
    if not stripped:
        raise InvalidInputError(f"{what} name must not be empty")
    check_label(stripped, f"{what} name")
    if _CONTROL.search(stripped):
        raise InvalidInputError(f"{what} name must not contain control characters")
    return stripped


def check_uid(uid: object) -> str:
    """A new run uid: 1-64 lowercase letters, digits, '-', '_' or '.', starting alphanumeric, no '..'.

    The uid names the run's artifact folder, so it must be one plain path component.
    """
    if not isinstance(uid, str) or not _UID.fullmatch(uid) or ".." in uid:
        raise InvalidInputError(
            f"run uid {uid!r:.80} must be 1-64 lowercase letters, digits, '-', '_' or '.', "
            "start with a letter or digit and not contain '..'"
        )
    return uid


def check_tags(tags: Sequence[str]) -> list[str]:
    """Tags as a de-duplicated list of non-empty strings, in given order."""
    if isinstance(tags, str):
        raise InvalidInputError("tags must be a list of strings, not a string")
    seen: dict[str, None] = {}
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidInputError(f"tag {tag!r} must be a non-empty string")
        check_label(tag, "tag", MAX_TAG)
        seen[tag.strip()] = None
    return list(seen)


def check_text(text: str, what: str, limit: int = MAX_DESCRIPTION) -> str:
    """A string field of bounded length."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{what} must be a string")
    if len(text) > limit:
        raise InvalidInputError(f"{what} is longer than {limit} characters")
    return check_encodable(text, what)


def printable_text(text: str) -> str:
    """Console output as storable text: lone surrogates (undecodable bytes) become U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Pairs of surrogates become the character they encode; lone ones the replacement mark.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text
