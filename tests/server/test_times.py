"""runyard.server.times: one ISO formatter; each dialect only chooses its zone suffix."""

from __future__ import annotations

import math

import numpy as np

from runyard.server import times


def test_zone_suffixes() -> None:
    assert times.iso(1_742_561_886.123456) == "2025-03-21T12:58:06.123456Z"
    assert times.iso(1_742_561_886.123456, times.OFFSET) == "2025-03-21T12:58:06.123456+00:00"
    assert times.iso(0.0) == "1970-01-01T00:00:00.000000Z"


def test_times_that_cannot_be_written_give_none() -> None:
    # expman's formatter raised on these (a 500 for a NaN time); every dialect now gives null.
    for value in (None, math.nan, math.inf, -math.inf, 1e20):
        assert times.iso(value) is None


def test_array_matches_scalar() -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.uniform(-6.2e10, 2.5e11, 2_000), rng.uniform(1.6e9, 1.9e9, 2_000),
                             np.array([math.nan, 1e13, -1.5])])
    for zone in (times.Z, times.OFFSET):
        assert times.iso_array(values, zone) == [times.iso(float(v), zone) for v in values]
