"""Wide history tables: one `step` column plus one Float64 column per metric key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from runyard.store.codec import sorted_union
from runyard.store.models import MetricColumns

if TYPE_CHECKING:  # polars costs ~0.15 s to import: paid by the calls that build frames, not by `import runyard`
    import polars as pl

STEP_COLUMN = "step"


def build_history(series: Mapping[str, MetricColumns]) -> pl.DataFrame:
    """Outer-join series on step (null where a key has no point), sorted by step, no per-point loops."""
    import polars as pl

    if not series:
        return pl.DataFrame({STEP_COLUMN: pl.Series(STEP_COLUMN, [], dtype=pl.Int64)})
    steps = sorted_union([np.asarray(cols.steps, dtype=np.int64) for cols in series.values()])
    columns: list[pl.Series] = [pl.Series(STEP_COLUMN, steps, dtype=pl.Int64)]
    for key, cols in series.items():
        columns.append(_aligned(key, steps, cols))
    return pl.DataFrame(columns)


def _aligned(key: str, steps: np.ndarray, cols: MetricColumns) -> pl.Series:
    """One key's values placed on the union of steps; missing steps become null, NaN stays NaN."""
    import polars as pl

    values = np.asarray(cols.values, dtype=np.float64)
    if len(cols.steps) == len(steps):
        # Same length as the sorted union of unique steps means the key covers every step.
        return pl.Series(key, values, dtype=pl.Float64, nan_to_null=False)
    index = np.searchsorted(steps, cols.steps)
    full = np.zeros(len(steps), dtype=np.float64)
    full[index] = values
    missing = np.ones(len(steps), dtype=np.bool_)
    missing[index] = False
    column = pl.Series(key, full, dtype=pl.Float64, nan_to_null=False)
    return column.set(pl.Series(missing), None)
