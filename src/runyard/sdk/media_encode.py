"""Media to the bytes stored as artifacts: images as PNG, histograms and tables as compact JSON.

PNG goes through Pillow when it is installed (it compresses better and reads every PIL
mode); without it a small writer here makes a valid PNG from a numpy array (filter 0 +
zlib), which is all a logged sample needs.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np

from runyard import media_index
from runyard.jsonenc import dumps
from runyard.sdk.media import PNG_MAGIC, Histogram, Image, Media, Table

PNG_LEVEL = 1  # zlib level: 5-8x faster than 6 on photo-like images for ~15% more bytes
_COLOR_TYPES = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type (grey, RGB, RGBA)
_PIL_SAVES = ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16")


def to_uint8(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Pixels as uint8: floats are 0..1 (clipped, NaN as 0), integers 0..255 (clipped), booleans 0/255."""
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind == "b":
        return array.astype(np.uint8) * 255
    if array.dtype.kind == "f":
        scaled = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=1.0, neginf=0.0)
        out: np.ndarray[Any, Any] = (np.clip(scaled, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        return out
    clipped: np.ndarray[Any, Any] = np.clip(array, 0, 255).astype(np.uint8)
    return clipped


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def png_from_array(array: np.ndarray[Any, Any]) -> bytes:
    """A PNG of a uint8 HxW, HxWx3 or HxWx4 array, without Pillow."""
    height, width = array.shape[:2]
    channels = 1 if array.ndim == 2 else array.shape[2]
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # a leading 0 per row: filter "none"
    rows[:, 1:] = np.ascontiguousarray(array).reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return (PNG_MAGIC + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_LEVEL))
            + _chunk(b"IEND", b""))


def _pil_png(image: Any) -> bytes:
    if image.mode not in _PIL_SAVES:
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


def image_png(item: Image) -> bytes:
    """The image as PNG bytes (a PNG file is kept as it is)."""
    if item.path is not None:
        data = item.path.read_bytes()
        if data.startswith(PNG_MAGIC):
            return data
        import PIL.Image

        with PIL.Image.open(io.BytesIO(data)) as opened:
            return _pil_png(opened)
    if item.pil is not None:
        return _pil_png(item.pil)
    assert item.array is not None
    pixels = to_uint8(item.array)
    try:
        import PIL.Image
    except ImportError:
        return png_from_array(pixels)
    return _pil_png(PIL.Image.fromarray(pixels))


def histogram_json(item: Histogram) -> bytes:
    """`{"counts", "edges", "nonfinite"}`: values binned here; NaN and infinities counted apart, not binned."""
    nonfinite = 0
    counts: np.ndarray[Any, Any] | None
    edges: np.ndarray[Any, Any] | None
    if item.values is not None:
        finite = np.isfinite(item.values)
        nonfinite = int(finite.size - np.count_nonzero(finite))
        counts, edges = np.histogram(item.values[finite], bins=item.num_bins)
    else:
        counts, edges = item.counts, item.edges
    assert counts is not None and edges is not None
    plain_counts = [int(c) if float(c).is_integer() else float(c) for c in counts.tolist()]
    return dumps({"counts": plain_counts, "edges": edges.tolist(), "nonfinite": nonfinite})


def table_json(item: Table) -> bytes:
    """`{"columns", "rows"}`."""
    return dumps({"columns": item.columns, "rows": item.rows})


def encode(key: str, step: int, item: Media) -> list[tuple[str, bytes]]:
    """The artifact files (path, bytes) of one logged media item."""
    if isinstance(item, Image):
        # The caption first: a live page fetches it when the image's own artifact arrives.
        files = [] if item.caption is None else [(media_index.caption_path(key, step),
                                                  dumps({"caption": item.caption}))]
        return [*files, (media_index.media_path(key, step, "image"), image_png(item))]
    if isinstance(item, Histogram):
        return [(media_index.media_path(key, step, "histogram"), histogram_json(item))]
    if isinstance(item, Table):
        return [(media_index.media_path(key, step, "table"), table_json(item))]
    raise TypeError(f"not a media item: {type(item).__name__}")
