"""The SDK ingest wire format, both ends: requests as the client sends them, batches as the server reads them.

A batch is one msgpack map: `{"batch_id": str, "metrics": {key: {"steps": bin, "values":
bin, "times": bin}}, "logs": [[time, stream, line], ...]}`. Steps are little-endian int64,
values and times little-endian float64 (times in epoch seconds), so neither end builds a
Python object per point. See docs/sdk-protocol.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import ormsgpack

from runyard.errors import InvalidInputError, PayloadTooLargeError
from runyard.store.models import MetricColumns

PREFIX = "/api/v1/sdk"
MSGPACK = "application/msgpack"
JSON = "application/json"
OCTETS = "application/octet-stream"
MAX_BATCH_ID = 200
ARRAYS = (("steps", "<i8", np.int64), ("values", "<f8", np.float64), ("times", "<f8", np.float64))


@dataclass(slots=True)
class Request:
    """One ingest call: where it goes and its body (or, for artifacts, the file to stream)."""

    kind: str  # create, metrics, logs, params, update, status, artifact
    path: str  # below the server's base URL, e.g. /api/v1/sdk/runs/<uid>/batch
    body: bytes = b""
    content_type: str = MSGPACK
    points: int = 0
    file: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def run_path(uid: str, what: str = "") -> str:
    """The URL path of a run's ingest endpoint."""
    return f"{PREFIX}/runs/{uid}" + (f"/{what}" if what else "")


def pack(data: Any) -> bytes:
    """msgpack with numpy scalars and non-string keys allowed."""
    return ormsgpack.packb(data, option=ormsgpack.OPT_SERIALIZE_NUMPY | ormsgpack.OPT_NON_STR_KEYS)


def metrics_request(uid: str, batch_id: str, batch: Mapping[str, MetricColumns]) -> Request:
    """A batch of per-key columns as raw little-endian arrays."""
    metrics = {
        key: {name: np.ascontiguousarray(getattr(cols, name), dtype=dtype).tobytes() for name, dtype, _ in ARRAYS}
        for key, cols in batch.items()
    }
    points = sum(len(cols) for cols in batch.values())
    return Request("metrics", run_path(uid, "batch"), pack({"batch_id": batch_id, "metrics": metrics}), points=points)


def logs_request(uid: str, batch_id: str, lines: Sequence[tuple[float, str, str]]) -> Request:
    """Console lines as `[time, stream, line]` triples."""
    body = pack({"batch_id": batch_id, "logs": [list(line) for line in lines]})
    return Request("logs", run_path(uid, "batch"), body, meta={"lines": len(lines)})


def json_request(kind: str, path: str, data: Any) -> Request:
    """A small JSON call (create, params, update, status, heartbeat)."""
    return Request(kind, path, orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY), JSON)


@dataclass(slots=True)
class Batch:
    """A decoded batch: numpy columns per key (views on the body) and console lines."""

    batch_id: str
    metrics: dict[str, MetricColumns]
    logs: list[tuple[float, str, str]]

    @property
    def points(self) -> int:
        """Metric points in the batch."""
        return sum(len(cols) for cols in self.metrics.values())


def _array(key: str, name: str, raw: Any, dtype: str, native: type[np.generic]) -> np.ndarray[Any, Any]:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise InvalidInputError(f"metric {key!r}: {name} must be binary ({dtype} array), not {type(raw).__name__}")
    if len(raw) % 8:
        raise InvalidInputError(f"metric {key!r}: {name} has {len(raw)} bytes, not a whole number of 8-byte {dtype} items")
    return np.frombuffer(raw, dtype=dtype).astype(native, copy=False)


def _columns(key: Any, entry: Any) -> MetricColumns:
    if not isinstance(key, str) or not key:
        raise InvalidInputError(f"metric keys must be non-empty strings, not {key!r}")
    if not isinstance(entry, dict):
        raise InvalidInputError(f"metric {key!r} must be a map of steps, values and times")
    missing = [name for name, _, _ in ARRAYS if name not in entry]
    if missing:
        raise InvalidInputError(f"metric {key!r} lacks {', '.join(missing)}")
    steps, values, times = (_array(key, name, entry[name], dtype, native) for name, dtype, native in ARRAYS)
    if not (len(steps) == len(values) == len(times)):
        raise InvalidInputError(
            f"metric {key!r}: steps, values and times have different lengths ({len(steps)}, {len(values)}, {len(times)})"
        )
    return MetricColumns(steps, values, times)


def _logs(raw: Any) -> list[tuple[float, str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInputError("logs must be a list of [time, stream, line]")
    lines: list[tuple[float, str, str]] = []
    for item in raw:
        if (not isinstance(item, list | tuple) or len(item) != 3 or isinstance(item[0], bool)
                or not isinstance(item[0], int | float) or not isinstance(item[1], str) or not isinstance(item[2], str)):
            raise InvalidInputError(f"log lines must be [time (number), stream (string), line (string)], not {item!r:.80}")
        lines.append((float(item[0]), item[1], item[2]))
    return lines


def decode_batch(data: Any, max_points: int) -> Batch:
    """Check and convert a decoded batch body; `InvalidInputError` (400) or 413 past `max_points`."""
    if not isinstance(data, dict):
        raise InvalidInputError("a batch must be a map with batch_id, metrics and logs")
    batch_id = data.get("batch_id")
    if not isinstance(batch_id, str) or not batch_id or len(batch_id) > MAX_BATCH_ID:
        raise InvalidInputError(f"batch_id must be a non-empty string of at most {MAX_BATCH_ID} characters")
    raw_metrics = data.get("metrics") or {}
    if not isinstance(raw_metrics, dict):
        raise InvalidInputError("metrics must be a map of key to {steps, values, times}")
    metrics = {key: _columns(key, entry) for key, entry in raw_metrics.items()}
    batch = Batch(batch_id, metrics, _logs(data.get("logs")))
    if batch.points > max_points:
        raise PayloadTooLargeError(f"batch has {batch.points} points; the limit is {max_points} per request")
    return batch
