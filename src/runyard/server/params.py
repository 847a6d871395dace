"""Bounded query parameters shared by every dialect: integers the store can hold, step ranges.

SQLite stores 64-bit integers; a larger one (`after=2**63`, `step_min=-2**70`) raised
OverflowError deep in the store, or broke a live stream after its 200 had been sent. Each
bound here is checked by FastAPI before the route runs, so the answer is a 422 in the
dialect's own error shape.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query

from runyard.errors import InvalidInputError
from runyard.events import resume_id
from runyard.lookup import INT64_MAX as INT64_MAX  # the one int64 bound, re-exported

INT64_MIN = -INT64_MAX - 1

StepMin = Annotated[int | None, Query(ge=INT64_MIN, le=INT64_MAX, description="first step (inclusive)")]
StepMax = Annotated[int | None, Query(ge=INT64_MIN, le=INT64_MAX, description="last step (inclusive)")]
Offset = Annotated[int, Query(ge=0, le=INT64_MAX, description="items to skip")]
# A change sequence: the `id:` of an SSE event.
AfterEvent = Annotated[int | None, Query(ge=0, le=INT64_MAX,
                                         description="resume after this event id (like Last-Event-ID)")]


def check_step_range(step_min: int | None, step_max: int | None) -> None:
    """400 when both ends are given and the range is empty."""
    if step_min is not None and step_max is not None and step_min > step_max:
        raise InvalidInputError("step_min must not be greater than step_max")


def _resume(after: AfterEvent = None, last_event_id: Annotated[str | None, Header(
        description="the id of the last event received, to resume")] = None) -> int | None:
    return resume_id(after, last_event_id)


# Where an SSE stream resumes: `?after=` when given, else `Last-Event-ID` (`events.resume_id`).
ResumeFrom = Annotated[int | None, Depends(_resume)]
