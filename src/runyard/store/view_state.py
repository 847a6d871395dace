"""What a dashboard remembers about how a project or run is shown: pinned, hidden and collapsed things.

Kept by the store so that it survives a reload and is the same in every browser: swanboard's
pinned and hidden charts, opened (expanded) chart groups and experiments hidden from the
compare page. One setting is (project, run or None for the project's own view, kind, name) ->
a small integer; the dashboard dialect decides what its kinds and values mean. Settings of
deleted runs and projects are never read again (ids are not reused).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

from runyard.errors import InvalidInputError

MAX_NAME_CHARS = 1000  # a metric key or group name; longer is not a name any dashboard shows
VALUE_RANGE = range(-1000, 1001)


@dataclass(frozen=True, slots=True)
class ViewSetting:
    """One remembered choice: `kind` (e.g. "chart") of `name` (e.g. a metric key) is `value`."""

    project_id: int
    run_id: int | None  # None: the project's own view (its compare page)
    kind: str
    name: str
    value: int


def check_setting(kind: str, name: str, value: int | None) -> None:
    """InvalidInputError for a kind, name or value no dashboard would store."""
    if not kind or len(kind) > 40 or not kind.isidentifier():
        raise InvalidInputError(f"view setting kind {kind[:50]!r} is not a short identifier")
    if len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise InvalidInputError(f"view setting name is longer than {MAX_NAME_CHARS} characters or has NUL")
    if value is not None and (isinstance(value, bool) or value not in VALUE_RANGE):
        raise InvalidInputError(f"view setting value {value!r} is outside {VALUE_RANGE.start}..{VALUE_RANGE.stop - 1}")


class ViewStateStore(abc.ABC):
    """The view-setting part of `Store` (blocking and thread-safe like the rest)."""

    @abc.abstractmethod
    def view_settings(self, project_id: int) -> list[ViewSetting]:
        """Every setting of the project and of its runs, in one read."""

    @abc.abstractmethod
    def set_view_settings(self, settings: Sequence[ViewSetting], removed: Sequence[ViewSetting] = ()) -> None:
        """Store `settings` (replacing the same project, run, kind and name) and forget `removed`, in one write.

        NotFoundError when a project (or a run, within its project) does not exist.
        """
