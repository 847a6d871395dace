"""Media a run logs beside its scalars: `runyard.Image`, `runyard.Histogram`, `runyard.Table`.

Constructing one checks the input and takes a private copy (the caller may reuse its
buffer right after `log()`); the costly part (PNG encoding, binning, JSON) happens later on
the run's media thread (`media_writer`), so `log()` stays cheap.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from runyard.media_index import check_media_key
from runyard.sdk.values import to_jsonable

MAX_IMAGE_PIXELS = 25_000_000  # 5000 x 5000: a bigger sample image is a mistake, not a sample
MAX_CAPTION_CHARS = 1_000
MAX_BINS = 1_024
MAX_TABLE_CELLS = 100_000
MAX_TABLE_COLUMNS = 1_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _caption(caption: object) -> str | None:
    if caption is None:
        return None
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a string, got {type(caption).__name__}")
    if len(caption) > MAX_CAPTION_CHARS:
        raise ValueError(f"caption is {len(caption)} characters; at most {MAX_CAPTION_CHARS}")
    return caption


def _is_pil(value: object) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "save") and hasattr(value, "mode")


class Media:
    """What every media kind tells the writer: its kind and about how much memory it holds."""

    kind = ""
    nbytes = 0


class Image(Media):
    """An image: a numpy array (HxW, HxWx1/3/4 or CxHxW; uint8 0..255 or float 0..1), a PIL image or a file path.

    `caption` is shown under the image in the dashboard.
    """

    kind = "image"

    def __init__(self, data: Any, caption: str | None = None) -> None:
        self.caption = _caption(caption)
        self.array: np.ndarray[Any, Any] | None = None
        self.pil: Any = None
        self.path: Path | None = None
        if isinstance(data, (str, os.PathLike)):
            self._from_file(Path(data))
        elif _is_pil(data):
            width, height = data.size
            self._check_size(height, width)
            self.pil = data.copy()
            self.nbytes = width * height * 4
        else:
            self._from_array(data)

    def _from_file(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"runyard.Image: {str(path)!r} is not a file")
        with path.open("rb") as stream:
            is_png = stream.read(len(PNG_MAGIC)) == PNG_MAGIC
        if not is_png:
            try:
                import PIL.Image  # noqa: F401  (only to say early that other formats need it)
            except ImportError:
                raise ValueError(f"runyard.Image: {path.name!r} is not a PNG; install Pillow to log other image "
                                 "formats, or pass the pixels as a numpy array") from None
        self.path = path
        self.nbytes = 4096  # read from disk on the media thread

    def _from_array(self, data: Any) -> None:
        if not hasattr(data, "__array__") and not isinstance(data, (list, tuple)):
            raise TypeError(f"runyard.Image takes a numpy array, a PIL image or a file path, got {type(data).__name__}")
        array = np.array(data, copy=True)  # a private copy: the caller may overwrite its buffer after log()
        if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[2] not in (1, 3, 4):
            array = np.ascontiguousarray(array.transpose(1, 2, 0))  # CxHxW, as torch and many loaders hold images
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
            raise ValueError(f"runyard.Image: array shape {array.shape} is not HxW, HxWx1, HxWx3 or HxWx4")
        if array.dtype.kind not in "buif":
            raise TypeError(f"runyard.Image: array dtype {array.dtype} is not a number type")
        self._check_size(array.shape[0], array.shape[1])
        self.array = array
        self.nbytes = int(array.nbytes)

    @staticmethod
    def _check_size(height: int, width: int) -> None:
        if height < 1 or width < 1:
            raise ValueError(f"runyard.Image: an image needs at least one pixel, got {width}x{height}")
        if height * width > MAX_IMAGE_PIXELS:
            raise ValueError(f"runyard.Image: {width}x{height} is over {MAX_IMAGE_PIXELS} pixels; downscale it first")


class Histogram(Media):
    """A distribution: raw `values` (binned into `num_bins` by the SDK) or precomputed `bins=(counts, edges)`."""

    kind = "histogram"

    def __init__(self, values: Any = None, *, num_bins: int = 64,
                 bins: tuple[Sequence[float], Sequence[float]] | None = None) -> None:
        if type(num_bins) is not int or not 1 <= num_bins <= MAX_BINS:
            raise ValueError(f"runyard.Histogram: num_bins must be an int from 1 to {MAX_BINS}, got {num_bins!r}")
        self.num_bins = num_bins
        self.values: np.ndarray[Any, Any] | None = None
        self.counts: np.ndarray[Any, Any] | None = None
        self.edges: np.ndarray[Any, Any] | None = None
        if (values is None) == (bins is None):
            raise ValueError("runyard.Histogram takes either values or bins=(counts, edges)")
        if bins is not None:
            self._from_bins(bins)
        else:
            try:
                self.values = np.array(values, dtype=np.float64, copy=True).ravel()
            except (TypeError, ValueError) as exc:
                raise TypeError(f"runyard.Histogram: values must be numbers ({exc})") from None
            self.nbytes = int(self.values.nbytes)

    def _from_bins(self, bins: object) -> None:
        if not isinstance(bins, (tuple, list)) or len(bins) != 2:
            raise ValueError("runyard.Histogram: bins must be a pair (counts, edges)")
        counts = np.array(bins[0], dtype=np.float64, copy=True).ravel()
        edges = np.array(bins[1], dtype=np.float64, copy=True).ravel()
        if not 1 <= len(counts) <= MAX_BINS or len(edges) != len(counts) + 1:
            raise ValueError(f"runyard.Histogram: need 1 to {MAX_BINS} counts and one more edge than counts, "
                             f"got {len(counts)} counts and {len(edges)} edges")
        if not (np.isfinite(edges).all() and np.isfinite(counts).all()) or (np.diff(edges) < 0).any():
            raise ValueError("runyard.Histogram: edges must be finite and ascending, counts finite")
        self.counts, self.edges = counts, edges
        self.nbytes = int(counts.nbytes + edges.nbytes)


def _cell(value: Any) -> Any:
    plain = to_jsonable(value)
    if isinstance(plain, float) and not math.isfinite(plain):
        return "NaN" if plain != plain else ("Infinity" if plain > 0 else "-Infinity")
    if isinstance(plain, (dict, list)):
        return str(value)  # a cell is one value; nested data is shown as its text
    return plain


class Table(Media):
    """Rows of values under named columns, or a pandas DataFrame (`Table(dataframe=df)`).

    At most `MAX_TABLE_CELLS` cells; cells are numbers, strings, booleans or None (other
    objects are shown as their text).
    """

    kind = "table"

    def __init__(self, columns: Sequence[Any] | None = None, rows: Sequence[Sequence[Any]] | None = None, *,
                 dataframe: Any = None) -> None:
        if dataframe is not None:
            if columns is not None or rows is not None:
                raise ValueError("runyard.Table takes columns and rows, or a dataframe, not both")
            columns, rows = self._frame(dataframe)
        if columns is None or rows is None:
            raise ValueError("runyard.Table needs columns and rows (or dataframe=...)")
        if isinstance(columns, str) or not isinstance(columns, Sequence):
            raise TypeError("runyard.Table: columns must be a list of names")
        if not 1 <= len(columns) <= MAX_TABLE_COLUMNS:
            raise ValueError(f"runyard.Table: needs 1 to {MAX_TABLE_COLUMNS} columns, got {len(columns)}")
        width = len(columns)
        if len(rows) * width > MAX_TABLE_CELLS:
            raise ValueError(f"runyard.Table: {len(rows)} rows x {width} columns is over {MAX_TABLE_CELLS} cells; "
                             "log a sample of the rows")
        self.columns = [str(name) for name in columns]
        self.rows: list[list[Any]] = []
        for index, row in enumerate(rows):
            if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != width:
                raise ValueError(f"runyard.Table: row {index} must be a list of {width} values")
            self.rows.append([_cell(value) for value in row])
        self.nbytes = 64 * (len(self.rows) + 1) * width

    @staticmethod
    def _frame(frame: Any) -> tuple[list[Any], list[list[Any]]]:
        try:
            import pandas
        except ImportError:
            raise TypeError("runyard.Table: dataframe= needs pandas, which is not installed") from None
        if not isinstance(frame, pandas.DataFrame):
            raise TypeError(f"runyard.Table: dataframe must be a pandas DataFrame, got {type(frame).__name__}")
        if frame.size > MAX_TABLE_CELLS:
            raise ValueError(f"runyard.Table: the DataFrame has {frame.size} cells, over {MAX_TABLE_CELLS}; "
                             "log a sample of the rows")
        return list(frame.columns), frame.astype(object).values.tolist()


def split_media(record: dict[Any, Any]) -> tuple[dict[Any, Any], dict[str, Media]]:
    """A logged dict's scalars apart from its media items (keys checked: they become artifact paths)."""
    media = {key: value for key, value in record.items() if isinstance(value, Media)}
    if not media:
        return record, {}
    for key in media:
        check_media_key(key)
    return {key: value for key, value in record.items() if key not in media}, media
