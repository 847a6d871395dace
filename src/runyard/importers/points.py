"""What the JSON-lines importers (Aspara, SwanLab) share: reading a tracker's JSONL file line by
line, and collecting points into one series per key with one value per step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from runyard.errors import InvalidInputError
from runyard.store.models import MetricColumns


def json_lines(path: Path, what: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) of each line of `path` (Python's json: NaN/Infinity allowed).

    A last line without its newline is a write cut short by a crash (trackers append whole
    lines): skipped. Any other damaged line is an InvalidInputError naming file and line (the
    caller raises `bad_line` for a record that parses but is not what it expects). A missing
    file or a symbolic link (it may point anywhere) reads as empty.
    """
    if not path.is_file() or path.is_symlink():
        return
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.endswith(b"\n"):
                return
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError as exc:
                raise bad_line(path, number, what, exc) from exc
            yield number, record


# What a record that is not the expected shape raises while being read.
RECORD_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


def bad_line(path: Path, line: int, what: str, error: Exception) -> InvalidInputError:
    """The error for line `line` of `path`, which is not `what` ("an Aspara metrics line")."""
    return InvalidInputError(f"{path}:{line}: not {what} ({error})")


def number(value: Any) -> float:
    """A metric value as logged: an int or float (NaN and infinities included), nothing else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"value {value!r} is not a number")
    return float(value)


def as_step(value: Any) -> int:
    """A step as logged: a whole number >= 0 (runyard's steps start at 0)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"step {value!r} is not a whole number >= 0")
    return value


class PointCollector:
    """Points by key and step; a step seen again keeps the value read last (runyard keeps one per step)."""

    def __init__(self) -> None:
        self._points: dict[str, dict[int, tuple[float, float]]] = {}

    def add(self, key: str, step: int, value: float, wall: float) -> None:
        self._points.setdefault(key, {})[step] = (value, wall)

    def series(self) -> Iterator[tuple[str, MetricColumns]]:
        """Each key's points in step order, keys in name order."""
        for key in sorted(self._points):
            by_step = sorted(self._points[key].items())
            yield key, MetricColumns(
                np.array([step for step, _ in by_step], dtype=np.int64),
                np.array([value for _, (value, _) in by_step], dtype=np.float64),
                np.array([wall for _, (_, wall) in by_step], dtype=np.float64),
            )
