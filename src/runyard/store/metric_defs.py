"""Metric definitions (`run.define_metric`): which logged key a metric is charted against."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any


def step_metric_of(definitions: Mapping[str, Any], key: str) -> str | None:
    """The key `key` is charted against: an exact definition wins, else the longest matching glob."""
    exact = definitions.get(key)
    if isinstance(exact, dict):
        return exact.get("step_metric")
    globs = sorted((name for name in definitions if name != key and fnmatch.fnmatchcase(key, name)),
                   key=len, reverse=True)
    for name in globs:
        value = definitions[name]
        if isinstance(value, dict):
            return value.get("step_metric")
    return None
