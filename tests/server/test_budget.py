"""runyard.server.budget: the point budget judged from summaries, before reading."""

from __future__ import annotations

import pytest

from runyard.errors import PayloadTooLargeError
from runyard.server import budget
from runyard.store import MetricSummary


def _summary(count: int, first: int = 0) -> MetricSummary:
    return MetricSummary(1, "k", count, 0.0, 1.0, first, first + count - 1, 1.0, 1.7e9)


def _message(total: int) -> str:
    return f"{total} points"


def test_planned() -> None:
    s = _summary(100)  # steps 0..99
    assert budget.planned(s) == (100, True)
    assert budget.planned(s, step_min=-5, step_max=500) == (100, True)
    assert budget.planned(s, step_min=100) == (0, True)
    assert budget.planned(s, step_max=-1) == (0, True)
    assert budget.planned(s, step_min=10, step_max=20) == (100, False)  # a cut: only a bound
    assert budget.planned(s, max_points=30) == (30, True)


def test_whole_series_judged_before_reading() -> None:
    with pytest.raises(PayloadTooLargeError, match="120 points"):
        budget.check([_summary(60), _summary(60)], 100, _message)
    tally = budget.check([_summary(50), _summary(50)], 100, _message)
    tally.add(10**9)  # the plan decided: nothing to count
    budget.check([_summary(60), _summary(60)], 100, _message, max_points=50)


def test_cut_series_counted_while_reading() -> None:
    tally = budget.check([_summary(80), _summary(80)], 100, _message, step_min=10, step_max=60)
    tally.add(51)
    with pytest.raises(PayloadTooLargeError, match="102 points"):
        tally.add(51)
    # The exact part alone can decide before reading.
    with pytest.raises(PayloadTooLargeError):
        budget.check([_summary(150, first=20), _summary(80)], 100, _message, step_min=10, step_max=200)
