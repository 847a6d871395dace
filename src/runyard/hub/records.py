"""Data messages -> pandas frames: a JSON list of objects, or a frame's `to_json` in any orient.

pandas writes frames as `columns` by default (`{"col": {"0": v, ...}}`); `split`, `table`,
`index` and `records` are recognized too (`index` is read as `columns`: the two cannot be told apart). Frames kept on disk use orient `table`, which
round-trips dtypes (datetimes included).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from runyard.errors import InvalidInputError
from runyard.hub.errors import HubUnavailableError

if TYPE_CHECKING:
    import pandas as pd


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise HubUnavailableError("ExperimentHub needs pandas: pip install 'runyard[hub]'") from None
    return pandas


def decode(payload: bytes | str) -> pd.DataFrame:
    """One message as a frame; InvalidInputError says why it cannot be one."""
    pd = _pandas()
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"data is not JSON: {exc}") from None
    text = payload.decode() if isinstance(payload, bytes) else payload
    if isinstance(value, list):
        if not all(isinstance(item, dict) for item in value):
            raise InvalidInputError("data must be a JSON list of objects (records) or a pandas "
                                    "to_json frame; a list of non-objects has no column names")
        return pd.DataFrame.from_records(value)
    if not isinstance(value, dict) or not value:
        raise InvalidInputError("data must be a JSON list of objects (records) or a pandas to_json frame")
    keys = set(value)
    try:
        if {"schema", "data"} <= keys:
            return pd.read_json(io.StringIO(text), orient="table")
        if {"columns", "data"} <= keys and keys <= {"columns", "data", "index"}:
            return pd.read_json(io.StringIO(text), orient="split")
        if all(isinstance(inner, dict) for inner in value.values()):
            # pandas' default `columns` orient: outer keys are columns, inner keys the index.
            frame = pd.read_json(io.StringIO(text), orient="columns")
            return frame.sort_index(kind="stable") if _numeric_index(frame) else frame
    except ValueError as exc:
        raise InvalidInputError(f"data is not a pandas to_json frame: {exc}") from None
    raise InvalidInputError("data must be a JSON list of objects (records) or a pandas to_json frame "
                            "(a Series or a dict of scalars is not a frame)")


def _numeric_index(frame: pd.DataFrame) -> bool:
    return bool(frame.index.dtype.kind in "iu")


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """Frames stacked in order (None when there are none)."""
    kept = [frame for frame in frames if frame is not None and len(frame.columns)]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0].reset_index(drop=True)
    return _pandas().concat(kept, ignore_index=True)


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write atomically (a reader never sees half a file), dtypes kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(frame.reset_index(drop=True).to_json(orient="table", date_format="iso", index=False))
    os.replace(tmp, path)


def read_frame(path: Path) -> pd.DataFrame:
    """A frame written by `write_frame`."""
    return _pandas().read_json(io.StringIO(path.read_text()), orient="table")


def to_records_json(frame: pd.DataFrame) -> bytes:
    """A JSON list of row objects, datetimes as ISO 8601 (what GET /{name}/train_data answers)."""
    return str(frame.to_json(orient="records", date_format="iso")).encode()
