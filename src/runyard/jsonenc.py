"""JSON as runyard writes it: one orjson configuration, one spelling of non-finite floats.

JSON has no literal for NaN or the infinities (orjson would write `null`, losing which one
it was), so every JSON answer spells them as strings. Dialects that spell them otherwise
pass their own `Spelling`. Neutral on purpose: the server, the events layer and the hub
worker all encode with it, and none of them should import another's package for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import orjson

# numpy arrays natively (no `.tolist()` copy); int keys (step -> value maps) as JSON strings.
OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps(value: Any, *, default: Callable[[Any], Any] | None = None) -> bytes:
    """`value` as compact UTF-8 JSON with runyard's options."""
    return orjson.dumps(value, default=default, option=OPTIONS)


class Spelling(NamedTuple):
    """How a dialect writes the three non-finite floats in JSON."""

    nan: Any
    inf: Any
    neg_inf: Any

    def of(self, value: float) -> Any:
        """The spelling of one non-finite value."""
        return self.nan if value != value else (self.inf if value > 0 else self.neg_inf)


WORDS = Spelling("NaN", "Infinity", "-Infinity")  # every runyard dialect today


def json_float(value: float, spelling: Spelling = WORDS) -> Any:
    """A finite float as is; NaN and infinities spelled out."""
    return value if math.isfinite(value) else spelling.of(value)


def json_floats(values: npt.NDArray[np.float64], spelling: Spelling = WORDS) -> Any:
    """A numpy array when all finite (orjson writes it fast), else a list with spelled-out specials."""
    finite = np.isfinite(values)
    if bool(finite.all()):
        return values
    out: list[Any] = values.tolist()
    for index in np.flatnonzero(~finite).tolist():
        out[index] = spelling.of(out[index])
    return out


def json_safe(value: Any, spelling: Spelling = WORDS) -> Any:
    """A copy with non-finite floats spelled out at any depth (maps, lists, tuples); keys kept."""
    if isinstance(value, float):
        return json_float(value, spelling)
    if isinstance(value, Mapping):
        return {key: json_safe(item, spelling) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item, spelling) for item in value]
    return value
