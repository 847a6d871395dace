"""SwanLab's time strings (`2026-11-22T07:10:18.056736+00:00`): runyard's ISO formatter with `+00:00`."""

from __future__ import annotations

from runyard.server import times
from runyard.store.models import FloatArray


def iso(seconds: float | None) -> str | None:
    """Epoch seconds as SwanLab writes times; None stays None."""
    return times.iso(seconds, times.OFFSET)


def iso_array(times_s: FloatArray) -> list[str | None]:
    """Epoch seconds as SwanLab time strings; None for non-finite times."""
    return times.iso_array(times_s, times.OFFSET)
