"""Nested mappings as one level of dotted keys: how runyard shows a deep config (`runyard show`)
and how the framework integrations store one (`optimizer.lr`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def dotted(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` as `{"a.b": 1}`; an empty mapping stays a value."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(dotted(value, f"{name}."))
        else:
            flat[name] = value
    return flat
