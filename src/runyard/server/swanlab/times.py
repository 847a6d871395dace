"""SwanLab's time strings (`2026-11-22T07:10:18.056736+00:00`), one at a time or a million at once.

A `/tag` answer carries one time per point and series of a million points are common, so
the array version builds the characters with numpy arithmetic (no datetime object per
point): about 20x faster than `datetime.isoformat` in a loop.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from runyard.store.models import FloatArray, IntArray

WIDTH = 32  # len("YYYY-MM-DDTHH:MM:SS.ffffff+00:00")
_TEMPLATE = np.frombuffer(b"0000-00-00T00:00:00.000000+00:00", dtype=np.uint8)
# (first column, digits) of each field in the template.
_FIELDS = ((0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2), (20, 6))
_MICROS_PER_DAY = 86_400_000_000


def iso(seconds: float | None) -> str | None:
    """Epoch seconds as SwanLab writes times; None stays None."""
    if seconds is None:
        return None
    return iso_array(np.array([seconds], dtype=np.float64))[0]


def _civil(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    # Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def iso_array(times: FloatArray) -> list[str | None]:
    """Epoch seconds as SwanLab time strings; None for non-finite times."""
    n = len(times)
    # Beyond +/-9e12 s int64 microseconds overflow; datetime stops at year 9999 anyway: None.
    finite = np.isfinite(times) & (np.abs(times) < 9e12)
    micros = np.round(np.where(finite, times, 0.0) * 1e6).astype(np.int64)
    days, in_day = np.divmod(micros, _MICROS_PER_DAY)
    year, month, day = _civil(days)
    second, micro = np.divmod(in_day, 1_000_000)
    fields = (year, month, day, second // 3600, second // 60 % 60, second % 60, micro)
    chars = np.tile(_TEMPLATE, (n, 1))
    for (column, digits), value in zip(_FIELDS, fields, strict=True):
        for k in range(digits):
            chars[:, column + digits - 1 - k] = 48 + (value // 10**k) % 10
    text = chars.tobytes().decode("ascii")  # one string, cut up: far cheaper than numpy's str arrays
    out: list[str | None] = [text[i:i + WIDTH] for i in range(0, n * WIDTH, WIDTH)]
    odd = ~finite | (year < 1) | (year > 9999)  # outside 4-digit years: let datetime decide
    for index in np.flatnonzero(odd).tolist():
        out[index] = _slow(float(times[index])) if bool(finite[index]) else None  # ~never: one by one
    return out


def _slow(seconds: float) -> str | None:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="microseconds")
    except (OverflowError, OSError, ValueError):
        return None
