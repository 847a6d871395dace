"""Turning a raw frame into a regular (ds, y) series, plus forecast metrics and season rules."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from runyard.hub.types.base import DataError

if TYPE_CHECKING:
    import pandas as pd

# Fewer rows than this left for fitting after the holdout is cut off is a DataError.
MIN_TRAIN_ROWS = 10
# More interpolated (missing) points than this share of the regular grid is a DataError.
MAX_GAP_SHARE = 0.5

# Season length by pandas offset prefix, used when a model wants one and the config gives none.
_SEASONS = {"D": 7, "B": 5, "h": 24, "H": 24, "min": 60, "T": 60, "W": 52, "M": 12, "MS": 12,
            "ME": 12, "Q": 4, "QS": 4, "QE": 4}


@dataclass
class Series:
    """A regular series: `frame` has columns ds (datetime) and y (float) on a `freq` grid."""

    frame: pd.DataFrame
    freq: str
    interpolated: int


def prepare(data: pd.DataFrame, target: str, ds: str, freq: str | None) -> Series:
    """The target over ds, sorted, duplicates averaged, put on a regular grid, gaps interpolated."""
    import pandas as pd

    for column in (ds, target):
        if column not in data.columns:
            raise DataError(f"column {column!r} is not in the data (columns: {list(data.columns)})")
    try:
        raw = data[ds]
        # pandas' default `to_json()` writes datetimes as epoch milliseconds; read numbers that way.
        numeric = pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
        stamps = pd.to_datetime(raw, unit="ms") if numeric else pd.to_datetime(raw)
    except (ValueError, TypeError) as exc:
        raise DataError(f"column {ds!r} is not parseable as datetimes: {exc}") from exc
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    y = pd.to_numeric(data[target], errors="coerce")
    frame = pd.DataFrame({"ds": stamps.to_numpy(), "y": y.to_numpy(dtype=float)}).dropna(subset=["ds"])
    frame = frame.groupby("ds", as_index=False)["y"].mean().sort_values("ds")
    if frame["y"].notna().sum() < 3:
        raise DataError(f"column {target!r} has fewer than 3 numeric values")
    freq = freq or _infer_freq(frame["ds"])
    try:
        regular = _bucket(frame, freq)
    except ValueError as exc:
        raise DataError(f"bad frequency {freq!r}: {exc}") from exc
    missing = int(regular.isna().sum())
    if len(regular) == 0 or missing > MAX_GAP_SHARE * len(regular):
        raise DataError(f"the data is too sparse for frequency {freq!r}: "
                        f"{missing} of {len(regular)} grid points have no value")
    regular = regular.interpolate(limit_direction="both")
    out = regular.rename_axis("ds").reset_index()
    return Series(frame=out[["ds", "y"]], freq=freq, interpolated=missing)


def _bucket(frame: pd.DataFrame, freq: str) -> pd.Series:
    """Mean y per grid bucket: data already on a grid keeps its stamps, off-grid stamps are averaged."""
    import pandas as pd

    series = frame.set_index("ds")["y"]
    offset = pd.tseries.frequencies.to_offset(freq)
    if not isinstance(offset, pd.tseries.offsets.Tick):
        return series.resample(freq).mean()  # calendar frequencies (W, MS, ...) anchor themselves
    # Fixed steps: grid from the first stamp when every stamp is on it (hourly at :30 stays at :30),
    # else from midnight so irregular stamps land on round times.
    step = pd.Timedelta(offset)
    aligned = bool(((frame["ds"] - frame["ds"].iloc[0]) % step == pd.Timedelta(0)).all())
    return series.resample(freq, origin="start" if aligned else "start_day").mean()


def _infer_freq(stamps: pd.Series) -> str:
    import pandas as pd

    if len(stamps) >= 3:
        with warnings.catch_warnings():
            # pandas 3 warns that infer_freq will return an offset; either way we want its string.
            warnings.simplefilter("ignore", DeprecationWarning)
            inferred = pd.infer_freq(stamps)
        if inferred:
            return str(pd.tseries.frequencies.to_offset(inferred).freqstr)
    steps = stamps.diff().dropna()
    if steps.empty:
        raise DataError("cannot infer a frequency from a single timestamp; set setup.freq")
    # Regular data with gaps: the step most rows share.
    counts = steps.value_counts()
    if counts.iloc[0] >= len(steps) / 2:
        return _step_freq(counts.index[0], exact=True)
    # Irregular stamps: the mean step.
    return _step_freq((stamps.iloc[-1] - stamps.iloc[0]) / len(steps), exact=False)


def _step_freq(step: pd.Timedelta, *, exact: bool) -> str:
    """A step as a frequency in whole days, hours, minutes or seconds ("D", "6h", "15min")."""
    import pandas as pd

    for unit, code in ((pd.Timedelta(days=1), "D"), (pd.Timedelta(hours=1), "h"),
                       (pd.Timedelta(minutes=1), "min"), (pd.Timedelta(seconds=1), "s")):
        if step >= unit and (not exact or step % unit == pd.Timedelta(0)):
            count = max(1, round(step / unit))
            return code if count == 1 else f"{count}{code}"
    return str(pd.tseries.frequencies.to_offset(step).freqstr)


def season_length(freq: str) -> int | None:
    """The usual season for a frequency (daily data: 7, hourly: 24, monthly: 12, ...), or None."""
    import pandas as pd

    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return None
    if offset.n != 1:
        return None
    code = offset.rule_code.split("-")[0]
    return _SEASONS.get(code)


def default_horizon(rows: int) -> int:
    """Forecast horizon when setup.horizon is absent: 10% of the series, at least 1 step."""
    return max(1, rows // 10)


def holdout_size(rows: int, horizon: int, requested: int | None) -> int:
    """Rows kept back for validation: setup.holdout, else the horizon capped at a quarter of the rows."""
    size = requested if requested is not None else min(horizon, max(1, rows // 4))
    if rows - size < MIN_TRAIN_ROWS:
        raise DataError(f"{rows} rows leave fewer than {MIN_TRAIN_ROWS} for fitting after a holdout of {size}")
    return size


def metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MSE, MAE, RMSE and MAPE (a fraction, over non-zero actuals; absent if all are zero)."""
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    ok = np.isfinite(actual) & np.isfinite(predicted)
    if not ok.any():
        return {}
    err = predicted[ok] - actual[ok]
    mse = float(np.mean(err**2))
    out = {"mse": mse, "mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(mse))}
    nonzero = np.abs(actual[ok]) > 1e-12
    if nonzero.any():
        out["mape"] = float(np.mean(np.abs(err[nonzero] / actual[ok][nonzero])))
    return out
