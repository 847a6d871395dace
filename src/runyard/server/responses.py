"""JSON responses through orjson (numpy arrays included), and JSON-safe floats."""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.responses import Response

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class JSONResponse(Response):
    """orjson-encoded JSON; numpy arrays serialize natively."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=OPTIONS)


def json_float(value: float) -> float | str:
    """A finite float as is; NaN and infinities spelled out (JSON has no literal for them)."""
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
