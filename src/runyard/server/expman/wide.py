"""The wide metrics layout of expman's `metrics.parquet`: one row per step, a column per key.

Columns: `step` (int64), `timestamp` (UTC, microseconds: the latest wall time of any key
at that step), then one float64 column per key, null where the key has no point at that
step. NaN and infinities stay native in Parquet/Arrow; JSON rows spell them out.
A metric literally named `step` or `timestamp` gets the column `metric:step` /
`metric:timestamp` so it cannot shadow the index columns.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from runyard.store import MetricColumns
from runyard.store.codec import sorted_union
from runyard.store.models import FloatArray, IntArray

if TYPE_CHECKING:  # polars costs ~0.15 s to import: only the routes that build frames pay it
    import polars as pl

RESERVED = ("step", "timestamp")
Mask = np.ndarray[Any, np.dtype[np.bool_]]


def column_name(key: str) -> str:
    """The wide-layout column of a metric key."""
    return f"metric:{key}" if key in RESERVED else key


@dataclass(slots=True)
class Wide:
    """Aligned columns: the union of steps, their times, and per key its values (and mask if sparse)."""

    steps: IntArray
    times: FloatArray
    values: dict[str, FloatArray]
    present: dict[str, Mask | None]  # None: the key has a point at every step


def align(series_by_key: Mapping[str, MetricColumns]) -> Wide:
    """Put every key's points on the union of their steps (steps are unique and sorted per key)."""
    items = [(column_name(key), series) for key, series in series_by_key.items()]
    if not items:
        return Wide(np.empty(0, dtype=np.int64), np.empty(0), {}, {})
    first = items[0][1].steps
    if all(np.array_equal(series.steps, first) for _, series in items[1:]):  # logged together: no gaps
        times = items[0][1].times.copy()
        for _, series in items[1:]:
            np.maximum(times, series.times, out=times)
        return Wide(first, times, {name: s.values for name, s in items}, dict.fromkeys((n for n, _ in items), None))
    steps = sorted_union([series.steps for _, series in items])
    times = np.full(len(steps), -np.inf)
    values: dict[str, FloatArray] = {}
    present: dict[str, Mask | None] = {}
    for name, series in items:
        at = np.searchsorted(steps, series.steps)
        column = np.full(len(steps), np.nan)
        column[at] = series.values
        mask = np.zeros(len(steps), dtype=bool)
        mask[at] = True
        times[at] = np.maximum(times[at], series.times)
        values[name], present[name] = column, mask
    return Wide(steps, times, values, present)


def frame(wide: Wide) -> pl.DataFrame:
    """The wide table as a polars frame (what `metrics.parquet` holds)."""
    import polars as pl

    micros = np.round(wide.times * 1e6).astype(np.int64)
    columns = [pl.Series("step", wide.steps, dtype=pl.Int64),
               pl.Series("timestamp", micros, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))]
    for name, column in wide.values.items():
        mask = wide.present[name]
        data = column if mask is None else np.ma.MaskedArray(column, mask=~mask)
        columns.append(pl.Series(name, data, dtype=pl.Float64))
    return pl.DataFrame(columns)


def _token(name: str) -> pl.Expr:
    import polars as pl

    value = pl.col(name)
    return (pl.when(value.is_null()).then(pl.lit("null"))
            .when(value.is_finite()).then(value.cast(pl.String))
            .when(value.is_nan()).then(pl.lit('"NaN"'))
            .when(value > 0).then(pl.lit('"Infinity"'))
            .otherwise(pl.lit('"-Infinity"')))


def rows_json(table: pl.DataFrame) -> bytes:
    """JSON rows like expman's `/metrics`: `[{"step", "timestamp", key: value | null}, ...]`.

    Built column-wise in polars (every float in its shortest round-trip form), not a dict per row.
    """
    import polars as pl

    if table.height == 0:
        return b"[]"
    parts: list[pl.Expr] = [pl.lit('{"step":'), pl.col("step").cast(pl.String), pl.lit(',"timestamp":"'),
                            pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S.%6fZ"), pl.lit('"')]
    for name in table.columns[2:]:
        parts += [pl.lit("," + orjson.dumps(name).decode() + ":"), _token(name)]
    parts.append(pl.lit("}"))
    buffer = io.BytesIO()
    table.select(pl.concat_str(parts).alias("row")).write_csv(
        buffer, include_header=False, quote_style="never", line_terminator=",")
    return b"[" + buffer.getvalue()[:-1] + b"]"
