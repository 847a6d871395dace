"""Files inside a type's save folder: JSON state, parquet frames and pickled models.

Loading a pickled model runs arbitrary code from the file, so only load folders that runyard
itself wrote (run artifacts of this server), never ones uploaded by someone else.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    import pandas as pd

CONFIG_FILE = "config.json"
STATE_FILE = "state.json"
TRAIN_FILE = "train.parquet"
PREDICTION_FILE = "prediction.parquet"
MODEL_FILE = "model.joblib"


def write_json(path: Path, value: Any) -> None:
    """Write `value` as JSON (NaN becomes null)."""
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    return orjson.loads(path.read_bytes())


def write_frame(path: Path, frame: pd.DataFrame | None) -> None:
    """Write a frame as parquet; None removes a stale file."""
    if frame is None:
        path.unlink(missing_ok=True)
        return
    # Column names must be strings in parquet.
    frame.rename(columns=str).to_parquet(path, index=False)


def read_frame(path: Path) -> pd.DataFrame | None:
    """Read a parquet frame, or None when the file is absent."""
    import pandas as pd

    return pd.read_parquet(path) if path.exists() else None


def dump_model(path: Path, model: Any) -> None:
    """Pickle a fitted model with joblib."""
    import joblib

    joblib.dump(model, path)


def load_model(path: Path) -> Any:
    """Unpickle a model written by `dump_model`; runs pickle, so only for runyard's own artifacts."""
    import joblib

    return joblib.load(path)
