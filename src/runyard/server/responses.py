"""JSON responses through runyard's one orjson configuration (numpy arrays included)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from runyard.jsonenc import OPTIONS, dumps, json_float

__all__ = ["OPTIONS", "JSONResponse", "json_float"]


class JSONResponse(Response):
    """orjson-encoded JSON (`runyard.jsonenc`); numpy arrays serialize natively."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
