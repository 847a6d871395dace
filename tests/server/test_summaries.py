"""runyard.server.summaries: one summary core, each dialect naming its time field."""

from __future__ import annotations

import math

from runyard.server.summaries import epoch_ms, summary_core, summary_json
from runyard.server.times import iso
from runyard.store import MetricSummary

SUMMARY = MetricSummary(1, "loss", 3, -math.inf, 2.0, 0, 9, math.nan, 1_742_561_886.5)


def test_core_spells_non_finite() -> None:
    assert summary_core(SUMMARY) == {"count": 3, "min": "-Infinity", "max": 2.0, "first_step": 0, "last_step": 9,
                                     "last_value": "NaN"}


def test_time_field_per_dialect() -> None:
    assert summary_json(SUMMARY)["last_timestamp"] == 1_742_561_886_500.0
    assert summary_json(SUMMARY, "last_time", iso)["last_time"] == "2025-03-21T12:58:06.500000Z"
    assert epoch_ms(math.nan) is None
