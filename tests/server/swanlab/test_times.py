"""SwanLab time strings: the vectorized formatter agrees with `datetime` everywhere it can."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from runyard.server.swanlab.times import iso, iso_array


def _datetime(seconds: float) -> str:
    micros = round(seconds * 1e6)
    whole, fraction = divmod(micros, 1_000_000)
    return datetime.fromtimestamp(whole, tz=UTC).replace(microsecond=fraction).isoformat(timespec="microseconds")


def test_matches_datetime() -> None:
    rng = np.random.default_rng(5)
    times = np.concatenate([
        rng.uniform(-6.2e10, 2.5e11, 20_000),  # years 1 .. 9900
        rng.uniform(1.6e9, 1.9e9, 20_000),  # recent, with microseconds
        np.array([0.0, -1.5, 951_782_400.0, 4_107_542_400.0, 1_795_000_000.000001]),  # 2000-02-29, 2100-03-01
    ])
    assert iso_array(times) == [_datetime(t) for t in times.tolist()]


def test_known_values_and_non_finite() -> None:
    assert iso(1_795_000_000.01) == "2026-11-18T11:06:40.010000+00:00"
    assert iso(0.0) == "1970-01-01T00:00:00.000000+00:00"
    assert iso(None) is None
    assert iso_array(np.array([math.nan, math.inf, -math.inf, 1e20, 1e13])) == [None] * 5
    assert iso_array(np.empty(0)) == []
