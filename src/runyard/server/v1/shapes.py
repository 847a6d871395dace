"""v1 JSON shapes: experiments and runs as v1 clients see them, tag dicts, times, values.

- ids are the store's integer ids as strings;
- times are epoch milliseconds (integers);
- run status is UPPERCASE (`RUNNING`, `FINISHED`, `FAILED`, `KILLED`, `CRASHED`);
- tags are dicts: the store keeps tag strings, `{"k": "v"}` is stored as `"k=v"` and
  `{"k": ""}` as the plain tag `"k"` (so a plain tag `"x"` reads back as `{"x": ""}`);
- non-finite metric values are spelled `"NaN"`, `"Infinity"`, `"-Infinity"`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.errors import InvalidInputError
from runyard.jsonenc import json_float
from runyard.store import MetricSummary, Project, Run
from runyard.store.validate import check_tags
from runyard.store.validate_numbers import (
    INT64_MAX as INT64_MAX,  # re-exported: the one int64 bound
)

MAX_PARAM_KEY = 255
MAX_PARAM_VALUE = 10_000
END_STATUSES = ("finished", "failed", "killed")
_SPECIAL = {"nan": math.nan, "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf,
            "inf": math.inf, "+inf": math.inf, "-inf": -math.inf}


def ms(seconds: float | None) -> int | None:
    """Epoch seconds (store) to whole epoch milliseconds (v1, rounded down); None stays None."""
    return None if seconds is None else math.floor(seconds * 1000)


def metric_value(value: object) -> float:
    """A number, or one of the strings "NaN", "Infinity", "-Infinity" (any case), as a float."""
    if isinstance(value, bool):
        raise ValueError("metric value must be a number, not a boolean")
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            raise ValueError("metric value is too large for a float64") from None
    if isinstance(value, str) and value.strip().lower() in _SPECIAL:
        return _SPECIAL[value.strip().lower()]
    raise ValueError("metric value must be a number or one of 'NaN', 'Infinity', '-Infinity'")


def tags_to_dict(tags: Sequence[str]) -> dict[str, str]:
    """Stored tag strings to a v1 dict: `"k=v"` -> `{"k": "v"}`, `"x"` -> `{"x": ""}`."""
    out: dict[str, str] = {}
    for tag in tags:
        key, _, value = tag.partition("=")
        out[key] = value
    return out


def tags_to_list(tags: Mapping[str, str]) -> list[str]:
    """A v1 tag dict to stored tag strings; 400 on empty keys, keys with '=', or too long tags."""
    stored: list[str] = []
    for raw_key, value in tags.items():
        key = raw_key.strip()
        if not key:
            raise InvalidInputError("tag keys must not be empty")
        if "=" in key:
            raise InvalidInputError(f"tag key {key!r} must not contain '='")
        stored.append(f"{key}={value}" if value.strip() else key)
    return check_tags(stored)


def merge_tags(current: Sequence[str], changes: Mapping[str, str | None]) -> list[str]:
    """Apply a merge patch to stored tags: a value sets the key, None removes it."""
    merged = tags_to_dict(current)
    for raw_key, value in changes.items():
        if value is None:
            merged.pop(raw_key.strip(), None)
        else:
            merged[raw_key.strip()] = value
    return tags_to_list(merged)


def check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Keys 1-255 characters; values str/bool/int64/finite float; strings up to 10,000 characters."""
    for key, value in params.items():
        if not key.strip() or len(key) > MAX_PARAM_KEY:
            raise InvalidInputError(f"param key {key[:40]!r} must be 1-{MAX_PARAM_KEY} characters")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInputError(f"param {key!r} must be finite, not {value}")
        if isinstance(value, int) and not -INT64_MAX - 1 <= value <= INT64_MAX:
            raise InvalidInputError(f"param {key!r} does not fit a 64-bit integer; send it as a string")
        if isinstance(value, str) and len(value) > MAX_PARAM_VALUE:
            raise InvalidInputError(f"param {key!r} is longer than {MAX_PARAM_VALUE} characters")
    return dict(params)


def end_status(value: str) -> str:
    """FINISHED/FAILED/KILLED in any case, as the store's lowercase status."""
    status = value.strip().lower()
    if status not in END_STATUSES:
        raise ValueError(f"status must be one of {[s.upper() for s in END_STATUSES]}")
    return status


def experiment_json(project: Project) -> dict[str, Any]:
    """A project as a v1 experiment."""
    return {
        "id": str(project.id),
        "name": project.name,
        "description": project.description,
        "artifact_location": project.artifact_location,
        "lifecycle_stage": project.lifecycle,
        "tags": tags_to_dict(project.tags),
        "created_at": ms(project.created_at),
        "updated_at": ms(project.updated_at),
    }


def run_info(run: Run) -> dict[str, Any]:
    """The basic fields of a v1 run (no params, tags or metrics)."""
    return {
        "id": str(run.id),
        "uid": run.uid,
        "experiment_id": str(run.project_id),
        "name": run.name,
        "description": run.description,
        "status": run.status.upper(),
        "start_time": ms(run.start_time),
        "end_time": ms(run.end_time),
    }


def run_json(run: Run, summaries: Mapping[str, MetricSummary]) -> dict[str, Any]:
    """A run as a v1 run: info, params, tags and the latest value of every metric."""
    return {
        **run_info(run),
        "params": run.params,
        "tags": tags_to_dict(run.tags),
        "metrics": {key: json_float(summary.last_value) for key, summary in summaries.items()},
    }
