"""Export a run's history (step + one column per key) to CSV, Parquet or JSON.

JSON has no NaN or infinities, so JSON output writes them as the strings "NaN",
"Infinity" and "-Infinity"; a key without a point at a step is `null`.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import orjson

from runyard.api.history import build_history
from runyard.api.objects import ApiRun
from runyard.errors import InvalidInputError
from runyard.store import MetricColumns

if TYPE_CHECKING:  # polars costs ~0.15 s to import: paid by the calls that build frames, not by `import runyard`
    import polars as pl

FORMATS: tuple[str, ...] = ("csv", "parquet", "json")
ORIENTS: tuple[str, ...] = ("records", "columns")
NAN, POS_INF, NEG_INF = "NaN", "Infinity", "-Infinity"

OnProgress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    rows: int
    keys: list[str]
    path: Path | None


def special_float(value: float) -> str | float:
    """NaN/Inf as their JSON strings; finite floats unchanged."""
    if math.isnan(value):
        return NAN
    if math.isinf(value):
        return POS_INF if value > 0 else NEG_INF
    return value


def jsonable(value: Any) -> Any:
    """A copy of nested dicts/lists with NaN/Inf floats replaced by their strings."""
    if isinstance(value, float):
        return special_float(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def json_column(series: pl.Series) -> Any:
    """A column ready for orjson: a numpy array when plain, else a list with NaN/Inf/null spelled."""
    import polars as pl

    if series.dtype != pl.Float64:
        return series.to_numpy() if series.null_count() == 0 else series.to_list()
    values = series.to_numpy()
    nulls = series.is_null().to_numpy()
    special = ~np.isfinite(values) & ~nulls
    if not nulls.any() and not special.any():
        return values  # orjson writes numpy arrays natively (shortest round-trip repr)
    items: list[Any] = series.to_list()
    # Only the special points need Python work; to_list already made nulls None.
    for i in np.flatnonzero(special).tolist():
        items[i] = special_float(float(values[i]))
    return items


def json_bytes(frame: pl.DataFrame, orient: str = "records") -> bytes:
    """The history as JSON: a list of row objects (`records`) or one list per column (`columns`)."""
    if orient not in ORIENTS:
        raise InvalidInputError(f"unknown JSON orient {orient!r}; use one of {', '.join(ORIENTS)}")
    columns = {name: json_column(frame[name]) for name in frame.columns}
    if orient == "columns":
        return orjson.dumps(columns, option=orjson.OPT_SERIALIZE_NUMPY)
    names = list(columns)
    lists = [c.tolist() if isinstance(c, np.ndarray) else c for c in columns.values()]
    records = [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]
    return orjson.dumps(records)


def write_frame(frame: pl.DataFrame, fmt: str, dest: IO[bytes], *, orient: str = "records") -> None:
    """Write a history table to an open binary stream in `fmt`."""
    if fmt == "csv":
        frame.write_csv(dest)
    elif fmt == "parquet":
        frame.write_parquet(dest)
    elif fmt == "json":
        dest.write(json_bytes(frame, orient))
        dest.write(b"\n")
    else:
        raise InvalidInputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def read_history(
    run: ApiRun, keys: Sequence[str] | None = None, on_progress: OnProgress | None = None
) -> pl.DataFrame:
    """The run's wide history, reading key by key so a caller can show progress."""
    wanted = list(run.summaries) if keys is None else list(dict.fromkeys(keys))
    series: dict[str, MetricColumns] = {}
    for key in wanted:
        series[key] = run.series(key)
        if on_progress is not None:
            on_progress(key, len(series[key]))
    return build_history(series)


def export_run(
    run: ApiRun,
    fmt: str,
    out: Path | IO[bytes],
    *,
    keys: Sequence[str] | None = None,
    orient: str = "records",
    on_progress: OnProgress | None = None,
) -> ExportResult:
    """Export a run's history to a file path (written atomically) or an open binary stream."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if orient not in ORIENTS:
        raise InvalidInputError(f"unknown JSON orient {orient!r}; use one of {', '.join(ORIENTS)}")
    frame = read_history(run, keys, on_progress)
    if isinstance(out, Path):
        _write_atomic(out, lambda f: write_frame(frame, fmt, f, orient=orient))
        path: Path | None = out
    else:
        write_frame(frame, fmt, out, orient=orient)
        path = None
    return ExportResult(frame.height, frame.columns[1:], path)


def _write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write to a temp file beside `path`, then rename: a failed export leaves no half file."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        # open(..., "xb") rather than mkstemp so the file gets the user's umask, not 0600.
        with open(tmp, "xb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
