"""Validation and coercion of what users log: metric records, steps and config values."""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator
from collections.abc import Mapping
from typing import Any

_INT64_MIN = -(2**63)
_INT64_END = 2**63


def check_key(key: object) -> str:
    """A metric key must be a non-empty string."""
    if type(key) is not str and not isinstance(key, str):
        raise TypeError(f"runyard.log: metric keys must be strings, got {type(key).__name__} {key!r}")
    if not key:
        raise ValueError("runyard.log: metric keys must not be empty")
    return str(key)


def coerce_value(key: str, value: object) -> float | int:
    """A loggable number from a Python, numpy or torch-like scalar; `TypeError` otherwise."""
    tv = type(value)
    if tv is float:
        return value  # type: ignore[return-value]
    if tv is int:
        return value if _INT64_MIN <= value < _INT64_END else _real_to_float(key, value)  # type: ignore[operator,return-value]
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, numbers.Real):
        return _real_to_float(key, value)
    item = getattr(value, "item", None)
    if callable(item):
        # numpy arrays / np.bool_ / torch tensors: only single-element values are scalars.
        size = getattr(value, "size", None)
        n = size() if callable(size) else size
        if n is None:
            numel = getattr(value, "numel", None)
            n = numel() if callable(numel) else 1
        if n != 1:
            raise TypeError(
                f"runyard.log: value for key {key!r} must be a scalar, got {tv.__name__} with {n} elements"
            )
        try:
            inner = item()
        except Exception as exc:
            raise TypeError(f"runyard.log: value for key {key!r} ({tv.__name__}) has no scalar item") from exc
        if isinstance(inner, bool):
            return float(inner)
        if isinstance(inner, numbers.Real):
            return _real_to_float(key, inner)
        raise TypeError(
            f"runyard.log: value for key {key!r} must be a real number, got {tv.__name__} holding {type(inner).__name__}"
        )
    raise TypeError(f"runyard.log: value for key {key!r} must be a real number, got {tv.__name__}")


def _real_to_float(key: str, value: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        # Integers beyond float range: store the sign of infinity rather than fail later.
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError) as exc:
        raise TypeError(f"runyard.log: value for key {key!r} cannot be read as a float") from exc


def coerce_record(data: Mapping[Any, Any]) -> dict[str, float | int]:
    """The slow path of `log()`: check every key and convert every value."""
    out: dict[str, float | int] = {}
    for key, value in data.items():
        k = check_key(key)
        out[k] = coerce_value(k, value)
    return out


def check_step(step: object) -> int:
    """An explicit step must be a non-negative integer (numpy integers accepted)."""
    if isinstance(step, (bool, float)):
        raise TypeError(f"runyard.log: step must be an int, got {type(step).__name__}")
    try:
        value = operator.index(step)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"runyard.log: step must be an int, got {type(step).__name__}") from None
    if value < 0:
        raise ValueError(f"runyard.log: step must be >= 0, got {value}")
    if value >= 2**63 - 1:
        raise ValueError(f"runyard.log: step {value} does not fit in int64")
    return value


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    """Config/params as plain JSON values; unknown objects become their `str()`."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if _depth > 32:
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v, _depth + 1) for v in value]
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "size", 1) == 1:
        try:
            return to_jsonable(item(), _depth + 1)
        except Exception:
            return str(value)
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        try:
            return to_jsonable(tolist(), _depth + 1)
        except Exception:
            return str(value)
    if hasattr(value, "__dict__") and type(value).__name__ == "Namespace":
        return to_jsonable(vars(value), _depth + 1)
    return str(value)


def config_dict(config: object) -> dict[str, Any]:
    """Accept a mapping, an argparse Namespace or a dataclass instance as a config."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return to_jsonable(config)  # type: ignore[no-any-return]
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return to_jsonable(dataclasses.asdict(config))  # type: ignore[no-any-return]
    if hasattr(config, "__dict__"):
        return to_jsonable(vars(config))  # type: ignore[no-any-return]
    raise TypeError(f"config must be a mapping, got {type(config).__name__}")
