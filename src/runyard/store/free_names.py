"""A run name that is free in its project: runyard names are unique per project (the dialects that
address runs by name need that), while MLflow, importers and other trackers allow repeats."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from runyard.errors import ConflictError
from runyard.store.models import Run

NUMBERED_ATTEMPTS = 50


def first_free_name(wanted: str, attempt: Callable[[str], Run]) -> Run:
    """`attempt(name)` with `wanted`, then `wanted-2`, `wanted-3`, ... while the name is taken.

    After NUMBERED_ATTEMPTS taken names (a sweep reusing one name), a random suffix: each try
    is a write, so the search stays bounded however many runs share the name.
    """
    for number in range(1, NUMBERED_ATTEMPTS + 1):
        try:
            return attempt(wanted if number == 1 else f"{wanted}-{number}")
        except ConflictError:
            continue
    for _ in range(NUMBERED_ATTEMPTS):
        try:
            return attempt(f"{wanted}-{uuid.uuid4().hex[:8]}")
        except ConflictError:
            continue
    raise ConflictError(f"no free run name like {wanted!r} in this project")
