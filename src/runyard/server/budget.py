"""The per-request point budget (`max_points_per_request`): 413 before reading, from summaries.

Every dialect that returns whole series checks its request here first. A summary knows how
many points a key holds, so a request for whole series (or each thinned to at most
`max_points`) is judged exactly before one chunk is read. A step range that cuts through a
series is the one case a summary cannot count: those series are counted as they are read
(`Tally.add`), so the answer is the same as if every point had been counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from runyard.errors import PayloadTooLargeError
from runyard.store import MetricSummary

Message = Callable[[int], str]  # the dialect's 413 text, given the points counted


def planned(summary: MetricSummary, *, step_min: int | None = None, step_max: int | None = None,
            max_points: int | None = None) -> tuple[int, bool]:
    """At most how many points reading this series returns, and whether that is exact."""
    low = summary.first_step if step_min is None else step_min
    high = summary.last_step if step_max is None else step_max
    if high < summary.first_step or low > summary.last_step or low > high:
        return 0, True
    covers = low <= summary.first_step and high >= summary.last_step
    count = summary.count if max_points is None else min(summary.count, max_points)
    return count, covers or count == 0


@dataclass(slots=True)
class Tally:
    """Points of partly covered series, counted while reading (only when the plan could not decide)."""

    limit: int
    message: Message
    total: int = 0
    counting: bool = False

    def add(self, points: int) -> None:
        """Count points just read; 413 once the request is over its budget."""
        if not self.counting:
            return
        self.total += points
        if self.total > self.limit:
            raise PayloadTooLargeError(self.message(self.total))


def check(summaries: Iterable[MetricSummary], limit: int, message: Message, *, step_min: int | None = None,
          step_max: int | None = None, max_points: int | None = None) -> Tally:
    """413 when the series these summaries describe would exceed `limit` points.

    Returns the tally to feed with what is read; it counts only when some series is cut by
    the step range and the exact part alone did not decide.
    """
    exact = bound = 0
    for summary in summaries:
        count, is_exact = planned(summary, step_min=step_min, step_max=step_max, max_points=max_points)
        bound += count
        exact += count if is_exact else 0
    if exact > limit:
        raise PayloadTooLargeError(message(exact))
    return Tally(limit, message, counting=bound > limit)
